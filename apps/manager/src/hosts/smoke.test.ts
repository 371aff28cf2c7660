import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeGateway } from '../../test/support/fake-gateway.ts';
import { startFakeGateway } from '../../test/support/fake-gateway.ts';
import { runSmoke } from './smoke.ts';

let gw: FakeGateway;
beforeAll(async () => {
  gw = await startFakeGateway({ models: ['glm-4.6'] });
});
afterAll(() => gw.close());

describe('runSmoke', () => {
  it.each(['pong', 'Pong.', ' PONG\n', '"pong"', '**pong**'])('accepts %j as pong', async (answer) => {
    gw.setAnswer(answer);
    const report = await runSmoke({ baseUrl: gw.url, apiKey: gw.apiKey });
    expect(report).toMatchObject({ ok: true, models: ['glm-4.6'] });
  });

  it.each(['ping', 'pong pong', 'I cannot do that', ''])('refuses %j', async (answer) => {
    gw.setAnswer(answer);
    const report = await runSmoke({ baseUrl: gw.url, apiKey: gw.apiKey });
    expect(report.ok).toBe(false);
    expect(report.steps[2]).toMatchObject({ name: 'chat:glm-4.6', ok: false, status: 200 });
  });

  it('reports an unreachable gateway on every step without throwing', async () => {
    const report = await runSmoke({ baseUrl: 'http://127.0.0.1:1', apiKey: gw.apiKey, models: ['glm-4.6'] });
    expect(report.ok).toBe(false);
    expect(report.steps.map((s) => [s.name, s.ok])).toEqual([
      ['models_without_key', false],
      ['models_with_key', false],
      ['chat:glm-4.6', false],
    ]);
    expect(report.steps[0]?.detail).toMatch(/^request failed: /);
  });

  it('fails the first step when the gateway lets keyless requests through', async () => {
    const open = async () => new Response(JSON.stringify({ data: [] }), { status: 200 });
    const report = await runSmoke({
      baseUrl: 'http://gateway.invalid',
      apiKey: 'k',
      fetch: open as typeof fetch,
    });
    expect(report.steps[0]).toMatchObject({ name: 'models_without_key', ok: false, status: 200 });
  });
});

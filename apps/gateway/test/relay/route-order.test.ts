import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RelayCall, RelayEnv } from '../../src/relay/relay-call.ts';
import { firstRoute, orderRoutes } from '../../src/relay/route-order.ts';
import type { ModelRoute } from '../../src/relay/tenant-directory.ts';
import { ENDPOINTS } from '../../src/upstream/endpoints.ts';
import { upstreamTarget } from '../../src/upstream/upstream-target.ts';

/** A route whose account speaks chat natively, or only Anthropic Messages (served translated). */
function route(id: string, spec: RouteSpec): ModelRoute {
  const target = upstreamTarget(`http://127.0.0.1:9/${id}`, 'bearer', 'sk-test');
  const protocols = new Map([[spec.native ? 'chat' : 'messages', target]]);
  const account = {
    row: { id, weight: spec.weight, concurrency: spec.concurrency, cooldownUntil: null },
    priority: spec.priority,
    upstream: target,
    protocols,
  };
  return { account, upstreamModel: 'm' } as unknown as ModelRoute;
}

type RouteSpec = {
  priority: number;
  weight: number;
  concurrency: number;
  inFlight: number;
  lastUsed: number;
  native: boolean;
};

const routeSpec = fc.record({
  priority: fc.integer({ min: 0, max: 2 }),
  weight: fc.integer({ min: 1, max: 3 }),
  concurrency: fc.integer({ min: 0, max: 4 }),
  inFlight: fc.integer({ min: 0, max: 3 }),
  lastUsed: fc.integer({ min: 0, max: 3 }),
  native: fc.boolean(),
});

describe('route order', () => {
  it('firstRoute is the first route of orderRoutes, for any candidates and preferred account', () => {
    fc.assert(
      fc.property(
        fc.array(routeSpec, { minLength: 0, maxLength: 8 }),
        fc.integer({ min: -1, max: 8 }),
        (specs, preferredIndex) => {
          const routes = specs.map((spec, i) => route(`acc_${i}`, spec));
          const env = {
            inFlight: new Map(specs.map((spec, i) => [`acc_${i}`, spec.inFlight])),
            lastUsed: new Map(specs.map((spec, i) => [`acc_${i}`, spec.lastUsed])),
          } as unknown as RelayEnv;
          const call = { endpoint: ENDPOINTS.chat, routes } as unknown as RelayCall;
          const preferred = preferredIndex < 0 ? undefined : `acc_${preferredIndex}`;
          const expected = orderRoutes(env, call, routes, preferred)[0];
          expect(firstRoute(env, call, routes, preferred)?.account.row.id).toBe(expected?.account.row.id);
        },
      ),
      { numRuns: 500 },
    );
  });
});

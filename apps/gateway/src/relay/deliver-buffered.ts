import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { recordUsage } from './record-usage.ts';
import type { RelayCall, RelayEnv } from './relay-call.ts';
import { translatedAnswer } from './translated-body.ts';
import { UsageAccumulator } from './usage.ts';

/** Largest non-stream upstream answer the gateway holds (it is read whole to meter it and to fail over on a cut). */
const MAX_BUFFERED_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * Writes a non-stream answer: read whole first (so a cut before the end can still fail over), then
 * sent with its length in one write. Returns the status sent, or 'retry' when nothing was sent and
 * the next account should be tried.
 */
export async function deliverBuffered(
  env: RelayEnv,
  call: RelayCall,
  response: Dispatcher.ResponseData,
  contentType: string,
): Promise<number | 'retry'> {
  const { outgoing, request } = call;
  const upstreamStatus = response.statusCode;
  let body: Buffer;
  try {
    body = await readAll(response.body, MAX_BUFFERED_RESPONSE_BYTES);
  } catch {
    if (!call.abort.signal.aborted) return 'retry';
    // The client left while the answer was being read: still exactly one usage event.
    recordUsage(env, call, { status: 499, errorCode: 'CLIENT_CLOSED' });
    return 499;
  }
  // A translated call answers in the client's protocol; usage is still read from the upstream's own body.
  const sent =
    call.translation === undefined
      ? { status: upstreamStatus, body }
      : translatedAnswer(call.translation, upstreamStatus, body, request.body);
  const status = sent.status;
  outgoing.writeHead(status, {
    'content-type': call.translation === undefined ? contentType : 'application/json',
    'content-length': String(sent.body.length),
    'x-request-id': call.requestId,
  });
  outgoing.end(sent.body);
  let tokens: ReturnType<UsageAccumulator['finish']> | undefined;
  if (status < 300) {
    const usage = new UsageAccumulator();
    usage.add(usageOf(body));
    tokens = usage.finish({ promptCharacters: request.promptCharacters, completionCharacters: 0 });
  }
  recordUsage(env, call, {
    status,
    errorCode: status >= 400 ? 'UPSTREAM_REQUEST_ERROR' : null,
    ttftMs: Math.round(env.clock.now() - call.startedAt),
    tokens,
  });
  return status;
}

/** The whole answer, read with plain stream events (no async iterator: one promise per answer, not per chunk). */
function readAll(body: Readable, limit: number): Promise<Buffer> {
  if (body.destroyed) return Promise.reject(new Error('upstream answer ended early'));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (error?: Error) => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
      if (error === undefined)
        resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size));
      else reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        body.destroy();
        done(new Error('upstream answer too large'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done();
    const onError = (error: Error) => done(error);
    // Destroyed without an error (an aborted request): the answer is incomplete.
    const onClose = () => done(new Error('upstream answer ended early'));
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
  });
}

function usageOf(body: Buffer): Parameters<UsageAccumulator['add']>[0] {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { usage?: unknown; response?: { usage?: unknown } };
    return (parsed.usage ?? parsed.response?.usage ?? null) as Parameters<UsageAccumulator['add']>[0];
  } catch {
    return null;
  }
}

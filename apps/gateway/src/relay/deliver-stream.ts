import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Endpoint } from '../upstream/endpoints.ts';
import { recordUsage } from './record-usage.ts';
import type { RelayCall, RelayEnv } from './relay-call.ts';
import { SseTap } from './sse-tap.ts';

/**
 * Pipes an event stream to the client chunk by chunk (the tap meters usage and holds back only a
 * half event). A cut upstream ends the stream with an error event of the client's API; a client
 * that leaves stops the upstream read. Returns the status the usage event records.
 */
export async function deliverStream(
  env: RelayEnv,
  call: RelayCall,
  response: Dispatcher.ResponseData,
  contentType: string,
): Promise<number> {
  const { outgoing, endpoint, request } = call;
  const status = response.statusCode;
  // A translated call rewrites each upstream event into the client's protocol as it arrives; the tap
  // still meters the upstream's own events.
  const translator = call.translation?.stream(request.body);
  outgoing.writeHead(status, {
    'content-type': translator === undefined ? contentType : 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    'x-request-id': call.requestId,
  });
  const tap = new SseTap({
    stripUsageChunk: translator === undefined && endpoint.kind === 'chat' && !request.clientWantsUsage,
  });
  let ttftMs: number | null = null;
  let cut = false;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      const tapped = tap.push(chunk);
      const out = translator === undefined ? tapped : translator.push(chunk);
      if (ttftMs === null) ttftMs = Math.round(env.clock.now() - call.startedAt);
      if (out !== undefined && out.length > 0 && !outgoing.write(out)) await drained(outgoing);
      if (outgoing.destroyed) break;
    }
  } catch {
    cut = !call.abort.signal.aborted;
  }
  const clientGone = outgoing.destroyed && !outgoing.writableFinished;
  if (clientGone) {
    response.body.destroy();
  } else if (cut) {
    // The held-back half event (if any) is dropped: the error must arrive as an event of its own.
    const message = 'upstream stream was interrupted';
    outgoing.end(translator === undefined ? streamErrorEvent(endpoint, message) : translator.fail(message));
  } else {
    const rest = tap.end();
    const last = translator === undefined ? rest : translator.end();
    if (last !== undefined && last.length > 0) outgoing.write(last);
    outgoing.end();
  }
  const tokens = tap.usage.finish({
    promptCharacters: request.promptCharacters,
    completionCharacters: tap.completionCharacters,
  });
  const finalStatus = clientGone ? 499 : cut ? 502 : status;
  recordUsage(env, call, {
    status: finalStatus,
    errorCode: clientGone ? 'CLIENT_CLOSED' : cut ? 'UPSTREAM_STREAM_CUT' : null,
    ttftMs,
    tokens,
  });
  if (cut && call.route !== undefined) {
    env.health.recordFailure(call.route.account.row.id, { kind: 'server_error' }).catch(() => undefined);
  }
  return finalStatus;
}

/** Resolves when the client's socket can take more, or is gone. */
function drained(outgoing: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      outgoing.off('drain', done);
      outgoing.off('close', done);
      resolve();
    };
    outgoing.on('drain', done);
    outgoing.on('close', done);
  });
}

/** A last event telling a streaming client the answer was cut, in its API's own error shape. */
function streamErrorEvent(endpoint: Endpoint, message: string): string {
  if (endpoint.platform === 'anthropic') {
    return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message } })}\n\n`;
  }
  return `data: ${JSON.stringify({ error: { message, type: 'api_error', code: 'UPSTREAM_ERROR', param: null } })}\n\n`;
}

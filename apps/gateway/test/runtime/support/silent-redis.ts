import { createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP server that completes ioredis' handshake (CLIENT …, INFO ready check) and then never answers
 * anything else: a Redis that hangs. Lets a test prove calls time out instead of waiting forever.
 */
export async function startSilentRedis(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        const parsed = parseCommand(buffer);
        if (parsed === undefined) return;
        buffer = buffer.slice(parsed.consumed);
        const name = (parsed.args[0] ?? '').toUpperCase();
        if (name === 'INFO') {
          const info = '# Server\r\nredis_version:7.0.0\r\nloading:0\r\n';
          socket.write(`$${info.length}\r\n${info}\r\n`);
        } else if (name === 'CLIENT' || name === 'SELECT' || name === 'PING') {
          socket.write('+OK\r\n');
        }
        // Anything else: silence.
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Parses one RESP array of bulk strings, or returns undefined when more bytes are needed. */
function parseCommand(buffer: string): { args: string[]; consumed: number } | undefined {
  if (!buffer.startsWith('*')) return undefined;
  let at = buffer.indexOf('\r\n');
  if (at < 0) return undefined;
  const count = Number(buffer.slice(1, at));
  at += 2;
  const args: string[] = [];
  for (let i = 0; i < count; i++) {
    const end = buffer.indexOf('\r\n', at);
    if (end < 0) return undefined;
    const length = Number(buffer.slice(at + 1, end));
    const start = end + 2;
    if (buffer.length < start + length + 2) return undefined;
    args.push(buffer.slice(start, start + length));
    at = start + length + 2;
  }
  return { args, consumed: at };
}

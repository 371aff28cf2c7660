import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago (listen on 0, read it, close). Another process can take it
 * before it is used, so prefer letting a server listen on 0 itself when it can report its port.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = address !== null && typeof address === 'object' ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('freePort: no port assigned'))));
    });
  });
}

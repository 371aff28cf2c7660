// The floor any Node gateway stands on (docs/architecture.md#quality-bar): node:http in, an undici pool
// out, no auth, no parsing, no accounting. Plain JavaScript run by `node` itself, as the gateway's
// bundle is, so no loader or transpiler sits in the floor: `node bare-proxy.mjs <port> <upstream>`
// (started by start-bare-proxy.ts). Prints `{"url": …}` once listening.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port = '0', upstream = 'http://127.0.0.1:18081'] = process.argv.slice(2);
const pool = new Pool(upstream, { connections: 128, pipelining: 1 });

const server = createServer(async (req, res) => {
  try {
    const { statusCode, headers, body } = await pool.request({
      method: req.method,
      path: req.url ?? '/',
      headers: {
        'content-type': req.headers['content-type'] ?? 'application/json',
        authorization: req.headers.authorization ?? '',
      },
      body: req,
    });
    res.writeHead(statusCode, { 'content-type': String(headers['content-type'] ?? 'application/json') });
    for await (const chunk of body) res.write(chunk);
    res.end();
  } catch {
    res.writeHead(502).end();
  }
});

server.listen(Number(port), '127.0.0.1', () => {
  const address = server.address();
  const listening = typeof address === 'object' && address ? address.port : port;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${listening}` })}\n`);
});

import { createServer } from 'node:http';
import { Pool } from 'undici';

/**
 * The floor any Node gateway stands on (docs/architecture.md#quality-bar): node:http in, an undici pool out, no auth, no
 * parsing, no accounting. Started as its own process by the benchmark: `tsx bare-proxy.ts <port> <upstream>`.
 */
const [port = '0', upstream = 'http://127.0.0.1:18081'] = process.argv.slice(2);
const pool = new Pool(upstream, { connections: 128, pipelining: 1 });

createServer(async (req, res) => {
  try {
    const { statusCode, headers, body } = await pool.request({
      method: req.method as 'POST',
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
}).listen(Number(port), '127.0.0.1', function onListening(this: import('node:net').Server) {
  const address = this.address();
  process.stdout.write(
    `${JSON.stringify({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}` })}\n`,
  );
});

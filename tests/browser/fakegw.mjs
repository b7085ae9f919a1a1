/*
 * A fake SMS gateway for the browser tests: a real HTTP server on
 * 127.0.0.1 (any free port) speaking the "generic" provider contract. It
 * records every request (path, headers, raw body, parsed JSON) and answers
 * 200 {"id":"gw-1"}, like tests/integration/fakegw.py does for the
 * integration tests.
 *
 *   const gw = await startGateway();   // gw.url is http://127.0.0.1:PORT/send
 *   const [req] = await gw.wait(1);    // req.json.message holds the SMS text
 *   await gw.close();
 */
import http from 'node:http';

export async function startGateway() {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const rec = { method: req.method, path: req.url, headers: req.headers, raw, json: null };
      try { rec.json = JSON.parse(raw); } catch { /* recorded raw; the test says what it expected */ }
      requests.push(rec);
      const body = '{"id":"gw-1"}';
      res.writeHead(req.method === 'POST' ? 200 : 405, {
        'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body)
      });
      res.end(body);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = server.address().port;
  return {
    port,
    url: `http://127.0.0.1:${port}/send`,
    requests,
    /* Resolves with a copy of the requests once there are at least n. */
    async wait(n, ms = 15000) {
      const end = Date.now() + ms;
      while (requests.length < n) {
        if (Date.now() > end) {
          throw new Error(`the gateway got ${requests.length} request(s), not ${n}, in ${ms / 1000} s`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      return requests.slice();
    },
    close() {
      server.closeAllConnections?.();
      return new Promise((r) => server.close(() => r()));
    }
  };
}

// The ceiling of the HTTP-overhead scenario: node:http answering what the bench app's route answers.
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const match = /^\/items\/(\d+)$/.exec(req.url ?? '');
  if (!match) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"statusCode":404}');
    return;
  }
  const id = Number(match[1]);
  const body = JSON.stringify({ id, name: `item-${id}`, tags: ['bench', 'small'] });
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  process.stderr.write(`${JSON.stringify({ ready: address.port })}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));

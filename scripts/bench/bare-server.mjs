// The floor `npm run bench:local` compares the local API against: a bare Node `http` server that
// reads and parses the same JSON body and answers a fixed JSON document — no routing, no Lambda,
// no model. Plain JavaScript in its own process, as the local cloud runs in its own process.
// Prints one JSON line `{ "url": … }` once listening; SIGTERM stops it.
import http from 'node:http';

const ANSWER = JSON.stringify({
  seat_position: 120.5,
  seat_height: 30.1,
  seat_angle: 112.4,
  steering_tilt: 50.2,
  steering_reach: 48.7,
  mirror_tilt: 3.1,
  mirror_pan: -4.2,
});

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let status = 200;
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      status = 400;
    }
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(ANSWER),
    });
    res.end(ANSWER);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DASHBOARD_PATH } from './handler.js';

/**
 * A server of its own for the dashboard (`hypermob dashboard`), on 127.0.0.1 only: `/` leads to
 * the page, everything else is the handler's or 404.
 */
export type Handle = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;

export async function serveDashboard(
  handle: Handle,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    handle(req, res)
      .then((handled) => {
        if (handled) return;
        req.resume();
        const home = new URL(req.url ?? '/', 'http://local').pathname === '/';
        res.writeHead(
          home ? 302 : 404,
          home ? { location: DASHBOARD_PATH } : { 'content-type': 'text/plain' },
        );
        res.end(home ? undefined : 'not found\n');
      })
      .catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`${String(err)}\n`);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}${DASHBOARD_PATH}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

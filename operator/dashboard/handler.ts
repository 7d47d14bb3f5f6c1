import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type { Snapshot } from './snapshot.js';

/**
 * The dashboard over HTTP, for any server that mounts it (the local cloud's API front, `hypermob
 * dashboard`): GET /dashboard (the page), GET /dashboard/data.json (the snapshot), and the page's
 * assets — its own files in page/ and uPlot from node_modules, nothing from the internet. Read-only
 * and for this machine only: other methods answer 405; a request from another address, or naming
 * another host (DNS rebinding), answers 403.
 */
export const DASHBOARD_PATH = '/dashboard';

export interface DashboardHandlerOptions {
  snapshot: () => Promise<Snapshot>;
  /** How often the page polls; concurrent and repeated polls within it share one snapshot. */
  refreshSeconds: number;
}

const pageFile = (name: string) => new URL(`page/${name}`, import.meta.url).pathname;
const fromPackage = (id: string) => createRequire(import.meta.url).resolve(id);

const ASSETS: Record<string, { file: () => string; type: string }> = {
  '': { file: () => pageFile('index.html'), type: 'text/html; charset=utf-8' },
  'app.js': { file: () => pageFile('app.js'), type: 'text/javascript; charset=utf-8' },
  'charts.js': { file: () => pageFile('charts.js'), type: 'text/javascript; charset=utf-8' },
  'render.js': { file: () => pageFile('render.js'), type: 'text/javascript; charset=utf-8' },
  'style.css': { file: () => pageFile('style.css'), type: 'text/css; charset=utf-8' },
  'vendor/uPlot.esm.js': {
    file: () => fromPackage('uplot/dist/uPlot.esm.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'vendor/uPlot.min.css': {
    file: () => fromPackage('uplot/dist/uPlot.min.css'),
    type: 'text/css; charset=utf-8',
  },
};

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || (isIP(v4) === 4 && v4.startsWith('127.'));
}

/** The Host header names this machine (so a page of another site cannot reach it by rebinding DNS). */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '[::1]' || (isIP(name) === 4 && name.startsWith('127.'));
}

/** `undefined` when the path is not the dashboard's (the caller answers it). */
export function createDashboardHandler(o: DashboardHandlerOptions) {
  let cached: { at: number; value: Promise<Snapshot> } | undefined;
  const snapshot = () => {
    if (!cached || Date.now() - cached.at >= o.refreshSeconds * 1000)
      cached = { at: Date.now(), value: o.snapshot() };
    return cached.value;
  };

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const { pathname } = new URL(req.url ?? '/', 'http://local');
    if (pathname !== DASHBOARD_PATH && !pathname.startsWith(`${DASHBOARD_PATH}/`)) return false;
    req.resume();
    const send = (
      status: number,
      type: string,
      body: string | Buffer,
      extra: Record<string, string> = {},
    ) => {
      res.writeHead(status, {
        ...SECURITY_HEADERS,
        'content-type': type,
        'content-length': String(Buffer.byteLength(body)),
        'cache-control': 'no-store',
        ...extra,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    };
    const text = 'text/plain; charset=utf-8';
    if (!isLoopbackAddress(req.socket.remoteAddress) || !isLoopbackHost(req.headers.host))
      return send(403, text, 'the dashboard answers this machine only\n');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(405, text, 'the dashboard is read-only\n', { allow: 'GET, HEAD' });

    const rest = pathname.slice(DASHBOARD_PATH.length).replace(/^\//, '');
    if (rest === 'data.json') {
      try {
        const data = { ...(await snapshot()), refreshSeconds: o.refreshSeconds };
        return send(200, 'application/json; charset=utf-8', JSON.stringify(data));
      } catch (err) {
        return send(500, 'application/json; charset=utf-8', JSON.stringify({ error: String(err) }));
      }
    }
    const asset = ASSETS[rest];
    if (!asset) return send(404, text, 'not found\n');
    return send(200, asset.type, await readFile(asset.file()));
  };
}

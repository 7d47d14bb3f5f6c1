import type { IncomingMessage, ServerResponse } from 'node:http';
import { targetDashboard } from '../../operator/dashboard/for-target.js';
import { TIMING } from '../../operator/dashboard/timing.js';
import { FEEDBACK_FUNCTION_NAME, LIVE_ALIAS, RECOMMEND_FUNCTION_NAME } from '../../system/manifest.js';
import type { Log } from '../log.js';
import type { Invoke } from '../sfn/task-handlers.js';
import {
  badGateway,
  fromProxyResult,
  type HttpResponse,
  jsonResponse,
  MAX_BODY_BYTES,
  proxyEvent,
  tooLarge,
} from './proxy-event.js';

/**
 * The HTTP API as the CDK stack deploys it: `POST /recommend` proxied to hypermob-recommend:live,
 * plus the local-only `GET /health` and, given the AWS endpoint, the read-only `GET /dashboard`
 * (operator/dashboard/) over it. Unknown routes answer like API Gateway does (403).
 */
export interface ApiFrontOptions {
  invoke: Invoke;
  accountId: string;
  health: () => { ready: boolean };
  /** The local cloud's AWS endpoint and region, which the dashboard reads. */
  aws?: { endpoint: string; region: string };
  log?: Log;
}

const API_ID = 'local';

/** Each proxied route: the function (and qualifier) its integration invokes. */
const ROUTES: Record<string, { fn: string; qualifier: string }> = {
  '/recommend': { fn: RECOMMEND_FUNCTION_NAME, qualifier: LIVE_ALIAS },
  '/feedback': { fn: FEEDBACK_FUNCTION_NAME, qualifier: '$LATEST' },
};

export function createApiFront(opts: ApiFrontOptions) {
  const dashboard =
    opts.aws &&
    targetDashboard({
      target: { endpointUrl: opts.aws.endpoint, region: opts.aws.region },
      // Not the developer's AWS_PROFILE or AWS_ENDPOINT_URL: this cloud's endpoint, always.
      env: {},
      ...TIMING.local,
    });
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (dashboard && (await dashboard.handle(req, res))) return;
    const url = new URL(req.url ?? '/', 'http://local');
    let response: HttpResponse;
    if (url.pathname === '/health' && req.method === 'GET') {
      const h = opts.health();
      response = jsonResponse(h.ready ? 200 : 503, h);
    } else if (Object.hasOwn(ROUTES, url.pathname) && req.method === 'POST') {
      const body = await readLimited(req, MAX_BODY_BYTES);
      response = body ? await proxy(req, url, body) : tooLarge();
    } else {
      req.resume();
      response = jsonResponse(403, { message: 'Missing Authentication Token' });
    }
    res.writeHead(response.status, { ...response.headers, 'content-length': response.body.length });
    res.end(response.body);
  };

  async function proxy(req: IncomingMessage, url: URL, body: Buffer): Promise<HttpResponse> {
    const route = ROUTES[url.pathname] as { fn: string; qualifier: string };
    const event = proxyEvent({
      method: 'POST',
      path: url.pathname,
      resource: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      accountId: opts.accountId,
      apiId: API_ID,
    });
    try {
      const r = await opts.invoke(route.fn, route.qualifier, Buffer.from(JSON.stringify(event)));
      const mapped = r.functionError ? badGateway() : fromProxyResult(r.payload);
      if (r.functionError)
        opts.log?.(`api: ${route.fn} failed: ${r.payload.toString('utf8').slice(0, 300)}`, 'error');
      mapped.headers['x-executed-version'] = r.executedVersion;
      return mapped;
    } catch (err) {
      opts.log?.(`api: invoke failed: ${String(err)}`, 'error');
      return badGateway();
    }
  }
}

/** The body, or undefined once it exceeds `limit` (the rest is discarded, not buffered). */
async function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) over = true;
    if (!over) chunks.push(chunk as Buffer);
  }
  return over ? undefined : Buffer.concat(chunks);
}

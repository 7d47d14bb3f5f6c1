import type { IncomingMessage, ServerResponse } from 'node:http';
import { targetDashboard } from '../../operator/dashboard/for-target.js';
import { DASHBOARD_PATH } from '../../operator/dashboard/handler.js';
import { TIMING } from '../../operator/dashboard/timing.js';
import { FEEDBACK_FUNCTION_NAME, LIVE_ALIAS, RECOMMEND_FUNCTION_NAME } from '../../system/manifest.js';
import type { Log } from '../log.js';
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
  /** Lambda's Invoke with an event object (LambdaService.invokeEvent): the result's payload is the function's JSON. */
  invoke: (
    functionName: string,
    qualifier: string,
    event: object,
  ) => Promise<{ executedVersion: string; functionError?: string; payload: Buffer }>;
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
    // The path without parsing a URL: this runs for every request the local API serves.
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const pathname = q < 0 ? target : target.slice(0, q);
    if (dashboard && pathname.startsWith(DASHBOARD_PATH) && (await dashboard.handle(req, res))) return;
    let response: HttpResponse;
    if (pathname === '/health' && req.method === 'GET') {
      const h = opts.health();
      response = jsonResponse(h.ready ? 200 : 503, h);
    } else if (Object.hasOwn(ROUTES, pathname) && req.method === 'POST') {
      const body = await readLimited(req, MAX_BODY_BYTES);
      const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
      response = body ? await proxy(req, pathname, query, body) : tooLarge();
    } else {
      req.resume();
      response = jsonResponse(403, { message: 'Missing Authentication Token' });
    }
    res.writeHead(response.status, { ...response.headers, 'content-length': response.body.length });
    res.end(response.body);
  };

  async function proxy(
    req: IncomingMessage,
    pathname: string,
    query: URLSearchParams,
    body: Buffer,
  ): Promise<HttpResponse> {
    const route = ROUTES[pathname] as { fn: string; qualifier: string };
    // Far under Lambda's 6 MB invoke limit: the body is at most MAX_BODY_BYTES and Node caps the
    // headers at 16 KB, which is why the event can go to the function without a size check.
    const event = proxyEvent({
      method: 'POST',
      path: pathname,
      resource: pathname,
      query,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      accountId: opts.accountId,
      apiId: API_ID,
    });
    try {
      const r = await opts.invoke(route.fn, route.qualifier, event);
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

/**
 * The body, or undefined once it exceeds `limit` (the rest is discarded, not buffered). Events, not
 * `for await`: the async iterator costs several promises per request on the hot path.
 */
function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.once('end', () =>
      resolve(size > limit ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)),
    );
    req.once('error', reject);
  });
}

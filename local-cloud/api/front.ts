import type { IncomingMessage, ServerResponse } from 'node:http';
import { LIVE_ALIAS, RECOMMEND_FUNCTION_NAME } from '../../system/manifest.js';
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
 * plus the local-only `GET /health`. Unknown routes answer like API Gateway does (403).
 */
export interface ApiFrontOptions {
  invoke: Invoke;
  accountId: string;
  health: () => { ready: boolean };
  log?: Log;
}

const API_ID = 'local';

export function createApiFront(opts: ApiFrontOptions) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    let response: HttpResponse;
    if (url.pathname === '/health' && req.method === 'GET') {
      const h = opts.health();
      response = jsonResponse(h.ready ? 200 : 503, h);
    } else if (url.pathname === '/recommend' && req.method === 'POST') {
      const body = await readLimited(req, MAX_BODY_BYTES);
      response = body ? await recommend(req, url, body) : tooLarge();
    } else {
      req.resume();
      response = jsonResponse(403, { message: 'Missing Authentication Token' });
    }
    res.writeHead(response.status, { ...response.headers, 'content-length': response.body.length });
    res.end(response.body);
  };

  async function recommend(req: IncomingMessage, url: URL, body: Buffer): Promise<HttpResponse> {
    const event = proxyEvent({
      method: 'POST',
      path: url.pathname,
      resource: '/recommend',
      query: url.searchParams,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      accountId: opts.accountId,
      apiId: API_ID,
    });
    try {
      const r = await opts.invoke(RECOMMEND_FUNCTION_NAME, LIVE_ALIAS, Buffer.from(JSON.stringify(event)));
      const mapped = r.functionError ? badGateway() : fromProxyResult(r.payload);
      if (r.functionError)
        opts.log?.(
          `api: ${RECOMMEND_FUNCTION_NAME} failed: ${r.payload.toString('utf8').slice(0, 300)}`,
          'error',
        );
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

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ADMINISTRATOR, type Authorizer, type Caller } from './iam/authorizer.js';
import { accessDeniedError } from './iam/denial.js';
import type { Log } from './log.js';
import { sendAwsError } from './protocols.js';
import { PROTOCOLS, type Route, routeRequest, type ServiceId } from './routes.js';

/**
 * The local cloud's one AWS endpoint: reads the request, looks it up in the routing table
 * (routes.ts) and hands it to the service module that serves it. An operation the table does not
 * know is answered as AWS answers one (`UnknownOperationException`, naming it); a service that is
 * not running (yet, or in a test that mounts only some) answers 503. With an authorizer (iam/), a
 * request signed as a function's role is served only if IAM allows it, as on AWS.
 */
export interface AwsCall {
  route: Route;
  req: IncomingMessage;
  body: Buffer;
  /** Who sent it: a role whose further checks a service may need (S3's missing-key rule), or an administrator. */
  caller: Caller;
}

/** What each service module implements to be mounted on the endpoint. */
export interface AwsService {
  serve(call: AwsCall, res: ServerResponse): Promise<void>;
}

export type AwsServices = Partial<Record<ServiceId, AwsService>>;

/** A `http.createServer` listener; `services` may be filled in after the server listens. */
export function awsEndpoint(
  services: AwsServices,
  log: Log = () => {},
  authorizer?: Authorizer,
): (req: IncomingMessage, res: ServerResponse) => void {
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await collect(req);
    const found = routeRequest(req.method ?? 'GET', req.url ?? '/', req.headers, body);
    if (!found.ok) {
      const message = `The local cloud does not implement ${found.operation}`;
      const status = found.protocol === 'json' || found.protocol === 'query' ? 400 : 404;
      return sendAwsError(res, found.protocol, { status, type: 'UnknownOperationException', message });
    }
    const { route } = found;
    const service = services[route.service];
    if (!service) {
      const message = `${route.service} is not running on this endpoint`;
      return sendAwsError(res, PROTOCOLS[route.service], {
        status: 503,
        type: 'ServiceUnavailable',
        message,
      });
    }
    const facts = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body };
    const { caller, denied } = authorizer
      ? await authorizer.authorize(route, facts)
      : { caller: ADMINISTRATOR };
    if (denied) {
      const protocol = PROTOCOLS[route.service];
      return sendAwsError(
        res,
        protocol,
        accessDeniedError(protocol, denied),
        new URL(facts.url, 'http://local').pathname,
      );
    }
    await service.serve({ route, req, body, caller }, res);
  };
  return (req, res) => {
    serve(req, res).catch((err: unknown) => {
      log(`aws endpoint: ${req.method} ${req.url} failed: ${String(err)}`, 'error');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  };
}

async function collect(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

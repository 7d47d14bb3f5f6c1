import type { IncomingMessage, ServerResponse } from 'node:http';
import { ADMINISTRATOR, type Authorizer, type Caller } from './iam/authorizer.js';
import { accessDeniedError } from './iam/denial.js';
import type { Log } from './log.js';
import { refuseForeignHost } from './loopback-host.js';
import { sendAwsError } from './protocols.js';
import { bodyLimit, readBody } from './request-body.js';
import { PROTOCOLS, type Route, routeRequest, type ServiceId } from './routes.js';

/**
 * The local cloud's one AWS endpoint: reads the request, looks it up in the routing table
 * (routes.ts) and hands it to the service module that serves it. An operation the table does not
 * know is answered as AWS answers one (`UnknownOperationException`, naming it); a service that is
 * not running (yet, or in a test that mounts only some) answers 503. With an authorizer (iam/), a
 * request signed as a function's role is served only if IAM allows it, as on AWS. Before any of
 * that: a `Host` that is not loopback (or `boundHost`) is refused (loopback-host.ts), and a body
 * beyond its service's ceiling is refused unread (request-body.ts).
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
  boundHost?: string,
): (req: IncomingMessage, res: ServerResponse) => void {
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    if (refuseForeignHost(req, res, boundHost)) return;
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    // Which service, before the body is read: only the query protocol needs the body to name its
    // operation (its form POST routes to S3 until then, whose ceiling is the largest).
    const early = routeRequest(method, url, req.headers);
    const claimed = early.ok ? early.route.service : (early.service ?? 's3');
    const body = await readBody(req, bodyLimit(claimed).bytes);
    const found = body ? routeRequest(method, url, req.headers, body) : early;
    const served = found.ok ? found.route.service : claimed;
    if (!body || body.length > bodyLimit(served).bytes) return refuseBody(req, res, served, log);
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
    const facts = { method, url, headers: req.headers, body };
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

/**
 * The service's too-large error, once the rest of the body has been read and thrown away: Node
 * closes a connection whose request is still arriving when the answer ends, and the client, still
 * sending, would see a reset instead of the answer. A body that has not ended within DISCARD_MS
 * loses its connection unanswered.
 */
const DISCARD_MS = 10_000;

function refuseBody(req: IncomingMessage, res: ServerResponse, service: ServiceId, log: Log): void {
  const limit = bodyLimit(service);
  log(`aws endpoint: refused ${req.method} ${req.url}: body over ${limit.bytes} bytes`, 'warn');
  const timer = setTimeout(() => req.socket.destroy(), DISCARD_MS).unref();
  req.once('end', () => {
    clearTimeout(timer);
    sendAwsError(res, PROTOCOLS[service], limit.error, new URL(req.url ?? '/', 'http://local').pathname);
  });
  req.resume();
}

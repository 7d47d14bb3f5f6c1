import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The API Gateway REST API Lambda-proxy event (what a CDK LambdaRestApi sends the function) and the
 * mapping of the function's proxy result back to HTTP. Pure.
 */
export const API_STAGE = 'prod';
/** The deployed API rejects larger bodies before they reach Lambda; one constant for both. */
export { MAX_BODY_BYTES } from '../../functions/shared/request.js';

export interface ProxyRequest {
  method: string;
  path: string;
  resource: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
  accountId: string;
  apiId: string;
}

export function proxyEvent(r: ProxyRequest) {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  // API Gateway keeps the client's header-name casing.
  for (let i = 0; i + 1 < r.rawHeaders.length; i += 2) {
    const name = r.rawHeaders[i] as string;
    const value = r.rawHeaders[i + 1] as string;
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of r.query) {
    query[k] = v;
    multiQuery[k] = [...(multiQuery[k] ?? []), v];
  }
  const hasQuery = Object.keys(query).length > 0;
  const isText = r.body.length === 0 || isTextType(String(r.headers['content-type'] ?? ''));
  const now = new Date();
  return {
    resource: r.resource,
    path: r.path,
    httpMethod: r.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiQuery : null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      resourceId: 'local',
      resourcePath: r.resource,
      httpMethod: r.method,
      extendedRequestId: randomUUID(),
      requestTime: now.toUTCString(),
      path: `/${API_STAGE}${r.path}`,
      accountId: r.accountId,
      protocol: 'HTTP/1.1',
      stage: API_STAGE,
      domainPrefix: r.apiId,
      requestTimeEpoch: now.getTime(),
      requestId: randomUUID(),
      identity: { sourceIp: r.sourceIp, userAgent: String(r.headers['user-agent'] ?? '') },
      domainName: `${r.apiId}.execute-api.localhost`,
      apiId: r.apiId,
    },
    body: r.body.length === 0 ? null : isText ? r.body.toString('utf8') : r.body.toString('base64'),
    isBase64Encoded: !isText,
  };
}

function isTextType(contentType: string): boolean {
  return /^(text\/|application\/(json|xml|x-www-form-urlencoded)|[^;]*\+json)/i.test(contentType);
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

const jsonResponse = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(body)),
});

/** API Gateway's answer when the integration fails or returns something that is not a proxy result. */
export const badGateway = () => jsonResponse(502, { message: 'Internal server error' });
export const tooLarge = () => jsonResponse(413, { message: 'Request Too Long' });
export const notFound = () => jsonResponse(404, { message: 'Missing Authentication Token' });
export { jsonResponse };

export function fromProxyResult(payload: Buffer): HttpResponse {
  let result: unknown;
  try {
    result = JSON.parse(payload.toString('utf8'));
  } catch {
    return badGateway();
  }
  if (typeof result !== 'object' || result === null) return badGateway();
  const r = result as Record<string, unknown>;
  const status = Number(r.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) return badGateway();
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries((r.multiValueHeaders ?? {}) as Record<string, unknown[]>)) {
    headers[k.toLowerCase()] = v.map(String);
  }
  for (const [k, v] of Object.entries((r.headers ?? {}) as Record<string, unknown>))
    headers[k.toLowerCase()] = String(v);
  const raw =
    typeof r.body === 'string'
      ? r.body
      : r.body === undefined || r.body === null
        ? ''
        : JSON.stringify(r.body);
  const body = r.isBase64Encoded === true ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (!headers['content-type']) headers['content-type'] = 'application/json';
  return { status, headers, body };
}

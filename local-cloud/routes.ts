import type { IncomingHttpHeaders } from 'node:http';
import { virtualHostBucket } from './s3/virtual-host.js';

/**
 * The routing table of the local cloud's one AWS endpoint: which service and operation an incoming
 * request is, as AWS's per-service hostnames would decide. JSON protocols (Step Functions,
 * CloudWatch, CloudWatch Logs) name the operation in `X-Amz-Target: <prefix>.<Operation>`; the query
 * protocol (CloudWatch for the AWS CLI v1) in a form body `Action=<Operation>&Version=<API version>`;
 * REST protocols (Lambda) by method and path; everything else is a path-style (or
 * `<bucket>.localhost`) S3 request.
 * Adding an AWS operation: one entry here, and its case in the module that serves the service.
 */
export type ServiceId = 'lambda' | 'sfn' | 'cloudwatch' | 'logs' | 'secretsmanager' | 's3';

export interface Route {
  service: ServiceId;
  /** The AWS operation name; `*` for S3, whose server (s3rver) tells its operations apart itself. */
  operation: string;
  /** Path parameters of a REST operation (`{FunctionName}` → `FunctionName`). */
  params: Record<string, string>;
}

/** The wire protocol of a service: how its errors are written. */
export type Protocol = 'json' | 'query' | 'rest-json' | 'rest-xml';

export const PROTOCOLS: Record<ServiceId, Protocol> = {
  sfn: 'json',
  cloudwatch: 'json',
  logs: 'json',
  secretsmanager: 'json',
  lambda: 'rest-json',
  s3: 'rest-xml',
};

/** JSON protocols: the X-Amz-Target prefix of each service and the operations served. */
const JSON_TARGETS: Record<string, { service: ServiceId; operations: readonly string[] }> = {
  AWSStepFunctions: {
    service: 'sfn',
    operations: [
      'CreateStateMachine',
      'ListStateMachines',
      'DescribeStateMachine',
      'UpdateStateMachine',
      'StartExecution',
      'DescribeExecution',
      'ListExecutions',
      'GetExecutionHistory',
      'StopExecution',
    ],
  },
  GraniteServiceVersion20100801: { service: 'cloudwatch', operations: ['GetMetricData'] },
  secretsmanager: { service: 'secretsmanager', operations: ['GetSecretValue'] },
  Logs_20140328: {
    service: 'logs',
    operations: ['DescribeLogGroups', 'DescribeLogStreams', 'FilterLogEvents', 'GetLogEvents'],
  },
};

/**
 * Query protocol: `POST /` with a form body; the `Version` parameter (the API version) names the
 * service, `Action` the operation (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/making-api-requests.html).
 */
const QUERY_VERSIONS: Record<string, { service: ServiceId; operations: readonly string[] }> = {
  '2010-08-01': { service: 'cloudwatch', operations: ['GetMetricData'] },
};

/** REST protocols: method and path template of each operation served. */
const FUNCTION = '/2015-03-31/functions/{FunctionName}';
const REST_OPERATIONS: { method: string; path: string; service: ServiceId; operation: string }[] = [
  { method: 'GET', path: '/2015-03-31/functions', service: 'lambda', operation: 'ListFunctions' },
  { method: 'GET', path: FUNCTION, service: 'lambda', operation: 'GetFunction' },
  {
    method: 'GET',
    path: `${FUNCTION}/configuration`,
    service: 'lambda',
    operation: 'GetFunctionConfiguration',
  },
  {
    method: 'PUT',
    path: `${FUNCTION}/configuration`,
    service: 'lambda',
    operation: 'UpdateFunctionConfiguration',
  },
  { method: 'POST', path: `${FUNCTION}/versions`, service: 'lambda', operation: 'PublishVersion' },
  { method: 'GET', path: `${FUNCTION}/versions`, service: 'lambda', operation: 'ListVersionsByFunction' },
  { method: 'POST', path: `${FUNCTION}/aliases`, service: 'lambda', operation: 'CreateAlias' },
  { method: 'GET', path: `${FUNCTION}/aliases`, service: 'lambda', operation: 'ListAliases' },
  { method: 'GET', path: `${FUNCTION}/aliases/{Name}`, service: 'lambda', operation: 'GetAlias' },
  { method: 'PUT', path: `${FUNCTION}/aliases/{Name}`, service: 'lambda', operation: 'UpdateAlias' },
  { method: 'DELETE', path: `${FUNCTION}/aliases/{Name}`, service: 'lambda', operation: 'DeleteAlias' },
  { method: 'POST', path: `${FUNCTION}/invocations`, service: 'lambda', operation: 'Invoke' },
];

/** Path prefixes a REST service owns: a request under them that matches no operation is unknown to it. */
const REST_PREFIXES: { prefix: RegExp; service: ServiceId }[] = [
  {
    // Every API version date the Lambda API has used in its paths.
    prefix:
      /^\/(2014-11-13|2015-03-31|2016-08-19|2017-03-31|2017-10-31|2018-10-31|2019-09-25|2019-09-30|2020-04-22|2020-06-30|2021-10-31)\//,
    service: 'lambda',
  },
];

export type RouteResult =
  | { ok: true; route: Route }
  | { ok: false; service: ServiceId | undefined; protocol: Protocol; operation: string };

/** `body` is needed only for the query protocol, whose operation is in the form body. */
export function routeRequest(
  method: string,
  url: string,
  headers: IncomingHttpHeaders,
  body?: Buffer,
): RouteResult {
  const target = headers['x-amz-target'];
  if (typeof target === 'string') {
    const dot = target.indexOf('.');
    const entry = JSON_TARGETS[target.slice(0, dot)];
    const operation = target.slice(dot + 1);
    if (dot > 0 && entry?.operations.includes(operation)) {
      return { ok: true, route: { service: entry.service, operation, params: {} } };
    }
    return { ok: false, service: entry?.service, protocol: 'json', operation: target };
  }
  const pathname = new URL(url, 'http://local').pathname;
  const query = queryRequest(method, pathname, headers, body);
  if (query) return query;
  // A virtual-hosted bucket owns every path on its host, including ones that look like Lambda's.
  if (virtualHostBucket(String(headers.host ?? '')) === undefined) {
    for (const op of REST_OPERATIONS) {
      const params = op.method === method ? matchPath(op.path, pathname) : undefined;
      if (params) return { ok: true, route: { service: op.service, operation: op.operation, params } };
    }
    const owner = REST_PREFIXES.find((p) => p.prefix.test(pathname));
    if (owner) {
      return {
        ok: false,
        service: owner.service,
        protocol: PROTOCOLS[owner.service],
        operation: `${method} ${pathname}`,
      };
    }
  }
  return { ok: true, route: { service: 's3', operation: '*', params: {} } };
}

/**
 * A query-protocol request of a service listed in QUERY_VERSIONS, or undefined (S3 has no
 * form-encoded POST on `/`: browser uploads are multipart, on a bucket's host).
 */
function queryRequest(
  method: string,
  pathname: string,
  headers: IncomingHttpHeaders,
  body: Buffer | undefined,
): RouteResult | undefined {
  const type = String(headers['content-type'] ?? '');
  if (method !== 'POST' || pathname !== '/' || !type.startsWith('application/x-www-form-urlencoded')) return;
  if (!body || virtualHostBucket(String(headers.host ?? '')) !== undefined) return;
  const form = new URLSearchParams(body.toString('utf8'));
  const entry = QUERY_VERSIONS[form.get('Version') ?? ''];
  const action = form.get('Action');
  if (!entry || !action) return;
  if (entry.operations.includes(action)) {
    return { ok: true, route: { service: entry.service, operation: action, params: {} } };
  }
  return { ok: false, service: entry.service, protocol: 'query', operation: action };
}

/** Path parameters when `pathname` fits `template` (empty segments ignored, as the services do). */
function matchPath(template: string, pathname: string): Record<string, string> | undefined {
  const want = template.split('/').filter(Boolean);
  const have = pathname.split('/').filter(Boolean);
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of want.entries()) {
    const value = have[i] as string;
    const name = /^\{(\w+)\}$/.exec(segment)?.[1];
    if (name) {
      try {
        params[name] = decodeURIComponent(value);
      } catch {
        return undefined;
      }
    } else if (segment !== value) return undefined;
  }
  return params;
}

import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { functionArn, parseFunctionName } from '../lambda/arn.js';
import type { Route, ServiceId } from '../routes.js';
import { toPathStyle } from '../s3/virtual-host.js';
import { secretResourceOf } from '../secrets/arn.js';
import { stateMachineArn } from '../sfn/arns.js';
import { s3AccessChecks } from './s3-actions.js';

/**
 * What IAM checks before a request is served: the action(s) and resource ARN(s) of the routed
 * operation, as the Service Authorization Reference states them. An operation this module does not
 * know gets `<prefix>:<Operation>` on `*` — predictable, and denied to a function role unless one of
 * its statements allows that action on every resource.
 */
export interface AccessCheck {
  /** `service:Action` as written in policies. */
  action: string;
  /** The resource ARN, or `*` for actions without resource-level permissions. */
  resource: string;
}

export interface RequestFacts {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Account {
  region: string;
  accountId: string;
}

/** The IAM service prefix of each routed service (the routing table's id when they agree). */
const ACTION_PREFIX: Partial<Record<ServiceId, string>> = { sfn: 'states' };

export function accessChecks(route: Route, req: RequestFacts, account: Account): AccessCheck[] {
  switch (route.service) {
    case 's3':
      return s3AccessChecks(
        req.method,
        toPathStyle(String(req.headers.host ?? ''), req.url),
        req.headers,
        req.body,
      );
    case 'lambda':
      return lambdaChecks(route, req.url, account);
    case 'sfn':
      return sfnChecks(route.operation, req.body, account);
    case 'secretsmanager':
      return secretResourceOf(req.body, account.region, account.accountId).map((resource) => ({
        action: defaultAction(route),
        resource,
      }));
    default:
      return [{ action: defaultAction(route), resource: '*' }];
  }
}

function defaultAction(route: Route): string {
  return `${ACTION_PREFIX[route.service] ?? route.service}:${route.operation}`;
}

/**
 * Lambda (AWS Lambda developer guide, "Resources and conditions for Lambda actions"): Invoke
 * (lambda:InvokeFunction), GetFunction and GetFunctionConfiguration act on the function, version or
 * alias ARN the call names — qualified when it names a qualifier; alias and version management
 * (GetAlias, UpdateAlias, PublishVersion, …) and UpdateFunctionConfiguration act on the function ARN.
 */
const QUALIFIED_LAMBDA_OPERATIONS = new Set(['Invoke', 'GetFunction', 'GetFunctionConfiguration']);

function lambdaChecks(route: Route, url: string, account: Account): AccessCheck[] {
  const action = route.operation === 'Invoke' ? 'lambda:InvokeFunction' : defaultAction(route);
  const raw = route.params.FunctionName;
  if (raw === undefined) return [{ action, resource: '*' }];
  let parsed: ReturnType<typeof parseFunctionName>;
  try {
    parsed = parseFunctionName(raw);
  } catch {
    return []; // not a function name: the service answers its validation error
  }
  const qualifier = QUALIFIED_LAMBDA_OPERATIONS.has(route.operation)
    ? (new URL(url, 'http://local').searchParams.get('Qualifier') ?? parsed.qualifier)
    : undefined;
  return [{ action, resource: functionArn(account.region, account.accountId, parsed.name, qualifier) }];
}

const SfnBody = z.looseObject({
  stateMachineArn: z.string().optional(),
  executionArn: z.string().optional(),
  name: z.string().optional(),
});

/** Step Functions: executions' operations act on the execution ARN, the rest on the state machine. */
function sfnChecks(operation: string, body: Buffer, account: Account): AccessCheck[] {
  const action = `states:${operation}`;
  let fields: z.infer<typeof SfnBody> = {};
  try {
    fields = SfnBody.parse(JSON.parse(body.toString('utf8') || '{}'));
  } catch {
    return []; // malformed: the service answers its validation error
  }
  switch (operation) {
    case 'ListStateMachines':
      return [{ action, resource: '*' }];
    case 'CreateStateMachine':
      return fields.name
        ? [{ action, resource: stateMachineArn(account.region, account.accountId, fields.name) }]
        : [];
    case 'DescribeExecution':
    case 'StopExecution':
    case 'GetExecutionHistory':
      return fields.executionArn ? [{ action, resource: fields.executionArn }] : [];
    default: {
      const resource = fields.stateMachineArn ?? fields.executionArn;
      return resource ? [{ action, resource }] : [{ action, resource: '*' }];
    }
  }
}

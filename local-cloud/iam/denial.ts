import type { AwsError } from '../protocols.js';
import type { Protocol } from '../routes.js';
import type { Denied } from './authorizer.js';

/**
 * A denied request as each protocol's service answers it: S3 `403 AccessDenied` (its XML error, the
 * resource ARN quoted), Lambda `403 AccessDeniedException`, and the JSON 1.0 and query services (Step
 * Functions, CloudWatch) `AccessDeniedException` with HTTP 400, the status their API references' "Common
 * Errors" give it. The message is IAM's "User: … is not authorized to perform: … on resource: …".
 */
export function accessDeniedError(protocol: Protocol, d: Denied): AwsError {
  const resource = protocol === 'rest-xml' ? `"${d.check.resource}"` : d.check.resource;
  const message = `User: ${d.principalArn} is not authorized to perform: ${d.check.action} on resource: ${resource} ${d.reason}`;
  switch (protocol) {
    case 'rest-xml':
      return { status: 403, type: 'AccessDenied', message };
    case 'rest-json':
      return { status: 403, type: 'AccessDeniedException', message };
    default:
      return { status: 400, type: 'AccessDeniedException', message };
  }
}

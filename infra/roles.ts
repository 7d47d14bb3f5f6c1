import type * as iam from 'aws-cdk-lib/aws-iam';
import type { FunctionKey } from '../system/manifest.js';
import { type ArnNames, PERMISSIONS, resolveResource } from '../system/permissions.js';
import { allow } from './nag.js';

/**
 * Gives a function's role exactly the statements system/permissions.ts lists for it — the same data
 * the local cloud enforces — with this stack's ARNs. Wildcards are acknowledged with the statement's
 * reason (infra/nag.ts).
 */
export function grantManifestPermissions(role: iam.Role, fn: FunctionKey, names: ArnNames): void {
  for (const s of PERMISSIONS[fn]) {
    allow(
      role,
      s.sid,
      s.actions,
      s.resources.flatMap((r) => resolveResource(r, names)),
      s.why,
    );
  }
}

import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag 3 acknowledges each wildcard finding by its exact text, e.g.
 * `AwsSolutions-IAM5[Resource::<ModelsBucket970C6ADA.Arn>/pinned/*]`. These helpers derive that text
 * from the resource as written, so a policy statement and its acknowledgement cannot drift apart:
 * rename a construct and both follow; widen a resource and nag reports it again.
 */

/** How cdk-nag prints a (possibly tokenized) ARN: GetAtt → `<Id.Attr>`, Ref → `<Name>`, joins concatenated. */
export function nagResourceText(scope: IConstruct, arn: string): string {
  return render(Stack.of(scope).resolve(arn));
}

function render(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o['Fn::GetAtt'])) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
    if (typeof o.Ref === 'string') return `<${o.Ref}>`;
    if (Array.isArray(o['Fn::Join'])) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(sep);
    }
  }
  throw new Error(`cannot render ${JSON.stringify(v)} as cdk-nag resource text`);
}

/**
 * Adds one policy statement to a role; every resource with a wildcard must come with the reason the
 * wildcard is the narrowest scope AWS offers, and is acknowledged on that role with it.
 */
export function allow(
  role: iam.Role,
  sid: string,
  actions: string[],
  resources: string[],
  wildcardReason?: string,
): iam.PolicyStatement {
  const statement = new iam.PolicyStatement({ sid, actions, resources });
  role.addToPolicy(statement);
  for (const arn of resources) {
    const text = nagResourceText(role, arn);
    if (!text.includes('*')) continue;
    if (!wildcardReason)
      throw new Error(`${role.node.path} ${sid}: wildcard resource ${text} needs a reason`);
    acknowledge(role, `AwsSolutions-IAM5[Resource::${text}]`, `${sid}: ${wildcardReason}`);
  }
  return statement;
}

/** Every acknowledgement of the app goes through here: a reason is mandatory and must say something. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < 20) throw new Error(`acknowledgement of ${id} needs a real reason`);
  Validations.of(scope).acknowledge({ id, reason });
}

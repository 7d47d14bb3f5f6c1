import { createHash } from 'node:crypto';

/**
 * Secrets Manager ARNs as AWS writes them: `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6
 * characters>`. AWS draws the six characters at random; the local cloud derives them from the name,
 * so the IAM policies (system/permissions.ts) can name the ARN before the secret exists.
 */
export function localSecretArn(region: string, accountId: string, name: string): string {
  const suffix = createHash('sha256').update(`${accountId}:${region}:${name}`).digest('hex').slice(0, 6);
  return `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${suffix}`;
}

/** The ARN a SecretId (a name or an ARN) names, for IAM (local-cloud/iam/actions.ts). */
export function secretIdToArn(region: string, accountId: string, secretId: string): string {
  return secretId.startsWith('arn:') ? secretId : localSecretArn(region, accountId, secretId);
}

/**
 * IAM's resource for a Secrets Manager request (Service Authorization Reference: GetSecretValue acts
 * on the secret's ARN, whether the call names it by name or ARN); none when the body names no
 * secret, which the service refuses itself.
 */
export function secretResourceOf(body: Buffer, region: string, accountId: string): string[] {
  let secretId: unknown;
  try {
    secretId = (JSON.parse(body.toString('utf8') || '{}') as { SecretId?: unknown }).SecretId;
  } catch {
    return [];
  }
  return typeof secretId === 'string' && secretId !== '' ? [secretIdToArn(region, accountId, secretId)] : [];
}

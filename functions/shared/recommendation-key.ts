import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { secretsManager } from './aws-clients.js';
import { type RecommendationKey, recommendationKey } from './recommendation-token.js';

/**
 * The key that signs `recommendation_id`s, from the Secrets Manager secret the stack creates (the
 * local cloud serves the same API). Read once per execution environment, at init: the secret never
 * changes under a running environment except by rotation, and rotation keeps the old value as
 * AWSPREVIOUS, which verifiers still accept (functions/feedback/).
 *
 * Rotating: `aws secretsmanager put-secret-value --secret-id <secret> --secret-string <new>` moves
 * AWSCURRENT to the new value and AWSPREVIOUS to the old one; environments started afterwards sign
 * with the new key and verify with both.
 */
export type KeyStage = 'AWSCURRENT' | 'AWSPREVIOUS';

export class RecommendationKeyUnavailableError extends Error {
  override name = 'RecommendationKeyUnavailable';
}

/** The key of one staging label, or undefined when the secret has no version with that label. */
async function readStage(secretId: string, stage: KeyStage): Promise<RecommendationKey | undefined> {
  let secret: string | undefined;
  try {
    const out = await secretsManager().send(
      new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }),
    );
    secret = out.SecretString;
  } catch (err) {
    // Before the first rotation there is no AWSPREVIOUS: Secrets Manager answers ResourceNotFound.
    if (stage === 'AWSPREVIOUS' && (err as Error).name === 'ResourceNotFoundException') return undefined;
    throw new RecommendationKeyUnavailableError(
      `cannot read the recommendation key ${secretId} (${stage}): ${(err as Error).name}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (secret === undefined) {
    throw new RecommendationKeyUnavailableError(`the recommendation key ${secretId} has no SecretString`);
  }
  return recommendationKey(secret);
}

/** The current key (signing). */
export async function readSigningKey(secretId: string): Promise<RecommendationKey> {
  return (await readStage(secretId, 'AWSCURRENT')) as RecommendationKey;
}

/** The current key and, after a rotation, the previous one (verifying). */
export async function readVerifyingKeys(secretId: string): Promise<RecommendationKey[]> {
  const [current, previous] = await Promise.all([
    readStage(secretId, 'AWSCURRENT'),
    readStage(secretId, 'AWSPREVIOUS'),
  ]);
  return previous ? [current as RecommendationKey, previous] : [current as RecommendationKey];
}

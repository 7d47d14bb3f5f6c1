import { randomUUID } from 'node:crypto';
import type { AwsService } from '../aws-endpoint.js';
import { sendAwsError } from '../protocols.js';
import { SecretStore, type SecretStoreOptions } from './store.js';

/**
 * Secrets Manager, the part the functions use: GetSecretValue (AWS JSON 1.1,
 * `X-Amz-Target: secretsmanager.GetSecretValue`) by name or ARN and by VersionStage or VersionId,
 * with AWS's error names. Secrets are created by the bootstrap (`ensure`), not over the wire.
 */
export interface SecretsService extends AwsService {
  ensure(name: string): Promise<{ arn: string; created: boolean }>;
  /** Rotation as PutSecretValue does it (tests). */
  putValue(name: string, value: string): Promise<void>;
}

const JSON_TYPE = 'application/x-amz-json-1.1';

export function createSecretsService(o: SecretStoreOptions): SecretsService {
  const store = new SecretStore(o);
  return {
    ensure: (name) => store.ensure(name),
    putValue: (name, value) => store.putValue(name, value),
    async serve({ route, body }, res) {
      const fail = (status: number, type: string, message: string) =>
        sendAwsError(res, 'json', { status, type, message });
      if (route.operation !== 'GetSecretValue') {
        throw new Error(`secretsmanager: no handler for routed operation ${route.operation}`);
      }
      let input: { SecretId?: unknown; VersionStage?: unknown; VersionId?: unknown };
      try {
        input = JSON.parse(body.toString('utf8') || '{}') as typeof input;
      } catch {
        return fail(400, 'SerializationException', 'request body is not JSON');
      }
      if (typeof input.SecretId !== 'string' || input.SecretId === '') {
        return fail(400, 'InvalidParameterException', 'SecretId is required');
      }
      const secret = await store.find(input.SecretId);
      if (!secret)
        return fail(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      const stage = typeof input.VersionStage === 'string' ? input.VersionStage : undefined;
      const versionId = typeof input.VersionId === 'string' ? input.VersionId : undefined;
      const version = secret.versions.find((v) =>
        versionId !== undefined
          ? v.id === versionId && (stage === undefined || v.stages.includes(stage))
          : v.stages.includes(stage ?? 'AWSCURRENT'),
      );
      if (!version) {
        return fail(
          400,
          'ResourceNotFoundException',
          "Secrets Manager can't find the specified secret value for staging label or version id.",
        );
      }
      const text = JSON.stringify({
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.id,
        SecretString: version.value,
        VersionStages: version.stages,
        CreatedDate: version.createdSeconds,
      });
      res.writeHead(200, {
        'content-type': JSON_TYPE,
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': randomUUID(),
      });
      res.end(text);
    },
  };
}

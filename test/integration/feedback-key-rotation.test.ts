import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setClients } from '../../functions/shared/aws-clients.js';
import {
  RecommendationKeyUnavailableError,
  readSigningKey,
  readVerifyingKeys,
} from '../../functions/shared/recommendation-key.js';
import { recommendationKey, sign, verify } from '../../functions/shared/recommendation-token.js';
import { awsEndpoint } from '../../local-cloud/aws-endpoint.js';
import { LOCAL_CREDENTIALS } from '../../local-cloud/clients.js';
import { createSecretsService, type SecretsService } from '../../local-cloud/secrets/service.js';

/**
 * Key rotation through the wire API the functions use: the local Secrets Manager (JSON 1.1 on the
 * AWS endpoint) and the SDK client of functions/shared/aws-clients.ts. After a rotation, verifiers
 * hold the new (AWSCURRENT) and the old (AWSPREVIOUS) key, so ids signed before it still verify.
 */
const NAME = 'hypermob/recommendation-key';
let dir: string;
let server: http.Server;
let secrets: SecretsService;
let client: SecretsManagerClient;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hm-secrets-'));
  secrets = createSecretsService({ dataDir: dir, region: 'us-east-1', accountId: '000000000000' });
  server = http.createServer(awsEndpoint({ secretsmanager: secrets }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new SecretsManagerClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  setClients({ secretsManager: client });
});

afterAll(async () => {
  setClients({});
  client?.destroy();
  await new Promise((r) => server?.close(r));
  await rm(dir, { recursive: true, force: true });
});

const claims = {
  functionVersion: '2',
  modelSha256Prefix: 'cd'.repeat(8),
  values: [1, 2, 110, 4, 5, 6, 7],
  issuedAt: 1_760_000_000,
};
const opts = { now: 1_760_000_100, maxAgeSeconds: 3600 };

describe('the recommendation key in the local Secrets Manager', () => {
  it('a missing secret fails the read with a named error', async () => {
    await expect(readSigningKey('hypermob/none')).rejects.toThrow(RecommendationKeyUnavailableError);
    await expect(readSigningKey('hypermob/none')).rejects.toThrow(/ResourceNotFoundException/);
  });

  it('is created once with a random value and kept across service restarts', async () => {
    const first = await secrets.ensure(NAME);
    expect(first.created).toBe(true);
    expect((await secrets.ensure(NAME)).created).toBe(false);
    const again = createSecretsService({ dataDir: dir, region: 'us-east-1', accountId: '000000000000' });
    expect(await again.ensure(NAME)).toEqual({ arn: first.arn, created: false });
    // By name, by full ARN and by ARN without the random suffix, as AWS accepts.
    for (const id of [NAME, first.arn, first.arn.slice(0, -7)]) {
      const out = await client.send(new GetSecretValueCommand({ SecretId: id }));
      expect(out.ARN, id).toBe(first.arn);
    }
  });

  it('before a rotation there is one verifying key; after it, ids of the old key still verify', async () => {
    await secrets.ensure(NAME);
    const before = await readSigningKey(NAME);
    expect(await readVerifyingKeys(NAME)).toHaveLength(1);
    const oldId = sign(claims, before);

    await secrets.putValue(NAME, 'a-new-key-with-more-than-thirty-two-bytes');
    const after = await readSigningKey(NAME);
    expect(after.id.equals(recommendationKey('a-new-key-with-more-than-thirty-two-bytes').id)).toBe(true);
    const keys = await readVerifyingKeys(NAME);
    expect(keys).toHaveLength(2);
    expect(verify(oldId, keys, opts).functionVersion).toBe('2');
    expect(verify(sign(claims, after), keys, opts).functionVersion).toBe('2');

    // A second rotation drops the oldest key: its ids no longer verify.
    await secrets.putValue(NAME, 'a-third-key-with-more-than-thirty-two-bytes');
    const latest = await readVerifyingKeys(NAME);
    expect(() => verify(oldId, latest, opts)).toThrow(/key this service does not know/);
  });
});

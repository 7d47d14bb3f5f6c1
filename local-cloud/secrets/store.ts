import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { readJson, writeJsonAtomic } from '../json-file.js';
import { localSecretArn } from './arn.js';

/**
 * The local cloud's secrets, one JSON file each under `<data-dir>/secrets/` so they survive restarts.
 * Each keeps its versions with their staging labels, as Secrets Manager does: a new value takes
 * AWSCURRENT and the value it replaces keeps AWSPREVIOUS (rotation).
 */
const VersionSchema = z.object({
  id: z.string(),
  value: z.string(),
  stages: z.array(z.string()),
  createdSeconds: z.number(),
});
const SecretSchema = z.object({ name: z.string(), arn: z.string(), versions: z.array(VersionSchema) });
export type StoredSecret = z.infer<typeof SecretSchema>;
export type SecretVersion = z.infer<typeof VersionSchema>;

export interface SecretStoreOptions {
  dataDir: string;
  region: string;
  accountId: string;
}

export class SecretStore {
  private readonly dir: string;
  private readonly secrets = new Map<string, StoredSecret>();

  constructor(private readonly o: SecretStoreOptions) {
    this.dir = path.join(o.dataDir, 'secrets');
  }

  private file(name: string): string {
    // Names may hold `/` (hypermob/recommendation-key): one flat file per secret.
    return path.join(this.dir, `${encodeURIComponent(name)}.json`);
  }

  /** The secret by name or ARN (complete, or without the 6-character suffix, as AWS accepts). */
  async find(secretId: string): Promise<StoredSecret | undefined> {
    const byArn = secretId.startsWith('arn:');
    const name = byArn ? nameInArn(secretId) : secretId;
    if (name === undefined) return undefined;
    const secret = this.secrets.get(name) ?? (await this.load(name));
    if (!secret || !byArn) return secret;
    const partial = secret.arn.length === secretId.length + 7 && secret.arn.startsWith(`${secretId}-`);
    return secret.arn === secretId || partial ? secret : undefined;
  }

  private async load(name: string): Promise<StoredSecret | undefined> {
    const raw = await readJson(this.file(name));
    if (raw === undefined) return undefined;
    const secret = SecretSchema.parse(raw);
    this.secrets.set(name, secret);
    return secret;
  }

  /** Creates the secret with a random value unless it exists (bootstrap); returns its ARN. */
  async ensure(name: string): Promise<{ arn: string; created: boolean }> {
    const existing = await this.find(name);
    if (existing) return { arn: existing.arn, created: false };
    const secret: StoredSecret = {
      name,
      arn: localSecretArn(this.o.region, this.o.accountId, name),
      versions: [],
    };
    await this.write(secret, randomBytes(32).toString('base64url'));
    return { arn: secret.arn, created: true };
  }

  /** A new current value; the old current becomes AWSPREVIOUS (what PutSecretValue does). */
  async putValue(name: string, value: string): Promise<void> {
    const secret = await this.find(name);
    if (!secret) throw new Error(`no secret ${name}`);
    await this.write(secret, value);
  }

  private async write(secret: StoredSecret, value: string): Promise<void> {
    const versions = secret.versions
      .map((v) => ({
        ...v,
        stages: v.stages.includes('AWSCURRENT')
          ? ['AWSPREVIOUS']
          : v.stages.filter((s) => s !== 'AWSPREVIOUS'),
      }))
      .filter((v) => v.stages.length > 0);
    const next: StoredSecret = {
      ...secret,
      versions: [
        ...versions,
        { id: randomUUID(), value, stages: ['AWSCURRENT'], createdSeconds: Math.floor(Date.now() / 1000) },
      ],
    };
    await mkdir(this.dir, { recursive: true });
    await writeJsonAtomic(this.file(secret.name), next);
    this.secrets.set(secret.name, next);
  }
}

/** The name inside a secret ARN, without the 6-character suffix AWS appends (when present). */
function nameInArn(arn: string): string | undefined {
  const m = /^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(.+)$/.exec(arn);
  return m?.[1]?.replace(/-[A-Za-z0-9]{6}$/, '');
}

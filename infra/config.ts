import { z } from 'zod';
import { contextKeyOf, SETTINGS, type SettingName, type SettingValues } from '../system/settings.js';

/**
 * Everything a deployment may change, read from CDK context (`cdk.json` "context" or `-c key=value`):
 * the stack's own options below, and every function setting of system/settings.ts under its context
 * key. Values given on the command line arrive as strings, so numbers and booleans are coerced. Each
 * default is documented in docs/deploy.md; change it there too.
 */

const fromCli = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema);

const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Comma-separated on the command line, a JSON array in cdk.json. */
/** The retention periods CloudWatch Logs offers that we allow (a stack option, not a free number). */
const LOG_RETENTION_DAYS = [7, 14, 30, 90, 365] as const;

const list = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string().min(1)),
);

export const contextSchema = z.object({
  stackName: fromCli(
    z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]*$/)
      .default('Hypermob'),
  ),
  /** Where to deploy; default: the account and region of the CLI's credentials (env-agnostic synth without). */
  region: fromCli(
    z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/)
      .optional(),
  ),
  account: fromCli(
    z
      .string()
      .regex(/^\d{12}$/)
      .optional(),
  ),
  /**
   * Bucket names are global across all AWS accounts: the default on AWS is
   * `hypermob-models-<account>-<region>`, so a second account, region or redeploy gets its own;
   * name one here to use another (docs/deploy.md, "First deploy").
   */
  modelBucketName: fromCli(
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name (3-63 of a-z 0-9 . -)')
      .optional(),
  ),
  /** Noncurrent model versions older than this are deleted… */
  noncurrentVersionDays: fromCli(int(1, 3650).default(90)),
  /** …except the newest N noncurrent versions, which are kept regardless of age (rollback material). */
  noncurrentVersionsKept: fromCli(int(0, 100).default(10)),
  /**
   * The model the first deployment serves. Empty: the function serves its template-trained fallback
   * (marked degraded) until the first rollout pins a real model.
   */
  initialModelKey: fromCli(z.string().default('')),
  initialModelSha256: fromCli(
    z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/)
      .optional(),
  ),
  initialModelVersionId: fromCli(z.string().optional()),
  /**
   * Reserved concurrency of each rollout function (validate, release, traffic): also their ceiling,
   * so a burst of uploads cannot take the account's concurrency from `hypermob-recommend`. 0 = none
   * (accounts whose concurrency quota is below 100 + 3 × this must use 0: Lambda keeps 100 unreserved).
   */
  rolloutReservedConcurrency: fromCli(int(0, 100).default(5)),
  /** Provisioned concurrency on alias `live`; 0 = none (on-demand, cold starts possible). */
  provisionedConcurrency: fromCli(int(0, 1000).default(0)),
  /** Steady-state requests per second and burst for the `prod` stage. */
  throttleRateLimit: fromCli(z.coerce.number().positive().max(10_000).default(50)),
  throttleBurstLimit: fromCli(int(1, 5000).default(100)),
  /**
   * Principals (role or user ARNs) excepted, like the pipeline's roles, from the bucket policy's deny
   * on writes under pinned/, golden/, reports/, rollouts/: whoever seeds the golden data.
   */
  pipelineAdminArns: fromCli(list.default([])),
  /** Browser origins allowed by CORS; empty = CORS off (no OPTIONS method, no headers). */
  corsAllowOrigins: fromCli(list.default([])),
  /** Attach a regional WAF web ACL that blocks bodies over 16 KB and rate-limits per IP (~$6/month). */
  wafEnabled: fromCli(bool.default(false)),
  wafRateLimitPer5Min: fromCli(int(100, 2_000_000_000).default(2000)),
  /** Alarm thresholds. */
  latencyP99ThresholdMs: fromCli(z.coerce.number().positive().default(1000)),
  versionErrorsThreshold: fromCli(int(1, 1_000_000).default(5)),
  /** Email subscribed to rollout outcomes and alarms (confirm the subscription mail). */
  alertEmail: fromCli(z.email().optional()),
  logRetentionDays: fromCli(
    z.coerce
      .number()
      .pipe(
        z.union(
          LOG_RETENTION_DAYS.map((d) => z.literal(d)),
          { error: `must be one of ${LOG_RETENTION_DAYS.join(', ')}` },
        ),
      )
      .default(30),
  ),
});

/** Every function setting as a context key (rolloutStrategy, gateMinSamples, maxRegression, …). */
const settingNames = Object.keys(SETTINGS) as SettingName[];
const settingsShape = Object.fromEntries(
  settingNames.map((name) => {
    const s = SETTINGS[name];
    return [contextKeyOf(name), fromCli((s.schema as z.ZodType).default(s.aws as never))];
  }),
);

export type HypermobConfig = z.infer<typeof contextSchema> & { settings: SettingValues };

export const CONTEXT_KEYS = [...Object.keys(contextSchema.shape), ...Object.keys(settingsShape)];

export class InvalidContextError extends Error {
  override name = 'InvalidContext';
}

/** `lookup` is `(key) => app.node.tryGetContext(key)`; a pure function so tests need no App. */
export function readConfig(lookup: (key: string) => unknown): HypermobConfig {
  const raw = Object.fromEntries(CONTEXT_KEYS.map((k) => [k, lookup(k)]));
  const parsed = contextSchema.extend(settingsShape).safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join('.')}: ${i.message} (given ${JSON.stringify(raw[String(i.path[0])])})`)
      .join('; ');
    throw new InvalidContextError(`invalid CDK context: ${problems}`);
  }
  const data = parsed.data as Record<string, unknown>;
  const settings = Object.fromEntries(settingNames.map((n) => [n, data[contextKeyOf(n)]])) as SettingValues;
  const base = Object.fromEntries(Object.keys(contextSchema.shape).map((k) => [k, data[k]]));
  const c = { ...(base as z.infer<typeof contextSchema>), settings };
  if (c.initialModelKey !== '' && !c.initialModelSha256)
    throw new InvalidContextError('invalid CDK context: initialModelKey needs initialModelSha256');
  if (c.throttleBurstLimit < c.throttleRateLimit)
    throw new InvalidContextError('invalid CDK context: throttleBurstLimit must be >= throttleRateLimit');
  return c;
}

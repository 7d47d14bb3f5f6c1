import { z } from 'zod';
import { STRATEGY_NAMES } from '../functions/rollout/strategies/index.js';
import { DEFAULT_THRESHOLDS } from '../functions/rollout/validate/thresholds.js';
import type { FunctionKey } from './manifest.js';

/**
 * What a deployment may tune, stated once. Each setting names the function that reads it, the
 * environment variable it arrives in, its CDK context key (`-c key=value`), its schema, its default
 * on AWS and, where the local cloud differs, its local default. From this one table:
 * - infra/config.ts accepts every setting as CDK context and names the allowed values when one is bad;
 * - system/environment.ts writes every setting into its function's environment, on AWS and locally;
 * - each function parses its environment with `parseSettings` (the same schemas, the same errors).
 * Making a setting tunable per deployment is one entry here plus the line of code that reads it.
 *
 * Values arrive as strings (environment variables, `-c` on the command line) or JSON values
 * (cdk.json), so the schemas coerce.
 */
export interface Setting<
  S extends z.ZodType = z.ZodType,
  F extends Exclude<FunctionKey, 'recommend'> = Exclude<FunctionKey, 'recommend'>,
> {
  fn: F;
  schema: S;
  aws: z.input<S>;
  /** The local cloud's default, when it differs (short bakes, small samples, 1-second metric periods). */
  local?: z.input<S>;
  /** CDK context key; default: the variable's name in camelCase (GATE_MIN_SAMPLES → gateMinSamples). */
  context?: string;
  doc: string;
}

const setting = <S extends z.ZodType, F extends Exclude<FunctionKey, 'recommend'>>(s: Setting<S, F>) => s;
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const num = (min: number, max: number) => z.coerce.number().min(min).max(max);
const openFraction = z.coerce.number().gt(0).lt(1);
/** A list of strategy names: comma-separated (environment, `-c`) or a JSON array (cdk.json). */
const strategyList = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : v,
  z.array(z.enum(STRATEGY_NAMES)).min(1),
);

export const SETTINGS = {
  // ── feedback: what POST /feedback accepts ──
  FEEDBACK_MAX_AGE_SECONDS: setting({
    fn: 'feedback',
    schema: int(60, 366 * 86_400),
    aws: 7 * 86_400,
    doc: 'oldest recommendation_id a feedback may name; older ones are refused (410) so outcomes belong to the experiment that served them',
  }),

  // ── traffic: rollout defaults for uploads without metadata, and the health gates ──
  DEFAULT_ROLLOUT: setting({
    fn: 'traffic',
    schema: z.enum(STRATEGY_NAMES),
    aws: 'canary',
    context: 'rolloutStrategy',
    doc: 'strategy of an upload without `rollout` metadata',
  }),
  DEFAULT_WEIGHT: setting({
    fn: 'traffic',
    schema: openFraction,
    aws: 0.1,
    context: 'rolloutWeight',
    doc: "candidate's first weight (canary, ab) when the upload names none",
  }),
  DEFAULT_INTERVAL_SECONDS: setting({
    fn: 'traffic',
    schema: int(0, 86_400),
    aws: 300,
    local: 10,
    context: 'rolloutIntervalSeconds',
    doc: 'bake between steps when the upload names none',
  }),
  DEFAULT_STEP: setting({
    fn: 'traffic',
    schema: openFraction,
    aws: 0.1,
    context: 'rolloutStep',
    doc: 'linear increment when the upload names none',
  }),
  MAX_INTERVAL_SECONDS: setting({
    fn: 'traffic',
    schema: int(0, 86_400),
    aws: 3600,
    doc: 'longest bake an upload may ask for',
  }),
  // ── traffic: what an upload may ask for (the uploader picks the strategy; the deployment bounds it) ──
  ALLOWED_STRATEGIES: setting({
    fn: 'traffic',
    schema: strategyList,
    // Arrays, not strings: zod returns a default as is, unparsed.
    aws: ['canary', 'linear', 'steps', 'ab'],
    local: [...STRATEGY_NAMES],
    doc: 'strategies an upload may name (comma-separated); on AWS not all-at-once, which skips every health gate. The first model of a new stack still goes all at once. Uploads naming another are refused in Plan (BadRolloutRequest)',
  }),
  MIN_BAKE_SECONDS: setting({
    fn: 'traffic',
    schema: int(0, 86_400),
    aws: 60,
    local: 0,
    doc: 'shortest `interval` (bake per weight) an upload with a schedule may ask for; shorter ones are refused in Plan',
  }),
  MAX_FIRST_WEIGHT: setting({
    fn: 'traffic',
    schema: z.coerce.number().gt(0).max(1),
    aws: 0.25,
    local: 1,
    doc: 'largest first candidate weight (canary, linear, steps, ab) an upload may ask for; larger ones are refused in Plan',
  }),
  MAX_AB_DURATION_SECONDS: setting({
    fn: 'traffic',
    schema: int(1, 86_400),
    aws: 86_400,
    doc: "longest `deadline` of an A/B experiment decided on evidence (decide=auto); longer ones are refused in Plan (a manual A/B is held until an operator's promote or abort)",
  }),
  GATE_MIN_SAMPLES: setting({
    fn: 'traffic',
    schema: int(0, 1_000_000),
    aws: 20,
    local: 5,
    doc: 'candidate invocations a gate needs before it may pass',
  }),
  GATE_MAX_EXTENSIONS: setting({
    fn: 'traffic',
    schema: int(0, 100),
    aws: 3,
    doc: 'bakes extended for lack of samples before the gate gives up',
  }),
  GATE_ON_INSUFFICIENT: setting({
    fn: 'traffic',
    schema: z.enum(['rollback', 'pass']),
    aws: 'rollback',
    doc: 'what a gate does when the extensions are used up without enough samples',
  }),
  GATE_MAX_ERROR_RATE: setting({
    fn: 'traffic',
    schema: num(0, 1),
    aws: 0.02,
    doc: "candidate's highest error rate",
  }),
  GATE_MAX_ERROR_RATE_DELTA: setting({
    fn: 'traffic',
    schema: num(0, 1),
    aws: 0.01,
    doc: "how far the candidate's error rate may exceed the primary's",
  }),
  GATE_MAX_P99_MS: setting({
    fn: 'traffic',
    schema: z.coerce.number().positive(),
    aws: 2000,
    doc: "candidate's highest p99 duration, ms",
  }),
  GATE_MAX_P99_RATIO: setting({
    fn: 'traffic',
    schema: z.coerce.number().min(1),
    aws: 1.5,
    doc: "how many times the primary's p99 the candidate's may be",
  }),
  GATE_P99_SLACK_MS: setting({
    fn: 'traffic',
    schema: z.coerce.number().min(0),
    aws: 25,
    doc: 'absolute slack on the p99 ratio, ms (sub-millisecond p99s jitter)',
  }),
  GATE_METRIC_DELAY_SECONDS: setting({
    fn: 'traffic',
    schema: int(0, 900),
    aws: 180,
    local: 0,
    doc: 'how late metrics arrive: a gate reads its window up to now minus this, and every bake lasts at least this long plus the delay (Lambda and EMF metrics reach CloudWatch 1-3 minutes after the call; the local cloud emulates none unless --aws-timing)',
  }),
  GATE_PERIOD_SECONDS: setting({
    fn: 'traffic',
    schema: int(1, 3600),
    aws: 60,
    local: 1,
    doc: "CloudWatch period of the gates' GetMetricData queries",
  }),

  // ── release: publishing a version and probing it before traffic ──
  UPDATE_WAIT_SECONDS: setting({
    fn: 'release',
    schema: int(1, 900),
    aws: 30,
    doc: "how long one invocation polls LastUpdateStatus before the state machine's retry takes over",
  }),
  PRETRAFFIC_PROBES: setting({
    fn: 'release',
    schema: int(1, 20),
    aws: 3,
    doc: 'probe requests sent to a new version before it takes traffic',
  }),

  // ── validate: what judges a model (docs/validation.md says why each default) ──
  MAX_MODEL_BYTES: setting({
    fn: 'validate',
    schema: z.coerce.number().int().positive(),
    aws: DEFAULT_THRESHOLDS.maxModelBytes,
    doc: 'largest model file accepted, bytes',
  }),
  ACCURACY_RMSE_FACTOR: setting({
    fn: 'validate',
    schema: z.coerce.number().min(1),
    aws: DEFAULT_THRESHOLDS.accuracyRmseFactor,
    doc: 'a target passes when its golden-set RMSE is at most this many times its noise floor',
  }),
  MAX_REGRESSION: setting({
    fn: 'validate',
    schema: num(0, 1),
    aws: DEFAULT_THRESHOLDS.maxRegression,
    doc: "how much worse than the live model's the candidate's headline error may be (0.05 = 5 %)",
  }),
  RANGE_MARGIN: setting({
    fn: 'validate',
    schema: z.coerce.number().min(0),
    aws: DEFAULT_THRESHOLDS.rangeMargin,
    doc: 'a prediction is out of range beyond its actuator range by more than margin × span',
  }),
  MAX_OUT_OF_RANGE_FRACTION: setting({
    fn: 'validate',
    schema: num(0, 1),
    aws: DEFAULT_THRESHOLDS.maxOutOfRangeFraction,
    doc: 'largest fraction of golden rows with a prediction out of range',
  }),
  LATENCY_BUDGET_US_PER_ROW: setting({
    fn: 'validate',
    schema: z.coerce.number().positive(),
    aws: DEFAULT_THRESHOLDS.latencyBudgetUsPerRow,
    doc: 'median batch inference time per golden row, µs',
  }),
  LATENCY_RUNS: setting({
    fn: 'validate',
    schema: int(1, 50),
    aws: DEFAULT_THRESHOLDS.latencyRuns,
    doc: 'timed batch runs after one warm-up; the median is judged',
  }),
  SEATPOS_MIN_R: setting({
    fn: 'validate',
    schema: num(-1, 1),
    aws: DEFAULT_THRESHOLDS.seatposMinR,
    doc: 'lowest Pearson r between predicted seat position and the seatpos drivers’ −hipcenter',
  }),
  LOAD_TIME_LIMIT_MS: setting({
    fn: 'validate',
    schema: int(100, 60_000),
    aws: DEFAULT_THRESHOLDS.loadTimeLimitMs,
    doc: 'time limit of loading a model (session and probe row), ms; past it the model is rejected and its inference process killed',
  }),
  CHECK_TIME_LIMIT_MS: setting({
    fn: 'validate',
    schema: int(100, 60_000),
    aws: DEFAULT_THRESHOLDS.checkTimeLimitMs,
    doc: 'time limit of each other validation check, ms; past it the check fails and the inference process is killed',
  }),
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;
export type SettingsFunction = Setting['fn'];
/** The variables one function reads, each with its parsed type. */
export type SettingsOf<F extends SettingsFunction> = {
  [K in SettingName as (typeof SETTINGS)[K]['fn'] extends F ? K : never]: z.output<
    (typeof SETTINGS)[K]['schema']
  >;
};
/** A deployment's value for every setting, as parsed. */
export type SettingValues = { [K in SettingName]: z.output<(typeof SETTINGS)[K]['schema']> };

const entries = Object.entries(SETTINGS) as [SettingName, Setting][];

export function contextKeyOf(name: SettingName): string {
  const s: Setting = SETTINGS[name];
  return s.context ?? name.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function settingsOf(fn: SettingsFunction): SettingName[] {
  return entries.filter(([, s]) => s.fn === fn).map(([name]) => name);
}

/** Every setting's default for a runtime: AWS's, or the local cloud's where it has its own. */
export function defaultSettings(runtime: 'aws' | 'local'): SettingValues {
  return Object.fromEntries(
    entries.map(([name, s]) => [
      name,
      s.schema.parse(runtime === 'local' && s.local !== undefined ? s.local : s.aws),
    ]),
  ) as SettingValues;
}

export class InvalidSettingsError extends Error {
  override name = 'InvalidConfiguration';
}

/**
 * Parses one function's settings from its environment. A missing or empty variable takes the AWS
 * default (CloudFormation cannot delete a variable in place; empty means "not set"); anything else
 * must be valid, or the cold start fails with every bad variable named.
 */
export function parseSettings<F extends SettingsFunction>(fn: F, env: NodeJS.ProcessEnv): SettingsOf<F> {
  const names = settingsOf(fn);
  const shape = Object.fromEntries(
    names.map((name) => {
      const s: Setting = SETTINGS[name];
      return [name, s.schema.default(s.aws as never)];
    }),
  );
  const given = Object.fromEntries(
    names.flatMap((n) => (env[n] === undefined || env[n] === '' ? [] : [[n, env[n]]])),
  );
  const parsed = z.object(shape).safeParse(given);
  if (!parsed.success)
    throw new InvalidSettingsError(`invalid ${fn} configuration: ${z.prettifyError(parsed.error)}`);
  return parsed.data as SettingsOf<F>;
}

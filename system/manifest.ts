/**
 * The system manifest: every name, prefix and function of the system, stated once and read by every
 * runtime — the functions themselves, the bundler (scripts/bundle.ts), the CDK app (infra/) and the
 * local cloud (local-cloud/). What a deployment may tune lives beside it in system/settings.ts, and
 * the environment each function gets is built from both in system/environment.ts.
 *
 * Plain constants only: the recommend function imports this on its cold path.
 */

/** The product's service name (Powertools' service, the logs' `service` field). */
export const SERVICE_NAME = 'hypermob';

export const RECOMMEND_FUNCTION_NAME = 'hypermob-recommend';
export const FEEDBACK_FUNCTION_NAME = 'hypermob-feedback';
export const LIVE_ALIAS = 'live';
/**
 * The model bucket's name in the local cloud, and on AWS unless a deployment names its own (bucket
 * names are global: docs/deploy.md).
 */
export const MODEL_BUCKET_NAME = 'hypermob-models';
export const ROLLOUT_STATE_MACHINE_NAME = 'hypermob-model-rollout';
/**
 * How the rollout state machine is observed, on AWS and locally: every state's data is logged (states
 * carry model identity, weights and gate evidence — no secrets, no user data — exactly what an
 * operator needs when a rollout fails at 3 a.m.) and traced with X-Ray.
 */
export const ROLLOUT_OBSERVABILITY = {
  loggingConfiguration: { level: 'ALL', includeExecutionData: true },
  tracingConfiguration: { enabled: true },
} as const;
/** The rollout state machine's TimeoutSeconds (statemachines/model-rollout.asl.json says the same). */
export const ROLLOUT_EXECUTION_TIMEOUT_SECONDS = 86_400;

/**
 * The model bucket's layout. Uploads are any key ending in UPLOAD_SUFFIX outside the pipeline's own
 * prefixes; the pipeline never writes a key ending in it, so its own writes start no rollout.
 */
export const UPLOAD_SUFFIX = '.onnx';
export const BUCKET_PREFIXES = {
  /** Immutable copies of released models, `pinned/<sha256>.model`. */
  pinned: 'pinned/',
  /** The golden data validation judges models with: golden_set.json, seatpos.csv. */
  golden: 'golden/',
  /** One validation report per execution, `reports/<execution>.json`. */
  reports: 'reports/',
  /** One lineage record per execution, `rollouts/<execution>.json`. */
  rollouts: 'rollouts/',
} as const;
/** Prefixes the pipeline writes to or reads from; uploads under them never start a rollout. */
export const PIPELINE_PREFIXES = Object.values(BUCKET_PREFIXES);
/**
 * What a new stack's recommend function is pointed at until the first rollout pins a model: a key no
 * one writes, so it serves its template-trained fallback (marked degraded). The first rollout onto
 * such a version goes all-at-once: there is nothing to compare a canary with, and no traffic yet.
 */
export const UNPINNED_MODEL = {
  key: `${BUCKET_PREFIXES.pinned}none-until-first-rollout.model`,
  sha256: '0'.repeat(64),
};
/**
 * The Secrets Manager secret whose value signs recommendation ids (functions/shared/recommendation-token.ts).
 * The local cloud creates it under this name; on AWS CloudFormation names it (a fixed name would be
 * blocked for days by a deleted stack's secret in its recovery window), and the functions get its ARN.
 */
export const RECOMMENDATION_KEY_SECRET_NAME = 'hypermob/recommendation-key';
export const GOLDEN_FILES = { goldenSet: 'golden_set.json', seatpos: 'seatpos.csv' } as const;

/**
 * The recommend function's own metrics (EMF). Every document carries exactly the dimension set
 * [service, FunctionVersion, ModelSha256]; the gates read them by FunctionVersion, and Lambda's own
 * metrics by ExecutedVersion.
 */
export const METRICS = {
  namespace: 'Hypermob',
  dimensions: { functionVersion: 'FunctionVersion', modelSha256: 'ModelSha256' },
  lambdaNamespace: 'AWS/Lambda',
  executedVersion: 'ExecutedVersion',
  /**
   * Outcomes of A/B experiments, from `POST /feedback` (docs/experiments.md): EMF documents in
   * `namespace` with exactly the dimension set [FunctionVersion], where FunctionVersion is the
   * version that SERVED the recommendation (from its token), not the one handling the feedback.
   * Per given target t: `OutcomeAbsError_<t>` = |final − predicted| and `OutcomeSqError_<t>` = its
   * square; per feedback: `OutcomeNormError` = mean over the given targets of |error| ÷ the target's
   * noise floor, and `OutcomeNormSqError` = its square. So each arm's count (SampleCount), mean
   * (Sum ÷ SampleCount) and variance ((SumSq − Sum²/n) ÷ (n − 1)) come from CloudWatch statistics.
   */
  outcomes: {
    absError: (target: string) => `OutcomeAbsError_${target}`,
    sqError: (target: string) => `OutcomeSqError_${target}`,
    normError: 'OutcomeNormError',
    normSqError: 'OutcomeNormSqError',
  },
} as const;

/**
 * Every Lambda function of the system. Names are the deployed function names on AWS and locally.
 */
export interface FunctionSpec {
  /** Deployed function name. */
  name: string;
  /** TypeScript entry, relative to the repository root; it exports `handler`. */
  entry: string;
  /** Whether the bundle ships onnxruntime-node's native binary for the target platform. */
  onnxruntime: boolean;
  memoryMb: number;
  timeoutSeconds: number;
}

export const FUNCTIONS = {
  recommend: {
    name: RECOMMEND_FUNCTION_NAME,
    entry: 'functions/recommend/handler.ts',
    onnxruntime: true,
    memoryMb: 1024,
    timeoutSeconds: 10,
  },
  /**
   * `POST /feedback`: its own function, so feedback calls stay out of the recommend function's
   * Invocations and Duration, which the rollout gates judge.
   */
  feedback: {
    name: FEEDBACK_FUNCTION_NAME,
    entry: 'functions/feedback/handler.ts',
    onnxruntime: false,
    memoryMb: 256,
    timeoutSeconds: 10,
  },
  validate: {
    name: 'hypermob-rollout-validate',
    entry: 'functions/rollout/validate/handler.ts',
    onnxruntime: true,
    memoryMb: 1024,
    timeoutSeconds: 120,
  },
  release: {
    name: 'hypermob-rollout-release',
    entry: 'functions/rollout/release/handler.ts',
    onnxruntime: false,
    memoryMb: 256,
    timeoutSeconds: 120,
  },
  traffic: {
    name: 'hypermob-rollout-traffic',
    entry: 'functions/rollout/traffic/handler.ts',
    onnxruntime: false,
    memoryMb: 256,
    timeoutSeconds: 120,
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionKey = keyof typeof FUNCTIONS;

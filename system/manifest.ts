/**
 * Every Lambda function of the system, in one list read by the bundler (scripts/bundle.ts), the CDK
 * app (infra/) and the local cloud. Names are the deployed function names on AWS and locally.
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

export const RECOMMEND_FUNCTION_NAME = 'hypermob-recommend';
export const LIVE_ALIAS = 'live';
export const MODEL_BUCKET_NAME = 'hypermob-models';

export const FUNCTIONS = {
  recommend: {
    name: RECOMMEND_FUNCTION_NAME,
    entry: 'functions/recommend/handler.ts',
    onnxruntime: true,
    memoryMb: 1024,
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

import { LambdaApiError } from './errors.js';

/**
 * Which environment variables a function's configuration may set, checked on every write of it
 * (UpdateFunctionConfiguration and the bootstrap's ensureFunction). Only the API is restricted: the
 * local runtime itself sets these variables (service.ts, environments.ts) after the configuration's.
 */

/** Lambda's reserved keys: the runtime sets them and the API refuses them. */
export const RESERVED_ENV_KEYS = [
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
];

/**
 * Local only — Lambda accepts these. On Lambda a configuration change is an IAM-guarded act and the
 * process runs in a micro-VM; locally anyone who reaches the loopback port may change it and the
 * process runs as the developer, so a variable that makes the runtime load code or write files
 * where the caller says would be remote code execution on the developer's machine:
 * - NODE_OPTIONS (`--import=data:…`, `--require`, `--inspect`, `--experimental-loader`…), NODE_PATH
 *   (where `require` looks), NODE_REPL_EXTERNAL_MODULE: load code;
 * - NODE_V8_COVERAGE, NODE_REDIRECT_WARNINGS, NODE_COMPILE_CACHE: write files to a chosen path;
 *   NODE_ICU_DATA: reads a chosen file as ICU data;
 * - LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT (every `LD_*` the dynamic loader reads) and GCONV_PATH:
 *   load a shared library (an object uploaded to the bucket is a file on this disk);
 * - OPENSSL_CONF, OPENSSL_MODULES, OPENSSL_ENGINES: OpenSSL loads engines and providers from them.
 * They are refused with Lambda's reserved-key error, which is what refusing a key means on Lambda.
 */
export const CODE_LOADING_ENV_KEYS = [
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_REPL_EXTERNAL_MODULE',
  'NODE_V8_COVERAGE',
  'NODE_REDIRECT_WARNINGS',
  'NODE_COMPILE_CACHE',
  'NODE_ICU_DATA',
  'GCONV_PATH',
  'OPENSSL_CONF',
  'OPENSSL_MODULES',
  'OPENSSL_ENGINES',
];
const CODE_LOADING_PREFIXES = ['LD_'];

/** Lambda's pattern for a variable's name (Environment.Variables in the API reference). */
const KEY_PATTERN = /^[a-zA-Z]([a-zA-Z0-9_])+$/;

export function isRefusedEnvKey(key: string): boolean {
  return (
    RESERVED_ENV_KEYS.includes(key) ||
    CODE_LOADING_ENV_KEYS.includes(key) ||
    CODE_LOADING_PREFIXES.some((p) => key.startsWith(p))
  );
}

/** Throws Lambda's error for the first rule `environment` breaks (its keys as sent, `__proto__` too). */
export function validateEnvironment(environment: Record<string, string>): void {
  const keys = Object.keys(environment);
  if (keys.some((k) => !KEY_PATTERN.test(k))) {
    throw new LambdaApiError(
      'ValidationException',
      400,
      "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]",
    );
  }
  const refused = keys.filter(isRefusedEnvKey);
  if (refused.length > 0) {
    throw new LambdaApiError(
      'InvalidParameterValueException',
      400,
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${refused.join(', ')}`,
    );
  }
}

/**
 * The local Lambda: control plane (functions, $LATEST, versions, aliases with weighted routing) on
 * the Lambda REST API, execution environments as Node 22 child processes running the bundles of
 * scripts/bundle.ts, and CloudWatch-like invocation metrics served through GetMetricData.
 * Mount `handle()` on the local AWS endpoint; call `invoke()` in-process from the API front and
 * Step Functions. State lives in `<dataDir>/lambda/` (state.json, code/<sha256>/), environments'
 * /tmp in `<dataDir>/tmp/<function>/<version>/<env>/`.
 */

export type { MetricsStore } from '../cloudwatch/metrics.js';
export { LambdaApiError } from './errors.js';
export {
  createLambdaService,
  type FunctionDefinition,
  type InvokeResult,
  type LambdaService,
  type LambdaServiceOptions,
} from './service.js';

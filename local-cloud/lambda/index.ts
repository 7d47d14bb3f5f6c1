/**
 * The local Lambda: control plane (functions, $LATEST, versions, aliases with weighted routing) on
 * the Lambda REST API, execution environments as Node 22 child processes running the bundles of
 * scripts/bundle.ts. Each invocation and every line a function prints go to the CloudWatch service
 * (cloudwatch/service.ts), which owns the metrics. The routing table sends Lambda's REST operations
 * to `serve()`; the API front and Step Functions call `invoke()` in-process. State lives in `<dataDir>/lambda/` (state.json, code/<sha256>/), environments'
 * /tmp in `<dataDir>/tmp/<function>/<version>/<env>/`.
 */

export { LambdaApiError } from './errors.js';
export {
  createLambdaService,
  type FunctionDefinition,
  type InvokeResult,
  type LambdaService,
  type LambdaServiceOptions,
} from './service.js';

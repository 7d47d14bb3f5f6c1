export { LambdaApiError } from './errors.js';
export type { MetricsStore } from './metrics.js';
export {
  createLambdaService,
  type FunctionDefinition,
  type InvokeResult,
  type LambdaService,
  type LambdaServiceOptions,
} from './service.js';

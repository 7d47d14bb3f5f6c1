import { LambdaApiError } from './errors.js';

/**
 * The API's constraint on `Handler` (Lambda's API reference: at most 128 characters, pattern
 * `[^\s]+`), with the validation error Lambda answers. A handler that climbs out of the code
 * directory (`../x.handler`) passes it, as on Lambda; the runtime refuses it at init with
 * `Runtime.MalformedHandlerName`, as Lambda's Node.js runtime does (runtime/worker.mjs).
 */
const PATTERN = /^[^\s]+$/;
const MAX_LENGTH = 128;

export function validateHandler(handler: string): void {
  const broken =
    handler.length > MAX_LENGTH
      ? `Member must have length less than or equal to ${MAX_LENGTH}`
      : PATTERN.test(handler)
        ? undefined
        : 'Member must satisfy regular expression pattern: [^\\s]+';
  if (broken) {
    throw new LambdaApiError(
      'ValidationException',
      400,
      `1 validation error detected: Value '${handler}' at 'handler' failed to satisfy constraint: ${broken}`,
    );
  }
}

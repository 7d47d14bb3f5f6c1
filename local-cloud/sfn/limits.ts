/**
 * Step Functions' payload quota: "Maximum input or output size for a task, state, or execution:
 * 256 KiB of data as a UTF-8 encoded string" (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
 * StartExecution refuses a larger `input` (its API model caps the member at 262144); a Task result
 * over it fails the execution with States.DataLimitExceeded, a terminal error that States.ALL does
 * not catch (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
 */
export const MAX_PAYLOAD_BYTES = 262_144;

export function inputTooLargeMessage(): string {
  return `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PAYLOAD_BYTES}`;
}

export function resultTooLargeMessage(stateName: string): string {
  return `The state/task '${stateName}' returned a result with a size exceeding the maximum number of bytes service limit.`;
}

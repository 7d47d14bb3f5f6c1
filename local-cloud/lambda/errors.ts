/**
 * Lambda API errors as the AWS SDK and CLI parse them: the type travels in `x-amzn-ErrorType`, the
 * body is `{ Type, message }`, and the HTTP status decides retry behaviour in the clients.
 */
export class LambdaApiError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
  override name = 'LambdaApiError';
}

export const notFound = (message: string) => new LambdaApiError('ResourceNotFoundException', 404, message);
export const conflict = (message: string) => new LambdaApiError('ResourceConflictException', 409, message);
export const preconditionFailed = (message: string) =>
  new LambdaApiError('PreconditionFailedException', 412, message);
export const invalidParameter = (message: string) =>
  new LambdaApiError('InvalidParameterValueException', 400, message);

/** Lambda's quota for synchronous Invoke payloads, request and response: 6 MB. */
export const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;
export const invokeRequestTooLarge = () =>
  new LambdaApiError(
    'RequestTooLargeException',
    413,
    `Request must be smaller than ${MAX_INVOKE_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
  );

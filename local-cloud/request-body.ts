import type { IncomingMessage } from 'node:http';
import { invokeRequestTooLarge, MAX_INVOKE_PAYLOAD_BYTES } from './lambda/errors.js';
import type { AwsError } from './protocols.js';
import type { ServiceId } from './routes.js';

/**
 * The AWS endpoint reads each request body into memory, so each service gets a ceiling, answered
 * with the service's own error before more is read:
 * - S3: AWS takes 5 GiB in one PUT (`EntityTooLarge` beyond). Locally 128 MiB: more than a 50 MB
 *   model (the validator's MAX_MODEL_BYTES default, system/settings.ts) with aws-chunked framing,
 *   or a multipart part of the SDK's usual 8 MiB, yet small enough for a developer's machine.
 * - Lambda: the 6 MB synchronous Invoke quota (`RequestTooLargeException`, 413); its other
 *   operations' bodies are a few KB.
 * - JSON and query services (Step Functions, CloudWatch, CloudWatch Logs, Secrets Manager): 2 MiB,
 *   room for the largest documented field among the operations served (a state machine definition,
 *   1,048,576 characters, JSON-escaped), answered with AWS's common error
 *   `RequestEntityTooLargeException` (413).
 */
export const MAX_S3_REQUEST_BYTES = 128 * 1024 * 1024;
export const MAX_JSON_REQUEST_BYTES = 2 * 1024 * 1024;

export function bodyLimit(service: ServiceId): { bytes: number; error: AwsError } {
  switch (service) {
    case 's3':
      return {
        bytes: MAX_S3_REQUEST_BYTES,
        error: {
          status: 400,
          type: 'EntityTooLarge',
          message: `Your proposed upload exceeds the maximum allowed object size (the local cloud takes ${MAX_S3_REQUEST_BYTES} bytes per request).`,
        },
      };
    case 'lambda': {
      const { status, type, message } = invokeRequestTooLarge();
      return { bytes: MAX_INVOKE_PAYLOAD_BYTES, error: { status, type, message } };
    }
    default:
      return {
        bytes: MAX_JSON_REQUEST_BYTES,
        error: {
          status: 413,
          type: 'RequestEntityTooLargeException',
          message: `The request entity is too large (the limit is ${MAX_JSON_REQUEST_BYTES} bytes).`,
        },
      };
  }
}

/**
 * The body, or undefined as soon as it is known to exceed `limit`: from `Content-Length` before
 * reading anything, else by counting while reading (an absent or lying length), keeping nothing
 * beyond the limit. After undefined the rest of the request is paused, unread.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData).off('end', onEnd).off('error', reject);
      req.pause();
      resolve(undefined);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { queryErrorXml } from './cloudwatch/query-protocol.js';
import type { Protocol } from './routes.js';
import { s3ErrorXml } from './s3/aws-chunked.js';

/**
 * AWS errors as each wire protocol carries them, so SDKs and the CLI parse the error name:
 * JSON 1.0 (`{ __type, message }`), query (`<ErrorResponse>` XML: CloudWatch for the AWS CLI v1),
 * REST-JSON (`x-amzn-ErrorType` header, `{ Type, message }` body, the shape Lambda uses) and REST-XML
 * (S3's `<Error>` document).
 */
export interface AwsError {
  status: number;
  type: string;
  message: string;
}

export function sendAwsError(res: ServerResponse, protocol: Protocol, err: AwsError, resource = ''): void {
  const requestId = randomUUID();
  let contentType: string;
  let text: string;
  const headers: Record<string, string> = {};
  switch (protocol) {
    case 'json':
      contentType = 'application/x-amz-json-1.0';
      text = JSON.stringify({ __type: err.type, message: err.message });
      break;
    case 'query':
      contentType = 'text/xml';
      text = queryErrorXml('', err.type, err.message, requestId);
      break;
    case 'rest-json':
      contentType = 'application/json';
      text = JSON.stringify({ Type: err.status >= 500 ? 'Service' : 'User', message: err.message });
      headers['x-amzn-errortype'] = err.type;
      break;
    case 'rest-xml':
      contentType = 'application/xml';
      text = s3ErrorXml(err.type, err.message, resource, requestId);
      headers['x-amz-request-id'] = requestId;
      break;
  }
  res.writeHead(err.status, {
    ...headers,
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}

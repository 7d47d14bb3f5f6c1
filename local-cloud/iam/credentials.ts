import type { IncomingHttpHeaders } from 'node:http';

/**
 * Credentials in the local cloud: a function's execution environments carry its own name as the
 * access key id, and every request names its signer in the SigV4 credential scope
 * (`Credential=AKID/date/region/service/aws4_request`, or a presigned URL's `X-Amz-Credential`).
 * Signatures are not checked — the key id only says whose permissions apply (iam/authorizer.ts).
 */

/** The credential variables Lambda puts in a function's environment (temporary role credentials). */
export function functionCredentials(functionName: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: functionName,
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: 'local',
  };
}

/** The access key id a request is signed with, if it is signed with SigV4. */
export function accessKeyIdOf(headers: IncomingHttpHeaders, url: string): string | undefined {
  const auth = headers.authorization;
  const scope = typeof auth === 'string' ? /Credential=([^/,\s]+)\//.exec(auth)?.[1] : undefined;
  if (scope) return scope;
  const presigned = new URL(url, 'http://local').searchParams.get('X-Amz-Credential');
  return presigned?.split('/')[0] || undefined;
}

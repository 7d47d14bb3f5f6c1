import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { PROBE } from './recommend-models.js';

/** Test doubles for the recommend tests: an in-memory S3, API Gateway events, captured stdout. */

export const VALID_BODY = { ...PROBE, user_id: 'test_user' };

/** A REST API (v1) proxy event as API Gateway sends it for POST /prod/recommend. */
export function apiEvent(
  body: unknown = VALID_BODY,
  overrides: Partial<APIGatewayProxyEvent> = {},
): APIGatewayProxyEvent {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    resource: '/recommend',
    path: '/recommend',
    httpMethod: 'POST',
    headers: {
      Accept: '*/*',
      'Content-Type': 'application/json',
      Host: 'abc123.execute-api.eu-central-1.amazonaws.com',
      'User-Agent': 'curl/8.5.0',
      'X-Amzn-Trace-Id': 'Root=1-65f0c0de-0123456789abcdef01234567',
      'X-Forwarded-For': '203.0.113.7',
      'X-Forwarded-Port': '443',
      'X-Forwarded-Proto': 'https',
    },
    multiValueHeaders: {
      Accept: ['*/*'],
      'Content-Type': ['application/json'],
      Host: ['abc123.execute-api.eu-central-1.amazonaws.com'],
      'User-Agent': ['curl/8.5.0'],
      'X-Amzn-Trace-Id': ['Root=1-65f0c0de-0123456789abcdef01234567'],
      'X-Forwarded-For': ['203.0.113.7'],
      'X-Forwarded-Port': ['443'],
      'X-Forwarded-Proto': ['https'],
    },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: null,
      domainName: 'abc123.execute-api.eu-central-1.amazonaws.com',
      domainPrefix: 'abc123',
      extendedRequestId: 'Ab1CdEfGhIjKlMnO=',
      httpMethod: 'POST',
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '203.0.113.7',
        user: null,
        userAgent: 'curl/8.5.0',
        userArn: null,
      },
      path: '/prod/recommend',
      protocol: 'HTTP/1.1',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTime: '27/Nov/2026:05:30:00 +0000',
      requestTimeEpoch: 1795843800000,
      resourceId: 'a1b2c3',
      resourcePath: '/recommend',
      stage: 'prod',
    },
    body: text,
    isBase64Encoded: false,
    ...overrides,
  };
}

export interface FakeObject {
  bytes?: Uint8Array;
  /** Simulate an S3 failure for this key (AWS SDK error name). */
  error?: 'NoSuchKey' | 'AccessDenied' | 'TimeoutError';
}

/** A minimal S3 client: GetObject only, counting calls, honouring VersionId when given. */
export class FakeS3 {
  readonly objects = new Map<string, FakeObject>();
  gets = 0;
  /** Resolves each GetObject after this many ms, so concurrent first requests overlap. */
  delayMs = 0;

  put(bucket: string, key: string, bytes: Uint8Array, versionId?: string): void {
    this.objects.set(`${bucket}/${key}`, { bytes });
    if (versionId) this.objects.set(`${bucket}/${key}?${versionId}`, { bytes });
  }

  fail(bucket: string, key: string, error: NonNullable<FakeObject['error']>): void {
    this.objects.set(`${bucket}/${key}`, { error });
  }

  async send(command: {
    constructor: { name: string };
    input: { Bucket: string; Key: string; VersionId?: string };
  }) {
    if (command.constructor.name !== 'GetObjectCommand')
      throw new Error(`FakeS3 cannot ${command.constructor.name}`);
    this.gets++;
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const { Bucket, Key, VersionId } = command.input;
    const obj = this.objects.get(VersionId ? `${Bucket}/${Key}?${VersionId}` : `${Bucket}/${Key}`);
    const error = obj?.error ?? (obj?.bytes ? undefined : 'NoSuchKey');
    if (error) throw Object.assign(new Error(`simulated ${error}`), { name: error });
    const bytes = obj?.bytes as Uint8Array;
    return { ContentLength: bytes.length, Body: { transformToByteArray: async () => new Uint8Array(bytes) } };
  }

  asClient(): S3Client {
    return this as unknown as S3Client;
  }
}

/** A fresh directory used as os.tmpdir() (TMPDIR), like one Lambda environment's /tmp. */
const BASE_TMP = tmpdir(); // before any test points TMPDIR elsewhere
export function freshTmp(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(BASE_TMP, 'hypermob-recommend-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const CAPTURING = Symbol('capturing');

/** JSON lines written to stdout/stderr (Powertools logs, EMF) while `fn` runs. */
export async function captureStdout<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; lines: Record<string, unknown>[] }> {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write);
  streams.forEach((s, i) => {
    const previous = originals[i] as typeof s.write & { [CAPTURING]?: true };
    const capture = (chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      // Nested captures: the outer one sees everything too; the real stream sees nothing.
      if (previous[CAPTURING]) previous.call(s, chunk);
      return true;
    };
    s.write = Object.assign(capture, { [CAPTURING]: true as const }) as unknown as typeof s.write;
  });
  try {
    const result = await fn();
    const lines = chunks
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { result, lines };
  } finally {
    streams.forEach((s, i) => {
      s.write = originals[i] as typeof s.write;
    });
  }
}

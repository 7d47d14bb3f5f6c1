import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { AwsCall, AwsService } from '../aws-endpoint.js';
import { denialOf } from '../iam/authorizer.js';
import { accessDeniedError } from '../iam/denial.js';
import { missingKeyCheck } from '../iam/s3-actions.js';
import type { Log } from '../log.js';
import { sendAwsError } from '../protocols.js';
import { decodeRequestBody, remainingContentEncoding, S3RequestError, s3ErrorXml } from './aws-chunked.js';
import { createDurableStore } from './durable-store.js';
import { type ObjectCreatedEvent, objectCreatedEvent, objectWriteReason } from './object-created.js';
import { toPathStyle } from './virtual-host.js';

/**
 * S3 behind the local cloud's single endpoint, where the routing table (routes.ts) sends every request
 * no other service claims: s3rver on an internal loopback port does the S3 API;
 * this layer in front decodes aws-chunked bodies and verifies checksums (which s3rver would store
 * verbatim), drops the signature (not verified: iam/ authorized the caller before this layer; a role
 * without s3:ListBucket gets 403 instead of 404 for a missing key, as from S3), and turns successful
 * object writes into EventBridge "Object Created" events.
 */
const require = createRequire(import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: s3rver ships no types.
const S3rver = require('s3rver') as any;

export interface S3ServiceOptions {
  dataDir: string;
  region: string;
  accountId: string;
  onObjectCreated: (event: ObjectCreatedEvent) => void;
  log?: Log;
}

export interface S3Service extends AwsService {
  close(): Promise<void>;
}

// Headers that only describe the request's framing or signature; s3rver must not see them.
const ALWAYS_DROP = ['authorization', 'x-amz-sdk-checksum-algorithm', 'transfer-encoding', 'expect'];

export async function startS3Service(opts: S3ServiceOptions): Promise<S3Service> {
  const root = path.join(opts.dataDir, 's3');
  const tmp = path.join(opts.dataDir, 's3-tmp');
  // A crash leaves at most temporary files behind; they were never visible as objects.
  await rm(tmp, { recursive: true, force: true });
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: root,
    vhostBuckets: false,
  });
  s3rver.store = s3rver.context.store = createDurableStore(root, tmp);
  const { port } = (await s3rver.run()) as AddressInfo;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  async function serve({ req, body: raw, caller }: AwsCall, res: ServerResponse): Promise<void> {
    const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
    const pathAndQuery = toPathStyle(String(req.headers.host ?? ''), req.url ?? '/');
    const url = new URL(pathAndQuery, 'http://local');
    // The path as s3rver reads it: URL would resolve `..` segments, which are part of an S3 key.
    const [, bucket, ...keyParts] = (pathAndQuery.split('?')[0] as string).split('/');
    const key = keyParts.length > 0 ? decodeKey(keyParts.join('/')) : undefined;
    const method = req.method ?? 'GET';
    const reason = objectWriteReason(method, key, url.searchParams, req.headers);

    let decoded: ReturnType<typeof decodeRequestBody>;
    try {
      decoded = decodeRequestBody(req.headers, raw);
    } catch (err) {
      if (!(err instanceof S3RequestError)) throw err;
      opts.log?.(`s3: refused ${method} ${url.pathname}: ${err.code} ${err.message}`, 'warn');
      res.writeHead(err.status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId });
      res.end(s3ErrorXml(err.code, err.message, url.pathname, requestId));
      return;
    }

    const headers: Record<string, string | string[]> = {};
    const drop = new Set([...ALWAYS_DROP, ...decoded.dropHeaders]);
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || drop.has(name) || name.startsWith('x-amz-checksum-')) continue;
      headers[name] = value;
    }
    const copySource = req.headers['x-amz-copy-source'];
    if (typeof copySource === 'string') {
      // S3 takes the copy source URL-encoded; s3rver decodes it with decodeURI, which leaves `%2F`
      // and the other reserved escapes in the key. Hand it the form decodeURI turns into the key.
      const decoded = decodeKey(copySource);
      if (decoded !== undefined) headers['x-amz-copy-source'] = encodeURI(decoded);
    }
    const encoding = remainingContentEncoding(req.headers);
    if (encoding) headers['content-encoding'] = encoding;
    headers['content-length'] = String(decoded.body.length);

    const upstream = await forward(port, agent, method, pathAndQuery, headers, decoded.body);
    const responseHeaders: http.OutgoingHttpHeaders = { ...upstream.headers, 'x-amz-request-id': requestId };
    if (decoded.checksum && reason === 'PutObject') {
      responseHeaders[`x-amz-checksum-${decoded.checksum.algorithm}`] = decoded.checksum.value;
    }
    const status = upstream.statusCode ?? 500;
    const listCheck = status === 404 ? missingKeyCheck(method, pathAndQuery) : undefined;
    const unlisted = listCheck && (await denialOf(caller, listCheck));
    if (unlisted) {
      // Without s3:ListBucket, S3 does not tell the caller that the key is missing.
      upstream.resume();
      return sendAwsError(res, 'rest-xml', accessDeniedError('rest-xml', unlisted), url.pathname);
    }
    if (!reason || !bucket || !key || status >= 300) {
      res.writeHead(status, responseHeaders);
      upstream.pipe(res);
      return;
    }
    // A write: hold the (small) response until the event is out, so a client that sees 200 can
    // already find the execution its upload started.
    const chunks: Buffer[] = [];
    for await (const c of upstream) chunks.push(c as Buffer);
    const payload = Buffer.concat(chunks);
    // CompleteMultipartUpload can fail with 200 and an <Error> body, as on S3.
    if (!payload.includes('<Error>')) {
      await emitObjectCreated(bucket, key, reason, requestId).catch((err: unknown) =>
        opts.log?.(`s3: no event for ${bucket}/${key}: ${String(err)}`, 'error'),
      );
    }
    res.writeHead(status, responseHeaders);
    res.end(payload);
  }

  async function emitObjectCreated(
    bucket: string,
    key: string,
    reason: ObjectCreatedEvent['detail']['reason'],
    requestId: string,
  ) {
    const head = await forward(port, agent, 'HEAD', `/${bucket}/${encodeKey(key)}`, {}, Buffer.alloc(0));
    head.resume();
    if (head.statusCode !== 200) throw new Error(`HEAD returned ${head.statusCode}`);
    opts.onObjectCreated(
      objectCreatedEvent({
        region: opts.region,
        accountId: opts.accountId,
        bucket,
        key,
        size: Number(head.headers['content-length'] ?? 0),
        etag: String(head.headers.etag ?? ''),
        reason,
        requestId,
        requester: opts.accountId,
      }),
    );
  }

  return {
    serve,
    async close() {
      agent.destroy();
      await s3rver.close();
    },
  };
}

function decodeKey(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

function forward(
  port: number,
  agent: http.Agent,
  method: string,
  pathAndQuery: string,
  headers: Record<string, string | string[]>,
  body: Buffer,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: pathAndQuery, headers, agent },
      resolve,
    );
    req.on('error', reject);
    req.end(body.length > 0 ? body : undefined);
  });
}

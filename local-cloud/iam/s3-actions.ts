import type { IncomingHttpHeaders } from 'node:http';
import type { AccessCheck } from './actions.js';

/**
 * The IAM actions and resources an S3 request needs, from its method, path-style path, query and
 * headers, as the S3 API reference's "Permissions" sections and the Service Authorization Reference
 * name them. The routing table leaves S3 operations to s3rver, so they are told apart here.
 *
 * Checked beyond the one action per operation: CopyObject and UploadPartCopy read the source
 * (s3:GetObject, or s3:GetObjectVersion with a versionId); a copy whose x-amz-tagging-directive is
 * not REPLACE copies the source's tags (s3:GetObjectTagging on the source, s3:PutObjectTagging on the
 * target) — AWS asks for these only when the source has tags, the local cloud always (stricter,
 * never looser); tags or an ACL set with a write (x-amz-tagging, x-amz-acl, x-amz-grant-*) need
 * s3:PutObjectTagging / s3:PutObjectAcl. DeleteObjects needs s3:DeleteObject on each key (AWS
 * reports a denied key inside its 200 answer; the local cloud refuses the whole request).
 */
export function s3AccessChecks(
  method: string,
  pathAndQuery: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): AccessCheck[] {
  const url = new URL(pathAndQuery, 'http://local');
  const [, bucket = '', ...keyParts] = url.pathname.split('/');
  const key = decodeURIComponent(keyParts.join('/'));
  const q = url.searchParams;
  if (bucket === '') return [{ action: 's3:ListAllMyBuckets', resource: '*' }];
  const bucketArn = `arn:aws:s3:::${bucket}`;
  if (key === '') {
    if (method === 'POST' && q.has('delete')) {
      return deletedKeys(body).map((k) => ({ action: 's3:DeleteObject', resource: `${bucketArn}/${k}` }));
    }
    return [{ action: `s3:${bucketAction(method, q)}`, resource: bucketArn }];
  }
  const objectArn = `${bucketArn}/${key}`;
  const versioned = q.has('versionId');
  const check = (action: string, resource = objectArn): AccessCheck => ({ action: `s3:${action}`, resource });
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (q.has('uploadId')) return [check('ListMultipartUploadParts')];
      if (q.has('tagging')) return [check(versioned ? 'GetObjectVersionTagging' : 'GetObjectTagging')];
      if (q.has('acl')) return [check(versioned ? 'GetObjectVersionAcl' : 'GetObjectAcl')];
      if (q.has('attributes'))
        return [check(versioned ? 'GetObjectVersionAttributes' : 'GetObjectAttributes')];
      return [check(versioned ? 'GetObjectVersion' : 'GetObject')];
    case 'PUT': {
      if (q.has('tagging')) return [check(versioned ? 'PutObjectVersionTagging' : 'PutObjectTagging')];
      if (q.has('acl')) return [check(versioned ? 'PutObjectVersionAcl' : 'PutObjectAcl')];
      const checks = [check('PutObject'), ...writeExtras(headers, check)];
      const source = copySource(headers);
      if (!source) return checks;
      const sourceArn = `arn:aws:s3:::${source.path}`;
      checks.push(check(source.versionId ? 'GetObjectVersion' : 'GetObject', sourceArn));
      const isPart = q.has('uploadId');
      if (!isPart && String(headers['x-amz-tagging-directive'] ?? 'COPY').toUpperCase() !== 'REPLACE') {
        checks.push(check('GetObjectTagging', sourceArn), check('PutObjectTagging'));
      }
      return dedupe(checks);
    }
    case 'POST':
      // CreateMultipartUpload (?uploads) and CompleteMultipartUpload (?uploadId) are writes.
      return q.has('uploads') ? [check('PutObject'), ...writeExtras(headers, check)] : [check('PutObject')];
    case 'DELETE':
      if (q.has('uploadId')) return [check('AbortMultipartUpload')];
      if (q.has('tagging')) return [check(versioned ? 'DeleteObjectVersionTagging' : 'DeleteObjectTagging')];
      return [check(versioned ? 'DeleteObjectVersion' : 'DeleteObject')];
    default:
      return [check(`${method[0]}${method.slice(1).toLowerCase()}Object`)];
  }
}

/** Bucket subresources by the query key that names them: [GET, PUT, DELETE] actions. */
const BUCKET_SUBRESOURCES: Record<string, [string, string, string]> = {
  versions: ['ListBucketVersions', 'ListBucketVersions', 'ListBucketVersions'],
  uploads: ['ListBucketMultipartUploads', 'ListBucketMultipartUploads', 'ListBucketMultipartUploads'],
  location: ['GetBucketLocation', 'GetBucketLocation', 'GetBucketLocation'],
  cors: ['GetBucketCORS', 'PutBucketCORS', 'PutBucketCORS'],
  website: ['GetBucketWebsite', 'PutBucketWebsite', 'DeleteBucketWebsite'],
  policy: ['GetBucketPolicy', 'PutBucketPolicy', 'DeleteBucketPolicy'],
  tagging: ['GetBucketTagging', 'PutBucketTagging', 'PutBucketTagging'],
  versioning: ['GetBucketVersioning', 'PutBucketVersioning', 'PutBucketVersioning'],
  acl: ['GetBucketAcl', 'PutBucketAcl', 'PutBucketAcl'],
  notification: ['GetBucketNotification', 'PutBucketNotification', 'PutBucketNotification'],
  lifecycle: ['GetLifecycleConfiguration', 'PutLifecycleConfiguration', 'PutLifecycleConfiguration'],
  encryption: ['GetEncryptionConfiguration', 'PutEncryptionConfiguration', 'PutEncryptionConfiguration'],
};

function bucketAction(method: string, q: URLSearchParams): string {
  const sub = Object.keys(BUCKET_SUBRESOURCES).find((name) => q.has(name));
  const column = method === 'PUT' ? 1 : method === 'DELETE' ? 2 : 0;
  if (sub) return (BUCKET_SUBRESOURCES[sub] as [string, string, string])[column];
  // ListObjects(V2) and HeadBucket need s3:ListBucket; the bare PUT and DELETE create and delete it.
  return method === 'PUT' ? 'CreateBucket' : method === 'DELETE' ? 'DeleteBucket' : 'ListBucket';
}

function writeExtras(headers: IncomingHttpHeaders, check: (action: string) => AccessCheck): AccessCheck[] {
  const extras: AccessCheck[] = [];
  if (headers['x-amz-tagging'] !== undefined) extras.push(check('PutObjectTagging'));
  if (Object.keys(headers).some((h) => h === 'x-amz-acl' || h.startsWith('x-amz-grant-'))) {
    extras.push(check('PutObjectAcl'));
  }
  return extras;
}

/** `x-amz-copy-source: [/]bucket/key[?versionId=…]`, URL-encoded. */
function copySource(headers: IncomingHttpHeaders): { path: string; versionId?: string } | undefined {
  const raw = headers['x-amz-copy-source'];
  if (typeof raw !== 'string' || raw === '') return undefined;
  const [pathPart = '', query = ''] = raw.replace(/^\//, '').split('?');
  const versionId = new URLSearchParams(query).get('versionId') ?? undefined;
  return { path: decodeURIComponent(pathPart), ...(versionId ? { versionId } : {}) };
}

/** The keys of a DeleteObjects body (`<Delete><Object><Key>…</Key>…`). */
function deletedKeys(body: Buffer): string[] {
  return [...body.toString('utf8').matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => unescapeXml(m[1] ?? ''));
}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function dedupe(checks: AccessCheck[]): AccessCheck[] {
  const seen = new Set<string>();
  return checks.filter((c) => {
    const id = `${c.action} ${c.resource}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * For a GetObject or HeadObject that found no key: the check S3 makes before it says so. With
 * s3:ListBucket on the bucket the caller gets 404 (NoSuchKey); without it, 403 AccessDenied, so a
 * caller that may not list cannot probe which keys exist (HeadObject and GetObject, "Permissions").
 */
export function missingKeyCheck(method: string, pathAndQuery: string): AccessCheck | undefined {
  const url = new URL(pathAndQuery, 'http://local');
  const [, bucket = '', ...keyParts] = url.pathname.split('/');
  const isObjectRead =
    (method === 'GET' || method === 'HEAD') &&
    bucket !== '' &&
    keyParts.join('/') !== '' &&
    !['uploadId', 'tagging', 'acl', 'attributes'].some((sub) => url.searchParams.has(sub));
  return isObjectRead ? { action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}` } : undefined;
}

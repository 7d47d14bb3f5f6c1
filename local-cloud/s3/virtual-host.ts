/**
 * Clients that are not told to use path-style address a bucket as `<bucket>.localhost:<port>`
 * (the SDK v3 does with endpoint http://localhost:4566). Everything behind the routing table is
 * path-style.
 */
const VIRTUAL_HOST = /^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.(?:s3\.)?localhost(?::\d+)?$/i;

/** The bucket a virtual-hosted request addresses, or undefined for a path-style one. */
export function virtualHostBucket(host: string): string | undefined {
  return VIRTUAL_HOST.exec(host)?.[1];
}

export function toPathStyle(host: string, pathAndQuery: string): string {
  const bucket = virtualHostBucket(host);
  return bucket ? `/${bucket}${pathAndQuery.startsWith('/') ? '' : '/'}${pathAndQuery}` : pathAndQuery;
}

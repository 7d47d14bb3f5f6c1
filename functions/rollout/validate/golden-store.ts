import { GetObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../../shared/aws-clients.js';
import { FEATURES, TARGETS } from '../../shared/contract.js';
import { parseDataset, toMatrices } from '../../shared/dataset.js';
import { parseSeatpos, type Seatpos } from '../../shared/seatpos.js';

/** The data a candidate is judged on. */
export interface GoldenData {
  /** Golden feature rows in canonical FEATURES order. */
  x: number[][];
  /** Golden targets in canonical TARGETS order. */
  y: number[][];
  seatpos: Seatpos;
}

/**
 * The golden set and the seatpos drivers live in the bucket under a reserved prefix so they can be
 * updated without a deploy. Each is cached per environment keyed by its ETag: a warm invocation asks
 * S3 with If-None-Match and only re-reads and re-parses when the object changed.
 */
export const GOLDEN_SET_FILE = 'golden_set.json';
export const SEATPOS_FILE = 'seatpos.csv';

/** The golden data is missing or malformed in the bucket: nothing can be validated. Not retried. */
export class GoldenSetUnavailableError extends Error {
  override name = 'GoldenSetUnavailable';
}

export interface GoldenSource {
  key: string;
  etag: string;
  rows: number;
  /** Served from this environment's cache (S3 answered 304 Not Modified). */
  cached: boolean;
}

interface Entry<T> {
  etag: string;
  value: T;
  rows: number;
}

const cache = new Map<string, Entry<unknown>>();

/** For tests: forget cached golden data. */
export function clearGoldenCache(): void {
  cache.clear();
}

function isNotModified(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.$metadata?.httpStatusCode === 304 || e?.name === 'NotModified' || e?.name === '304';
}

async function readCached<T>(
  bucket: string,
  key: string,
  parse: (text: string) => { value: T; rows: number },
): Promise<{ value: T; source: GoldenSource }> {
  const id = `${bucket}/${key}`;
  const hit = cache.get(id) as Entry<T> | undefined;
  try {
    const res = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key, IfNoneMatch: hit?.etag }));
    const text = (await res.Body?.transformToString('utf8')) ?? '';
    let parsed: { value: T; rows: number };
    try {
      parsed = parse(text);
    } catch (err) {
      throw new GoldenSetUnavailableError(
        `s3://${id} is malformed: ${(err as Error).message.slice(0, 500)}`,
        {
          cause: err,
        },
      );
    }
    const etag = res.ETag ?? '';
    if (etag) cache.set(id, { etag, ...parsed });
    return { value: parsed.value, source: { key, etag, rows: parsed.rows, cached: false } };
  } catch (err) {
    if (hit && isNotModified(err)) {
      return { value: hit.value, source: { key, etag: hit.etag, rows: hit.rows, cached: true } };
    }
    if (err instanceof Error && (err.name === 'NoSuchKey' || err.name === 'NotFound')) {
      throw new GoldenSetUnavailableError(
        `s3://${id} does not exist; the golden data is seeded at bootstrap (docs/validation.md)`,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
}

function parseGolden(text: string): { value: Pick<GoldenData, 'x' | 'y'>; rows: number } {
  const dataset = parseDataset(JSON.parse(text));
  const missing = [...FEATURES, ...TARGETS].filter(
    (n) => !dataset.features.includes(n) && !dataset.targets.includes(n),
  );
  if (missing.length > 0) throw new Error(`golden set lacks ${missing.join(', ')}`);
  return { value: toMatrices(dataset), rows: dataset.records.length };
}

export async function readGoldenData(
  bucket: string,
  prefix: string,
): Promise<{ data: GoldenData; golden: GoldenSource; seatpos: GoldenSource }> {
  const [golden, seatpos] = await Promise.all([
    readCached(bucket, `${prefix}${GOLDEN_SET_FILE}`, parseGolden),
    readCached(bucket, `${prefix}${SEATPOS_FILE}`, (text) => {
      const value = parseSeatpos(text);
      return { value, rows: value.rows.length };
    }),
  ]);
  return {
    data: { ...golden.value, seatpos: seatpos.value },
    golden: golden.source,
    seatpos: seatpos.source,
  };
}

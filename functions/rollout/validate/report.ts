import { PutObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../../shared/aws-clients.js';
import type { GoldenSource } from './golden-store.js';
import type { LiveIdentity } from './live-model.js';
import type { Thresholds } from './thresholds.js';
import type { ValidationResult } from './validate.js';

/**
 * The JSON report written to reports/<executionName>.json for every validation, passed or not
 * (docs/validation.md shows an example). `reportVersion` changes only when a field changes meaning.
 */
export interface ValidationReport {
  reportVersion: 1;
  executionName: string;
  generatedAt: string;
  passed: boolean;
  /** Names of the failed checks, in check order. */
  failed: string[];
  /** The ModelRejected cause, when rejected. */
  cause?: string;
  model: {
    bucket: string;
    key: string;
    versionId?: string;
    etag?: string;
    size: number;
    sha256?: string;
    onnx?: ValidationResult['onnx'];
    signature?: ValidationResult['signature'];
    metadata?: ValidationResult['metadata'];
  };
  live: LiveIdentity & {
    compared: boolean;
    reason?: string;
    sameBytes: boolean;
    signature?: ValidationResult['signature'];
    metadata?: ValidationResult['metadata'];
  };
  /** Differences from the live model's signature and metadata; null when there is nothing to compare. */
  signatureDiff: ValidationResult['signatureDiff'];
  goldenData: { golden: GoldenSource; seatpos: GoldenSource };
  thresholds: Thresholds;
  checks: ValidationResult['checks'];
  /** ms. Golden data and the live model are fetched in parallel; loadMs is the candidate session. */
  timings: {
    downloadMs: number;
    goldenMs: number;
    goldenAndLiveFetchMs: number;
    liveEvaluationMs: number;
    loadMs: number;
    checksMs: number;
    totalMs: number;
  };
}

export async function writeReport(bucket: string, key: string, report: ValidationReport): Promise<void> {
  await s3().send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: `${JSON.stringify(report, null, 2)}\n`,
      ContentType: 'application/json',
    }),
  );
}

/**
 * hypermob-rollout-validate: the rollout's validation gate (docs/validation.md).
 *
 * Input (state machine, InputPath `$.plan.validateInput`; event.ts):
 *   { bucket, key, size?, etag?, versionId?, executionName }
 * Output on success (ResultPath `$.validation`):
 *   { passed: true, bucket, key, versionId?, etag?, sha256, size, reportKey,
 *     summary: { checks: {name: 'passed'|'skipped'}, headline, liveHeadline?, liveVersion, sameBytesAsLive } }
 * On rejection: writes the report, then throws ModelRejected (cause: the failed checks, one line each).
 * Other errors: GoldenSetUnavailable (golden data missing or malformed), input/config errors, and S3 or
 * Lambda API errors, which propagate for the state machine's retry.
 * Every run writes s3://<MODEL_BUCKET>/<REPORTS_PREFIX><executionName>.json.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { ModelRejectedError } from '../shared/errors.js';
import { loadConfig, thresholdsFrom } from './config.js';
import { type ValidateOutput, validateInputSchema } from './event.js';
import { readGoldenData } from './golden-store.js';
import { findLiveModel } from './live-model.js';
import { readCandidate } from './model-object.js';
import { type ValidationReport, writeReport } from './report.js';
import { rejectionCause, validateModel } from './validate.js';

const config = loadConfig();
const thresholds = thresholdsFrom(config);
const logger = new Logger({ serviceName: 'hypermob-rollout-validate' });

export async function handler(event: unknown): Promise<ValidateOutput> {
  const input = validateInputSchema.parse(event);
  const started = performance.now();
  const candidate = await readCandidate(input, thresholds.maxModelBytes);

  const goldenStart = performance.now();
  const goldenPromise = readGoldenData(config.MODEL_BUCKET, config.GOLDEN_PREFIX).then((g) => ({
    ...g,
    ms: performance.now() - goldenStart,
  }));
  const livePromise = findLiveModel(
    {
      functionName: config.RECOMMEND_FUNCTION_NAME,
      alias: config.LIVE_ALIAS,
      defaultBucket: config.MODEL_BUCKET,
    },
    thresholds.maxModelBytes,
  );
  const [golden, live] = await Promise.all([goldenPromise, livePromise]);
  const liveFetchMs = performance.now() - goldenStart;

  const result = await validateModel({
    size: candidate.size,
    bytes: candidate.bytes,
    golden: golden.data,
    live: live.input,
    thresholds,
  });
  const sameBytes = Boolean(candidate.sha256 && candidate.sha256 === live.identity.sha256);
  const cause = result.passed ? undefined : rejectionCause(result.checks);
  const reportKey = `${config.REPORTS_PREFIX}${input.executionName}.json`;
  const report: ValidationReport = {
    reportVersion: 1,
    executionName: input.executionName,
    generatedAt: new Date().toISOString(),
    passed: result.passed,
    failed: result.failed,
    ...(cause ? { cause } : {}),
    model: {
      bucket: input.bucket,
      key: input.key,
      versionId: candidate.versionId,
      etag: candidate.etag,
      size: candidate.size,
      sha256: candidate.sha256,
      onnx: result.onnx,
      signature: result.signature,
      metadata: result.metadata,
    },
    live: {
      ...live.identity,
      compared: result.live.compared,
      reason: result.live.reason,
      sameBytes,
      signature: result.live.signature,
      metadata: result.live.metadata,
    },
    signatureDiff: result.signatureDiff,
    goldenData: { golden: golden.golden, seatpos: golden.seatpos },
    thresholds,
    checks: result.checks,
    timings: {
      downloadMs: candidate.downloadMs,
      goldenMs: golden.ms,
      goldenAndLiveFetchMs: liveFetchMs,
      liveEvaluationMs: result.timings.liveMs,
      loadMs: result.timings.loadMs,
      checksMs: result.timings.checksMs,
      totalMs: performance.now() - started,
    },
  };
  await writeReport(config.MODEL_BUCKET, reportKey, report);

  const statuses = Object.fromEntries(result.checks.map((c) => [c.name, c.status]));
  logger.info('validated', {
    key: input.key,
    sha256: candidate.sha256,
    passed: result.passed,
    reportKey,
    checks: statuses,
  });
  if (!result.passed) {
    throw new ModelRejectedError(`${cause} (report: s3://${config.MODEL_BUCKET}/${reportKey})`);
  }
  return {
    passed: true,
    bucket: input.bucket,
    key: input.key,
    ...(candidate.versionId ? { versionId: candidate.versionId } : {}),
    ...(candidate.etag ? { etag: candidate.etag } : {}),
    sha256: candidate.sha256 as string,
    size: candidate.size,
    reportKey,
    summary: {
      checks: statuses,
      headline: result.accuracy?.headline ?? Number.NaN,
      ...(result.live.accuracy ? { liveHeadline: result.live.accuracy.headline } : {}),
      liveVersion: result.live.compared ? (live.identity.version ?? null) : null,
      sameBytesAsLive: sameBytes,
    },
  };
}

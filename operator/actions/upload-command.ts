import { readFile } from 'node:fs/promises';
import { BadRolloutRequestError } from '../../functions/rollout/shared/errors.js';
import type { StrategyName } from '../../functions/rollout/strategies/index.js';
import { parseTrafficConfig } from '../../functions/rollout/traffic/config.js';
import { parseRolloutMetadata } from '../../functions/rollout/traffic/metadata.js';
import { EXIT, type ExitCode, NotFoundError, UsageError } from '../errors.js';
import { connect } from '../read-model/connect.js';
import type { TargetOptions } from '../read-model/target.js';
import { paintFor } from '../render/paint.js';
import { checkLines, verdictLine } from '../render/report.js';
import { exitFor, follow } from './follow.js';
import { validateLocally } from './local-validate.js';
import { assertOnnx } from './model-file.js';
import { rolloutMetadata } from './strategy-flags.js';
import { findExecution, putModel } from './upload.js';

/** What `hypermob upload` does, step by step (scripts/commands/upload.ts declares its flags). */
export async function upload(
  file: string,
  o: { key: string; strategy: StrategyName; wait: boolean; localValidation: boolean; timeout?: number },
  flags: Record<string, unknown>,
  target: TargetOptions,
): Promise<ExitCode> {
  const paint = paintFor(process.stdout);
  const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? new NotFoundError(`no such file: ${file}`) : err;
  });
  assertOnnx(file, bytes);
  const metadata = rolloutMetadata(o.strategy, flags);
  try {
    // The stack's own defaults may differ; this catches what no deployment would accept.
    parseRolloutMetadata(metadata, parseTrafficConfig({}).defaults);
  } catch (err) {
    if (err instanceof BadRolloutRequestError) throw new UsageError(err.message);
    throw err;
  }
  if (o.localValidation) {
    const started = performance.now();
    const report = await validateLocally(file, bytes);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(paint('bold', `local validation (${seconds} s, golden set of this checkout)`));
    console.log(checkLines(report.checks, paint).join('\n'));
    console.log(verdictLine(report, paint));
    if (!report.passed) {
      console.log('nothing was uploaded (--skip-local-validation uploads anyway; the pipeline decides)');
      return EXIT.rejected;
    }
  }
  const c = await connect(target);
  const uploaded = await putModel(c, o.key, bytes, metadata);
  const params = Object.entries(metadata)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  console.log(`uploaded s3://${c.target.bucket}/${o.key} (etag ${uploaded.etag}) with ${params}`);
  const arn = await findExecution(c, uploaded);
  if (!o.wait) {
    console.log(
      `execution ${arn.split(':').at(-1)}: follow it with npx hypermob watch ${arn.split(':').at(-1)}`,
    );
    return EXIT.ok;
  }
  const view = await follow(
    c,
    arn,
    { write: (t) => process.stdout.write(t), isTTY: Boolean(process.stdout.isTTY) },
    paint,
    {
      ...(o.timeout ? { timeoutMs: o.timeout * 1000 } : {}),
    },
  );
  return exitFor(view);
}

import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import {
  LIVE_ALIAS,
  MODEL_BUCKET_NAME,
  RECOMMEND_FUNCTION_NAME,
  ROLLOUT_STATE_MACHINE_NAME,
} from '../../system/manifest.js';

/**
 * `hypermob local` (= `npm start`): the whole system on this machine. Options fall back to
 * HYPERMOB_AWS_PORT / HYPERMOB_API_PORT / HYPERMOB_DATA_DIR / HYPERMOB_WAIT_SCALE. The local cloud
 * (esbuild, s3rver, the AWS SDK…) loads only when the command runs, not for `hypermob --help`.
 */
const port = z.coerce.number().int().min(0).max(65535);
const optionsSchema = z.object({
  awsPort: port,
  apiPort: port,
  dataDir: z.string().min(1),
  host: z.string().min(1),
  waitScale: z.coerce.number().positive(),
  verbose: z.boolean().default(false),
  // `--aws-timing` alone: the mode's defaults; `--aws-timing 10`: metrics 10 s late.
  awsTiming: z.union([z.literal(true), z.coerce.number().min(0).max(900)]).optional(),
});

export function registerLocal(program: Command): void {
  program
    .command('local')
    .description('run the local cloud: S3, Lambda and Step Functions on one AWS endpoint, plus the HTTP API')
    .option('--aws-port <port>', 'AWS endpoint port', process.env.HYPERMOB_AWS_PORT ?? '4566')
    .option('--api-port <port>', 'HTTP API port', process.env.HYPERMOB_API_PORT ?? '3000')
    .option('--data-dir <dir>', 'where everything is kept', process.env.HYPERMOB_DATA_DIR ?? '.local')
    .option(
      '--host <address>',
      'address to listen on (anything but loopback prints a warning: docs/local-cloud.md)',
      '127.0.0.1',
    )
    .option(
      '--wait-scale <factor>',
      'multiply Step Functions Wait/Retry times',
      process.env.HYPERMOB_WAIT_SCALE ?? '1',
    )
    .option(
      '--aws-timing [metric-delay-seconds]',
      "AWS's delays: metrics visible late (default 3 s), new versions Pending, slow configuration updates",
    )
    .option(
      '--verbose',
      'print every log line (functions, START/END/REPORT, control plane); always in <data-dir>/logs/',
    )
    .action(async (raw: unknown) => {
      const parsed = optionsSchema.safeParse(raw);
      if (!parsed.success) throw new Error(`local: ${z.prettifyError(parsed.error)}`);
      const o = parsed.data;
      const [{ startLocalCloud }, { createLogSink }] = await Promise.all([
        import('../../local-cloud/cloud.js'),
        import('../../local-cloud/log-sink.js'),
      ]);
      const dataDir = path.resolve(o.dataDir);
      const sink = createLogSink({
        dataDir,
        verbose: o.verbose,
        print: (line) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${line}`),
      });
      const cloud = await startLocalCloud({
        dataDir,
        awsPort: o.awsPort,
        apiPort: o.apiPort,
        host: o.host,
        timeScale: o.waitScale,
        ...(o.awsTiming !== undefined
          ? { awsTiming: o.awsTiming === true ? true : { metricDelayMs: o.awsTiming * 1000 } }
          : {}),
        log: sink.log,
      });
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.log(`${signal}: stopping the local cloud…`);
        cloud.stop().then(
          () => {
            sink.close();
            process.exit(0);
          },
          (err: unknown) => {
            console.error(`stop failed: ${String(err)}`);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      try {
        await cloud.ready;
      } catch (err) {
        console.error(
          `local cloud: bootstrap failed: ${(err as Error).message} (serving anyway; GET /health says 503)`,
        );
        return;
      }
      console.log(
        banner(cloud.awsEndpoint, cloud.apiEndpoint, cloud.dataDir, cloud.region, cloud.health().warnings),
      );
    });
}

function banner(aws: string, api: string, dataDir: string, region: string, warnings: string[]): string {
  return [
    '',
    'hypermob local cloud is up',
    `  AWS endpoint (S3, Lambda, Step Functions): ${aws}`,
    `  HTTP API:                                  ${api}   (POST /recommend, GET /health)`,
    `  data:                                      ${dataDir}`,
    `  function logs:                             ${path.join(dataDir, 'logs')}/<function>.log`,
    '',
    'Point the AWS CLI / SDK at it:',
    `  export AWS_ENDPOINT_URL=${aws} AWS_REGION=${region} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`,
    `  alias awslocal='aws --endpoint-url ${aws}'   # AWS CLI before 2.13 ignores AWS_ENDPOINT_URL`,
    `  awslocal s3 ls s3://${MODEL_BUCKET_NAME}/ --recursive`,
    `  awslocal lambda get-alias --function-name ${RECOMMEND_FUNCTION_NAME} --name ${LIVE_ALIAS}`,
    `  awslocal stepfunctions list-executions --state-machine-arn arn:aws:states:${region}:000000000000:stateMachine:${ROLLOUT_STATE_MACHINE_NAME}`,
    `  awslocal logs tail /aws/lambda/${RECOMMEND_FUNCTION_NAME} --follow   # AWS CLI v2; v1: logs filter-log-events`,
    '',
    'Try it:',
    `  curl -s ${api}/recommend -H 'content-type: application/json' \\`,
    `    -d '{"height":178,"upper_arm":36,"forearm":27,"thigh":59,"calf":46,"torso":60}'`,
    ...(warnings.length > 0 ? ['', 'Warnings:', ...warnings.map((w) => `  - ${w}`)] : []),
    '',
    'Ctrl-C stops it.',
  ].join('\n');
}

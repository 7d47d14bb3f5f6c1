import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { it, type TestFunction } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../local-cloud/clients.js';

/**
 * The AWS CLI for tests, v1 or v2: HYPERMOB_AWS_CLI, else `aws` on PATH. Its major version is read
 * once, because the two differ in how they take blob arguments (below). Without any `aws` the tests
 * that need it are skipped with the reason; HYPERMOB_REQUIRE_AWS_CLI=1 (CI) makes that a failure.
 */
export interface AwsCliInfo {
  /** Absolute path of the executable. */
  path: string;
  major: number;
  /** First line of `aws --version`. */
  version: string;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir || '.', name);
    try {
      accessSync(candidate, constants.X_OK);
      return path.resolve(candidate);
    } catch {}
  }
  return undefined;
}

function detect(): { cli: AwsCliInfo } | { missing: string } | { broken: string } {
  const configured = process.env.HYPERMOB_AWS_CLI || undefined;
  const exe = configured?.includes('/') ? configured : onPath(configured ?? 'aws');
  if (!exe && configured) return { broken: `HYPERMOB_AWS_CLI=${configured} is not on PATH` };
  if (!exe) return { missing: 'no `aws` on PATH and HYPERMOB_AWS_CLI is not set' };
  // v1 printed its version on stderr in older releases, on stdout in newer ones.
  const r = spawnSync(exe, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  const version = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '';
  const major = /^aws-cli\/(\d+)\./.exec(version)?.[1];
  if (r.status === 0 && major) return { cli: { path: path.resolve(exe), major: Number(major), version } };
  const why = `${exe} --version: ${r.error?.message ?? (version || `exit ${r.status}`)}`;
  // A configured path that does not work is a mistake to report, not a reason to skip.
  return configured ? { broken: why } : { missing: why };
}

const found = detect();
const required = process.env.HYPERMOB_REQUIRE_AWS_CLI === '1';

/** The detected CLI, or undefined when there is none (its tests are then skipped or failed). */
export const AWS_CLI: AwsCliInfo | undefined = 'cli' in found ? found.cli : undefined;

/**
 * Global options for this CLI. v2 decodes blob arguments (`lambda invoke --payload`) as base64 unless
 * told `--cli-binary-format raw-in-base64-out`; v1 always takes them raw and rejects that option.
 */
export function versionArgs(cli: AwsCliInfo): string[] {
  return cli.major >= 2 ? ['--cli-binary-format', 'raw-in-base64-out'] : [];
}

/**
 * What the CLI and the SDK need to talk to a local endpoint, for v1 and v2 alike: both regions
 * (v1 reads only AWS_DEFAULT_REGION), placeholder keys, no pager, no profile or config file of
 * the machine's user, no instance-metadata lookups.
 */
export function awsEnv(endpoint: string, region: string): NodeJS.ProcessEnv {
  const { AWS_PROFILE: _profile, ...inherited } = process.env;
  return {
    ...inherited,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
}

/** `it` for tests that run the AWS CLI: skipped with the reason when there is none (failed if required). */
export function itWithAwsCli(name: string, fn: TestFunction, timeout?: number): void {
  if ('cli' in found) return void it(name, fn, timeout);
  const reason = 'broken' in found ? found.broken : found.missing;
  if ('broken' in found || required) {
    return void it(name, () => {
      throw new Error(`AWS CLI required: ${reason}`);
    });
  }
  console.warn(`skipping "${name}": no AWS CLI (${reason})`);
  it(name, (ctx) => ctx.skip(`no AWS CLI: ${reason}`));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when it is JSON. */
  json?: unknown;
}

/**
 * Runs the AWS CLI against a local endpoint (`--endpoint-url`, `--output json`, the version's
 * options, awsEnv). `accessKeyId` signs as someone else — a function's name acts as its role in the
 * local cloud. Call it only from itWithAwsCli tests.
 */
export function awsCli(
  target: { awsEndpoint: string; region: string },
  args: string[],
  accessKeyId?: string,
): Promise<CliResult> {
  const cli = AWS_CLI;
  if (!cli) throw new Error('awsCli outside itWithAwsCli: there is no AWS CLI');
  return new Promise((resolve) => {
    execFile(
      cli.path,
      ['--endpoint-url', target.awsEndpoint, '--output', 'json', ...versionArgs(cli), ...args],
      {
        env: {
          ...awsEnv(target.awsEndpoint, target.region),
          ...(accessKeyId ? { AWS_ACCESS_KEY_ID: accessKeyId } : {}),
        },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 120_000,
      },
      (err, stdout, stderr) => {
        let json: unknown;
        try {
          json = stdout.trim() ? JSON.parse(stdout) : undefined;
        } catch {
          json = undefined;
        }
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr, ...(json !== undefined ? { json } : {}) });
      },
    );
  });
}

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_ALIAS, RECOMMEND_FUNCTION_NAME } from '../../system/manifest.js';
import { AWS_CLI, itWithAwsCli } from '../support/aws-cli.js';
import { type LocalCloudFixture, REPO_ROOT, startLocalCloudFixture } from '../support/local-cloud.js';

/**
 * The README's quick start, run as written against a local cloud on free ports: every ```sh block
 * before "Deploying to AWS" in order, each in bash with `set -e`, so each command must exit 0. Only
 * the two endpoints are substituted. `npm ci`/`npm start` (this test is what they start) and the
 * deploy section (it needs an AWS account) are skipped, with the reason.
 */
const README = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const DOC_AWS_ENDPOINT = 'http://127.0.0.1:4566';
const DOC_API_ENDPOINT = 'http://127.0.0.1:3000';
const DEPLOY_HEADING = '## Deploying to AWS';

interface Block {
  heading: string;
  code: string;
}

function shellBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let heading = '';
  let code: string[] | undefined;
  for (const line of markdown.split('\n')) {
    if (code) {
      if (line.startsWith('```')) {
        blocks.push({ heading, code: code.join('\n') });
        code = undefined;
      } else code.push(line);
    } else if (line.startsWith('```sh')) code = [];
    else if (line.startsWith('#')) heading = line;
  }
  return blocks;
}

const blocks = shellBlocks(README);
const deployStart = blocks.findIndex((b) => b.heading === DEPLOY_HEADING);
const quickStart = blocks.slice(0, deployStart);
const deploy = blocks.slice(deployStart);
const needsNpm = (b: Block) => /^npm (ci|start|test)\b/m.test(b.code);
const usesAws = (b: Block) => /\baws(local)?\b/.test(b.code);

/** `export …` and `alias …` statements (with their continuation lines): later blocks rely on them. */
function environmentStatements(code: string): string[] {
  return code
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => /^(export|alias) /.test(l));
}

let f: LocalCloudFixture;
let work: string;
let savedModel: string | undefined;
const MODEL = path.join(REPO_ROOT, 'model.onnx');

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'hypermob-readme-'));
  // The rollout example writes ./model.onnx at the repository root (git-ignored); keep a reader's own.
  if (existsSync(MODEL)) {
    savedModel = path.join(work, 'model.onnx');
    await rename(MODEL, savedModel);
  }
  // `aws` in the README is the CLI the tests found (test/support/aws-cli.ts).
  if (AWS_CLI) await symlink(AWS_CLI.path, path.join(work, 'aws'));
  // As `npm start` runs it: real-time waits, so bakes and gates take the seconds the README says.
  f = await startLocalCloudFixture({ timeScale: 1 });
});

afterAll(async () => {
  await f?.stop();
  await rm(MODEL, { force: true });
  if (savedModel) await rename(savedModel, MODEL);
  if (work) await rm(work, { recursive: true, force: true });
});

/** Runs README commands in bash: set -e, aliases on, no AWS_* from this process, no ~/.aws files. */
function runShell(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  const prologue = [
    'set -e',
    'shopt -s expand_aliases',
    `trap 'echo "README command failed: $BASH_COMMAND" >&2' ERR`,
  ].join('\n');
  const body = script.replaceAll(DOC_AWS_ENDPOINT, f.awsEndpoint).replaceAll(DOC_API_ENDPOINT, f.apiEndpoint);
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', `${prologue}\n${body}`],
      {
        cwd: REPO_ROOT,
        env: {
          ...env,
          PATH: `${work}${path.delimiter}${process.env.PATH}`,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
        timeout: 150_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('README quick start', () => {
  it('is found, and names the local cloud defaults this test substitutes', () => {
    expect(deployStart).toBeGreaterThan(0);
    expect(README).toContain(DOC_AWS_ENDPOINT);
    expect(README).toContain(DOC_API_ENDPOINT);
    // The README's state machine ARN is written out with the local region and account.
    expect(README).toContain(`arn:aws:states:${f.region}:${f.accountId}:stateMachine:`);
  });

  let environment: string[] = [];
  quickStart.forEach((block, i) => {
    const name = `block ${i + 1} under "${block.heading}" runs, every command exiting 0`;
    if (needsNpm(block)) {
      it(name, (ctx) => ctx.skip('npm ci / npm start / npm test: this suite is what they run'));
      return;
    }
    const setup = environment;
    environment = [...environment, ...environmentStatements(block.code)];
    (usesAws(block) ? itWithAwsCli : it)(
      name,
      async () => {
        const r = await runShell([...setup, block.code].join('\n'));
        expect(r.code, `${r.stderr}\n${r.stdout}`.slice(-4000)).toBe(0);
      },
      180_000,
    );
  });

  itWithAwsCli('ends with what the rollout example promises: version 2 live, no extra weight', async () => {
    const alias = await f.clients.lambda.send(
      new GetAliasCommand({ FunctionName: RECOMMEND_FUNCTION_NAME, Name: LIVE_ALIAS }),
    );
    expect(alias.FunctionVersion).toBe('2');
    expect(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
  });
});

describe('README deploy section', () => {
  deploy.forEach((_block, i) => {
    it(`block ${i + 1} under "${DEPLOY_HEADING}"`, (ctx) =>
      ctx.skip('needs an AWS account: test/e2e runs against a deployed stack'));
  });
});

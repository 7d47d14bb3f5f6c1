import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A tiny function bundle for tests of the local Lambda service (and of the parts built on it): it
 * echoes what an execution environment gives it — environment variables, TMPDIR, module state,
 * context, how many calls it ran at once — and can be told to throw, sleep, log or crash. `marker` makes bundles with different
 * code (and so different CodeSha256) from the same source.
 */
const SOURCE = `
import { randomUUID } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const moduleId = randomUUID();
let calls = 0;
let active = 0;
let maxActive = 0;
class FixtureError extends Error { name = 'FixtureError'; }

export const handler = async (event, context) => {
  calls += 1;
  active += 1;
  maxActive = Math.max(maxActive, active);
  try {
    switch (event?.action) {
      case 'throw': throw new FixtureError(event.message ?? 'told to throw');
      case 'sleep': await new Promise((r) => setTimeout(r, event.ms)); break;
      case 'exit': process.exit(3);
      case 'log': console.log(event.line); console.error('to stderr'); break;
      case 'touch': writeFileSync(path.join(os.tmpdir(), event.file), 'x'); break;
    }
  } finally {
    active -= 1;
  }
  return {
    marker: MARKER,
    moduleId,
    calls,
    maxActive,
    pid: process.pid,
    tmpdir: os.tmpdir(),
    tmpFiles: readdirSync(os.tmpdir()),
    env: process.env,
    context: {
      awsRequestId: context.awsRequestId,
      functionName: context.functionName,
      functionVersion: context.functionVersion,
      invokedFunctionArn: context.invokedFunctionArn,
      memoryLimitInMB: context.memoryLimitInMB,
      remaining: context.getRemainingTimeInMillis(),
    },
    event,
  };
};
`;

export interface EchoResult {
  marker: string;
  moduleId: string;
  calls: number;
  /** The most calls this environment ever ran at once: 1 unless invocations overlapped. */
  maxActive: number;
  pid: number;
  tmpdir: string;
  tmpFiles: string[];
  env: Record<string, string>;
  context: {
    awsRequestId: string;
    functionName: string;
    functionVersion: string;
    invokedFunctionArn: string;
    memoryLimitInMB: string;
    remaining: number;
  };
  event: unknown;
}

export async function writeEchoBundle(dir: string, marker = 'v1'): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'index.mjs'), `const MARKER = ${JSON.stringify(marker)};\n${SOURCE}`);
  return dir;
}

import {
  type FunctionConfiguration,
  GetAliasCommand,
  ListVersionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { readRecord } from './bucket.js';
import type { Connection } from './connect.js';
import { rolloutView } from './derive.js';
import { execution } from './execution.js';
import { recentLineage } from './lineage.js';
import { type Lineage, reportSchema } from './records.js';
import type { LiveView, StatusView, TargetView, VersionView } from './views.js';

/** How many lineage records status looks through to name versions and find the rollout in flight. */
const LINEAGE_WINDOW = 50;

/**
 * Alias live (primary, candidate and weight), the recent versions with the model each pins, and the
 * rollout in flight: a running upload execution, or an experiment holding its weight.
 */
export async function status(
  c: Connection,
  { versions: shown = 5 }: { versions?: number } = {},
): Promise<StatusView> {
  const [live, versions, lineage, running] = await Promise.all([
    readAlias(c),
    listVersions(c),
    recentLineage(c, LINEAGE_WINDOW),
    runningExecutions(c),
  ]);
  const recent = versions.slice(0, shown);
  for (const v of [live?.primary, live?.candidate?.version]) {
    const extra = versions.find((x) => x.Version === v);
    if (extra && !recent.includes(extra)) recent.push(extra);
  }
  const released = releasedBy(lineage.records);
  const problems = [...lineage.problems];
  const views = await Promise.all(
    recent.map((v) => versionView(c, v, released.get(v.Version ?? ''), problems)),
  );
  const flight = inFlight(lineage.records, running, live);
  const timeline = flight ? await execution(c, flight.execution) : undefined;
  return {
    at: new Date().toISOString(),
    target: targetView(c),
    live,
    versions: views,
    inFlight: flight
      ? {
          ...rolloutView(flight),
          arn: timeline?.execution.arn ?? null,
          state: timeline?.execution.state ?? null,
          bake: timeline?.bake ?? null,
        }
      : null,
    problems,
  };
}

export function targetView(c: Connection): TargetView {
  const t = c.target;
  return {
    endpoint: t.endpoint ?? null,
    region: t.region,
    bucket: t.bucket,
    functionName: t.functionName,
    alias: t.alias,
    stateMachineArn: t.stateMachineArn,
  };
}

export async function readAlias(c: Connection): Promise<LiveView | null> {
  try {
    const a = await c.lambda.send(
      new GetAliasCommand({ FunctionName: c.target.functionName, Name: c.target.alias }),
    );
    const [extra] = Object.entries(a.RoutingConfig?.AdditionalVersionWeights ?? {});
    return {
      primary: a.FunctionVersion ?? '$LATEST',
      candidate: extra ? { version: extra[0], weight: extra[1] } : null,
    };
  } catch (err) {
    if (err instanceof Error && err.name === 'ResourceNotFoundException') return null;
    throw err;
  }
}

/** Published versions, newest first. */
export async function listVersions(c: Connection): Promise<FunctionConfiguration[]> {
  const all: FunctionConfiguration[] = [];
  let marker: string | undefined;
  do {
    const page = await c.lambda.send(
      new ListVersionsByFunctionCommand({ FunctionName: c.target.functionName, Marker: marker }),
    );
    all.push(...(page.Versions ?? []).filter((v) => v.Version !== '$LATEST'));
    marker = page.NextMarker;
  } while (marker);
  return all.sort((a, b) => Number(b.Version) - Number(a.Version));
}

async function runningExecutions(c: Connection): Promise<Set<string>> {
  const out = await c.sfn.send(
    new ListExecutionsCommand({
      stateMachineArn: c.target.stateMachineArn,
      statusFilter: 'RUNNING',
      maxResults: 100,
    }),
  );
  return new Set((out.executions ?? []).map((e) => e.name ?? ''));
}

/** version → the newest upload record that released it. */
function releasedBy(records: Lineage[]): Map<string, Lineage> {
  const map = new Map<string, Lineage>();
  for (const r of records) {
    const v = r.release?.version;
    if (v && r.kind === 'upload' && !map.has(v)) map.set(v, r);
  }
  return map;
}

/** The running upload that started last, else the experiment whose candidate holds weight on live. */
export function inFlight(
  records: Lineage[],
  running: Set<string>,
  live: LiveView | null,
): Lineage | undefined {
  const uploads = records.filter((r) => r.kind === 'upload');
  return (
    uploads.find((r) => running.has(r.execution)) ??
    uploads.find(
      (r) =>
        r.outcome.status === 'held' &&
        r.release?.version !== undefined &&
        r.release.version === live?.candidate?.version,
    )
  );
}

async function versionView(
  c: Connection,
  v: FunctionConfiguration,
  lineage: Lineage | undefined,
  problems: string[],
): Promise<VersionView> {
  const env = v.Environment?.Variables ?? {};
  const reportKey = lineage?.validation?.reportKey;
  const report = reportKey
    ? await readRecord(c, reportKey, reportSchema).catch((err: Error) => {
        problems.push(err.message);
        return undefined;
      })
    : undefined;
  const size = Number(env.MODEL_SIZE);
  return {
    version: v.Version ?? '',
    modelKey: env.MODEL_SOURCE_KEY || lineage?.model?.key || null,
    pinnedKey: env.MODEL_KEY || null,
    sha256: env.MODEL_SHA256 || null,
    size: Number.isFinite(size) && env.MODEL_SIZE ? size : null,
    publishedAt: v.LastModified ? new Date(v.LastModified).toISOString() : null,
    execution: lineage?.execution ?? null,
    training: report?.model.metadata ?? {},
  };
}

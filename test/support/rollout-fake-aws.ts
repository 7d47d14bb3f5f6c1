import { createHash } from 'node:crypto';
import {
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateAliasCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ListExecutionsCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { STRATEGY_NAMES } from '../../functions/rollout/strategies/index.js';
import { type AwsClients, setClients } from '../../functions/shared/aws-clients.js';
import { TARGETS } from '../../functions/shared/contract.js';
import { METRICS } from '../../system/manifest.js';

/**
 * An in-memory AWS for the rollout's unit tests: S3 objects, one Lambda function with versions,
 * alias `live` (weights, Description, RevisionId preconditions), Step Functions executions and
 * per-version metrics. Just the calls the rollout functions make, with AWS's error names.
 */

/**
 * The local cloud's permissive upload limits (system/settings.ts: ALLOWED_STRATEGIES, MIN_BAKE_SECONDS,
 * MAX_FIRST_WEIGHT), for tests that exercise every strategy with short bakes; without them
 * parseTrafficConfig applies AWS's.
 */
export const PERMISSIVE_LIMITS = {
  ALLOWED_STRATEGIES: STRATEGY_NAMES.join(','),
  MIN_BAKE_SECONDS: '0',
  MAX_FIRST_WEIGHT: '1',
};

const awsError = (name: string, message = name) => Object.assign(new Error(message), { name });
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export interface FakeObject {
  body: Uint8Array;
  metadata: Record<string, string>;
  /** Object tags (`x-amz-tagging`), which CopyObject copies unless told to replace them. */
  tagging?: string;
}
export interface FakeExecution {
  arn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  error?: string;
  cause?: string;
  startDate: Date;
  input: string;
  onStop?: () => void;
}

export class FakeAws {
  objects = new Map<string, FakeObject>();
  latest = {
    env: {} as Record<string, string>,
    /** CodeSha256 of $LATEST (a deployment changes it); each published version keeps its own. */
    code: 'code-1',
    revision: 1,
    status: 'Successful' as string,
    pendingReads: 0,
  };
  versions = new Map<string, Record<string, string>>();
  private versionCode = new Map<string, string>();
  alias:
    | { version: string; weights: Record<string, number>; description: string; revision: number }
    | undefined;
  aliasWrites: { version: string; weights: Record<string, number> }[] = [];
  executions = new Map<string, FakeExecution>();
  /** Metrics per executed version for the gate; `app`: the function's own EMF metrics (absent: none). */
  metrics = new Map<
    string,
    {
      invocations: number;
      errors: number;
      p99: number;
      p50?: number;
      app?: { requests: number; errors: number; degraded: number };
    }
  >();
  /**
   * Outcomes of an experiment per serving version, one entry per feedback (POST /feedback's EMF,
   * system/manifest.ts METRICS.outcomes): the normalised error and each given target's |error|.
   */
  feedback = new Map<string, { norm: number; abs: Partial<Record<string, number>> }[]>();
  /** Which versions answer probes as degraded (or throw). */
  brokenVersions = new Set<string>();
  /** Reads of $LATEST that still report InProgress after an update. */
  updateLag = 1;
  /** The next this many UpdateAlias calls answer 409 ResourceConflictException (an update in progress). */
  aliasConflicts = 0;
  /** Reads of a just-published version that still report State Pending (it cannot be invoked yet). */
  publishLag = 0;
  private pendingVersions = new Map<string, number>();
  calls: string[] = [];
  /**
   * Fault injection (failCall): calls of an SDK command (e.g. 'StopExecutionCommand') that fail
   * with an AWS error name, after `skip` calls of it succeeded.
   */
  private faults: { command: string; error: string; skip: number; times: number }[] = [];
  /** Every GetMetricData request, as sent. */
  metricRequests: GetMetricDataCommandInput[] = [];

  /** The n-th (skip + 1) and following `times` calls of `command` fail with the error `error`. */
  failCall(command: string, error: string, o: { skip?: number; times?: number } = {}): void {
    this.faults.push({ command, error, skip: o.skip ?? 0, times: o.times ?? 1 });
  }

  private injectFault(cmd: unknown): void {
    const name = (cmd as object).constructor.name;
    const f = this.faults.find((x) => x.command === name && x.times > 0);
    if (!f) return;
    if (f.skip > 0) {
      f.skip--;
      return;
    }
    f.times--;
    this.calls.push(`fault ${name} ${f.error}`);
    throw awsError(f.error, `injected ${f.error} on ${name}`);
  }

  install(): void {
    const client = (handler: (cmd: unknown) => unknown) =>
      ({
        send: async (cmd: unknown) => {
          this.injectFault(cmd);
          return handler(cmd);
        },
      }) as unknown;
    setClients({
      s3: client((c) => this.s3(c)),
      lambda: client((c) => this.lambda(c)),
      sfn: client((c) => this.sfn(c)),
      cloudwatch: client((c) => this.cloudwatch(c)),
    } as Partial<AwsClients>);
  }

  put(bucket: string, key: string, body: Uint8Array | string, metadata: Record<string, string> = {}) {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    this.objects.set(`${bucket}/${key}`, { body: bytes, metadata });
    return { sha256: sha256(bytes), size: bytes.length };
  }

  json(bucket: string, key: string): unknown {
    const o = this.objects.get(`${bucket}/${key}`);
    return o ? JSON.parse(new TextDecoder().decode(o.body)) : undefined;
  }

  private object(bucket: string | undefined, key: string | undefined): FakeObject {
    const o = this.objects.get(`${bucket}/${key}`);
    if (!o) throw awsError('NotFound');
    return o;
  }

  private s3(cmd: unknown): unknown {
    if (cmd instanceof HeadObjectCommand) {
      const o = this.object(cmd.input.Bucket, cmd.input.Key);
      return { ContentLength: o.body.length, ETag: `"${sha256(o.body).slice(0, 32)}"`, Metadata: o.metadata };
    }
    if (cmd instanceof GetObjectCommand) {
      const o = this.objects.get(`${cmd.input.Bucket}/${cmd.input.Key}`);
      if (!o) throw awsError('NoSuchKey');
      const body = o.body;
      return {
        Body: {
          async *[Symbol.asyncIterator]() {
            yield body;
          },
          transformToString: async () => new TextDecoder().decode(body),
        },
      };
    }
    if (cmd instanceof PutObjectCommand) {
      this.put(
        cmd.input.Bucket ?? '',
        cmd.input.Key ?? '',
        String(cmd.input.Body ?? ''),
        cmd.input.Metadata ?? {},
      );
      return {};
    }
    if (cmd instanceof CopyObjectCommand) {
      const [bucket, ...rest] = (cmd.input.CopySource ?? '').split('/');
      const key = decodeURIComponent(rest.join('/').split('?')[0] ?? '');
      const o = this.object(bucket, key);
      // CopyObject copies the source's tags by default (TaggingDirective COPY), which needs
      // s3:GetObjectTagging and s3:PutObjectTagging; the pipeline's roles have neither.
      if (o.tagging && cmd.input.TaggingDirective !== 'REPLACE')
        throw awsError('AccessDenied', 'not authorized to perform: s3:GetObjectTagging');
      this.objects.set(`${cmd.input.Bucket}/${cmd.input.Key}`, {
        body: o.body,
        metadata: cmd.input.Metadata ?? {},
      });
      this.calls.push(`copy ${key} → ${cmd.input.Key}`);
      return {};
    }
    if (cmd instanceof ListObjectsV2Command) {
      const prefix = `${cmd.input.Bucket}/${cmd.input.Prefix ?? ''}`;
      const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix));
      return {
        Contents: keys.map((k) => ({ Key: k.slice(`${cmd.input.Bucket}/`.length) })),
        IsTruncated: false,
      };
    }
    if (cmd instanceof DeleteObjectCommand) {
      this.objects.delete(`${cmd.input.Bucket}/${cmd.input.Key}`);
      return {};
    }
    throw new Error(`fake s3: unsupported ${(cmd as object).constructor.name}`);
  }

  private configuration(version: string, env: Record<string, string>) {
    return {
      FunctionName: 'hypermob-recommend',
      Version: version,
      Environment: { Variables: { ...env } },
      RevisionId: version === '$LATEST' ? `latest-${this.latest.revision}` : `v${version}`,
      CodeSha256: version === '$LATEST' ? this.latest.code : this.versionCode.get(version),
      LastUpdateStatus: version === '$LATEST' ? this.latest.status : 'Successful',
      State: (this.pendingVersions.get(version) ?? 0) > 0 ? 'Pending' : 'Active',
    };
  }

  private getAlias() {
    if (!this.alias) throw awsError('ResourceNotFoundException');
    return {
      Name: 'live',
      FunctionVersion: this.alias.version,
      RoutingConfig: { AdditionalVersionWeights: { ...this.alias.weights } },
      Description: this.alias.description,
      RevisionId: `alias-${this.alias.revision}`,
    };
  }

  private lambda(cmd: unknown): unknown {
    if (cmd instanceof GetAliasCommand) return this.getAlias();
    if (cmd instanceof CreateAliasCommand) {
      if (this.alias) throw awsError('ResourceConflictException');
      this.alias = {
        version: cmd.input.FunctionVersion ?? '',
        weights: {},
        description: cmd.input.Description ?? '',
        revision: 1,
      };
      this.aliasWrites.push({ version: this.alias.version, weights: {} });
      return this.getAlias();
    }
    if (cmd instanceof UpdateAliasCommand) {
      if (!this.alias) throw awsError('ResourceNotFoundException');
      if (this.aliasConflicts > 0) {
        this.aliasConflicts--;
        throw awsError('ResourceConflictException', 'The operation cannot be performed at this time.');
      }
      if (cmd.input.RevisionId && cmd.input.RevisionId !== `alias-${this.alias.revision}`) {
        throw awsError('PreconditionFailedException');
      }
      const weights = { ...(cmd.input.RoutingConfig?.AdditionalVersionWeights ?? this.alias.weights) };
      const version = cmd.input.FunctionVersion ?? this.alias.version;
      if (
        Object.keys(weights).length > 1 ||
        version in weights ||
        '$LATEST' in weights ||
        version === '$LATEST'
      ) {
        throw awsError('InvalidParameterValueException', `bad routing ${version} ${JSON.stringify(weights)}`);
      }
      this.alias = {
        version,
        weights,
        description: cmd.input.Description ?? this.alias.description,
        revision: this.alias.revision + 1,
      };
      this.aliasWrites.push({ version, weights });
      return this.getAlias();
    }
    if (cmd instanceof GetFunctionConfigurationCommand) {
      const q = cmd.input.Qualifier ?? '$LATEST';
      if (q === '$LATEST') {
        const cfg = this.configuration('$LATEST', this.latest.env);
        if (this.latest.pendingReads > 0) this.latest.pendingReads--;
        if (this.latest.pendingReads === 0) this.latest.status = 'Successful';
        return cfg;
      }
      const env = this.versions.get(q);
      if (!env) throw awsError('ResourceNotFoundException');
      const cfg = this.configuration(q, env);
      const pending = this.pendingVersions.get(q) ?? 0;
      if (pending > 0) this.pendingVersions.set(q, pending - 1);
      return cfg;
    }
    if (cmd instanceof UpdateFunctionConfigurationCommand) {
      if (this.latest.status === 'InProgress') throw awsError('ResourceConflictException');
      if (cmd.input.RevisionId && cmd.input.RevisionId !== `latest-${this.latest.revision}`) {
        throw awsError('PreconditionFailedException');
      }
      this.latest.env = { ...(cmd.input.Environment?.Variables ?? {}) };
      this.latest.revision++;
      this.latest.status = 'InProgress';
      this.latest.pendingReads = this.updateLag;
      return this.configuration('$LATEST', this.latest.env);
    }
    if (cmd instanceof PublishVersionCommand) {
      if (this.latest.status === 'InProgress') throw awsError('ResourceConflictException');
      if (cmd.input.RevisionId && cmd.input.RevisionId !== `latest-${this.latest.revision}`) {
        throw awsError('PreconditionFailedException');
      }
      const version = String(this.versions.size + 1);
      this.versions.set(version, { ...this.latest.env });
      this.versionCode.set(version, this.latest.code);
      this.pendingVersions.set(version, this.publishLag);
      this.calls.push(`publish ${version}`);
      return this.configuration(version, this.latest.env);
    }
    if (cmd instanceof ListVersionsByFunctionCommand) {
      return {
        Versions: [
          this.configuration('$LATEST', this.latest.env),
          ...[...this.versions].map(([v, env]) => this.configuration(v, env)),
        ],
      };
    }
    if (cmd instanceof InvokeCommand) {
      const version = cmd.input.Qualifier ?? '$LATEST';
      if ((this.pendingVersions.get(version) ?? 0) > 0)
        throw awsError('ResourceNotReadyException', `version ${version} is Pending`);
      const env = this.versions.get(version) ?? {};
      this.calls.push(`invoke ${version}`);
      const body = {
        status: 'success',
        data: Object.fromEntries(TARGETS.map((t) => [t, 1])),
        model: { version, key: env.MODEL_KEY, sha256: env.MODEL_SHA256 },
        ...(this.brokenVersions.has(version) ? { degraded: true, reason: 'model failed to load' } : {}),
      };
      const payload = { statusCode: 200, body: JSON.stringify(body) };
      return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(payload)) };
    }
    throw new Error(`fake lambda: unsupported ${(cmd as object).constructor.name}`);
  }

  private sfn(cmd: unknown): unknown {
    if (cmd instanceof DescribeExecutionCommand) {
      this.calls.push('describe execution');
      const e = this.executions.get(cmd.input.executionArn ?? '');
      if (!e) throw awsError('ExecutionDoesNotExist');
      return {
        executionArn: e.arn,
        name: e.name,
        status: e.status,
        startDate: e.startDate,
        input: e.input,
        error: e.error,
        cause: e.cause,
      };
    }
    if (cmd instanceof ListExecutionsCommand) {
      this.calls.push('list executions');
      // Newest first, pages of maxResults, as Step Functions answers.
      const all = [...this.executions.values()]
        .filter((e) => !cmd.input.statusFilter || e.status === cmd.input.statusFilter)
        .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
      const from = Number(cmd.input.nextToken ?? 0);
      const size = cmd.input.maxResults ?? 100;
      const list = all.slice(from, from + size);
      return {
        ...(from + size < all.length ? { nextToken: String(from + size) } : {}),
        executions: list.map((e) => ({
          executionArn: e.arn,
          name: e.name,
          status: e.status,
          startDate: e.startDate,
        })),
      };
    }
    if (cmd instanceof StopExecutionCommand) {
      const e = this.executions.get(cmd.input.executionArn ?? '');
      if (!e) throw awsError('ExecutionDoesNotExist');
      if (e.status === 'RUNNING') {
        e.status = 'ABORTED';
        if (cmd.input.error) e.error = cmd.input.error;
        if (cmd.input.cause) e.cause = cmd.input.cause;
        this.calls.push(`stop ${e.name}`);
        e.onStop?.();
      }
      return { stopDate: new Date() };
    }
    throw new Error(`fake sfn: unsupported ${(cmd as object).constructor.name}`);
  }

  private cloudwatch(cmd: unknown): unknown {
    if (cmd instanceof GetMetricDataCommand) {
      this.metricRequests.push(cmd.input);
      const insights = (cmd.input.MetricDataQueries ?? []).filter((q) => q.Expression?.startsWith('SELECT'));
      if (insights.length > 1) throw awsError('ValidationError', 'Maximum number of queries (1) exceeded');
      const results = (cmd.input.MetricDataQueries ?? []).map((q) => {
        if (q.Expression !== undefined) {
          // The gate's Metrics Insights queries: SELECT AGG(Metric) FROM "ns" WHERE FunctionVersion = 'v'
          const m = /^SELECT \w+\((\w+)\) FROM "Hypermob" WHERE FunctionVersion = '([^']*)'$/.exec(
            q.Expression,
          );
          const app = m ? this.metrics.get(m[2] ?? '')?.app : undefined;
          const value = !app
            ? undefined
            : { Latency: app.requests, Errors: app.errors, DegradedResponses: app.degraded }[m?.[1] ?? ''];
          return { Id: q.Id, Values: value === undefined ? [] : [value] };
        }
        if (q.MetricStat?.Metric?.Namespace === METRICS.namespace)
          return { Id: q.Id, Values: this.outcome(q) };
        const version =
          q.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'ExecutedVersion')?.Value ?? '';
        const m = this.metrics.get(version);
        const name = q.MetricStat?.Metric?.MetricName;
        const value = !m
          ? undefined
          : name === 'Invocations'
            ? m.invocations
            : name === 'Errors'
              ? m.errors
              : q.MetricStat?.Stat === 'p50'
                ? (m.p50 ?? m.p99)
                : m.p99;
        return { Id: q.Id, Values: value === undefined ? [] : [value] };
      });
      return { MetricDataResults: results };
    }
    throw new Error(`fake cloudwatch: unsupported ${(cmd as object).constructor.name}`);
  }

  /**
   * An outcome MetricStat (Sum or SampleCount of OutcomeNormError, OutcomeNormSqError,
   * OutcomeAbsError_<t>, OutcomeSqError_<t>). Like CloudWatch, only the exact dimension set
   * [FunctionVersion] matches.
   */
  private outcome(q: MetricDataQuery): number[] {
    const stat = q.MetricStat;
    const dims = stat?.Metric?.Dimensions ?? [];
    const version = dims.length === 1 && dims[0]?.Name === 'FunctionVersion' ? dims[0].Value : undefined;
    const name = stat?.Metric?.MetricName ?? '';
    const o = METRICS.outcomes;
    const value = (f: { norm: number; abs: Partial<Record<string, number>> }): number | undefined => {
      if (name === o.normError) return f.norm;
      if (name === o.normSqError) return f.norm ** 2;
      const target = TARGETS.find((t) => name === o.absError(t) || name === o.sqError(t));
      const abs = target === undefined ? undefined : f.abs[target];
      if (abs === undefined) return undefined;
      return name === o.absError(target ?? '') ? abs : abs ** 2;
    };
    const values = (this.feedback.get(version ?? '') ?? []).flatMap((f) => {
      const v = value(f);
      return v === undefined ? [] : [v];
    });
    if (values.length === 0) return [];
    if (stat?.Stat === 'SampleCount') return [values.length];
    if (stat?.Stat === 'Sum') return [values.reduce((a, b) => a + b, 0)];
    throw new Error(`fake cloudwatch: outcome statistic ${stat?.Stat} not supported`);
  }
}

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { z } from 'zod';
import type { AwsCall } from '../aws-endpoint.js';
import { sendAwsError } from '../protocols.js';
import { effectiveQualifier, functionArn, parseFunctionName } from './arn.js';
import {
  createAlias,
  deleteAlias,
  getAlias,
  getFunction,
  getVersion,
  isPending,
  isUpdating,
  publishVersion,
  resolveQualifier,
  updateAlias,
  updateConfiguration,
} from './control-plane.js';
import { invalidParameter, LambdaApiError } from './errors.js';
import { type Alias, type FunctionConfig, type FunctionRecord, LATEST, nameMapSchema } from './model.js';
import type { ServiceContext } from './service.js';

/**
 * The Lambda REST-JSON API (the subset this system uses) as @aws-sdk/client-lambda and the AWS CLI
 * send it: the routing table (routes.ts) names the operation and its path parameters, bodies are
 * JSON, errors `x-amzn-ErrorType` + `{ Type, message }` (protocols.ts).
 */
const HOST_ARCH = process.arch === 'arm64' ? 'arm64' : 'x86_64';

const weightsSchema = nameMapSchema(z.number());
const routingSchema = z.object({ AdditionalVersionWeights: weightsSchema.optional() });
const updateConfigSchema = z.object({
  Environment: z.object({ Variables: nameMapSchema(z.string()).optional() }).optional(),
  MemorySize: z.number().int().optional(),
  Timeout: z.number().int().optional(),
  Description: z.string().optional(),
  Handler: z.string().optional(),
  RevisionId: z.string().optional(),
});
const publishSchema = z.object({
  CodeSha256: z.string().optional(),
  Description: z.string().optional(),
  RevisionId: z.string().optional(),
});
const createAliasSchema = z.object({
  Name: z.string(),
  FunctionVersion: z.string(),
  Description: z.string().optional(),
  RoutingConfig: routingSchema.optional(),
});
const updateAliasSchema = z.object({
  FunctionVersion: z.string().optional(),
  Description: z.string().optional(),
  RoutingConfig: routingSchema.optional(),
  RevisionId: z.string().optional(),
});

function parseBody<T>(schema: z.ZodType<T>, body: Buffer): T {
  let json: unknown;
  try {
    json = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    throw invalidParameter('Could not parse request body into json');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw invalidParameter(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

export function configurationJson(
  ctx: ServiceContext,
  fn: FunctionRecord,
  c: FunctionConfig,
  qualified: boolean,
) {
  const latest = c.version === LATEST;
  const updating = latest && isUpdating(fn, ctx.clock);
  const pending = isPending(c, ctx.clock);
  return {
    FunctionName: fn.name,
    FunctionArn: functionArn(
      ctx.region,
      ctx.accountId,
      fn.name,
      qualified || !latest ? c.version : undefined,
    ),
    Runtime: 'nodejs22.x',
    Role: `arn:aws:iam::${ctx.accountId}:role/${fn.name}-role`,
    Handler: c.handler,
    CodeSize: c.codeSize,
    Description: c.description,
    Timeout: c.timeoutSeconds,
    MemorySize: c.memoryMb,
    LastModified: c.lastModified,
    CodeSha256: c.codeSha256,
    Version: c.version,
    Environment: { Variables: c.environment },
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: c.revisionId,
    State: pending ? 'Pending' : 'Active',
    ...(pending ? { StateReason: 'The function is being created.', StateReasonCode: 'Creating' } : {}),
    LastUpdateStatus: updating ? 'InProgress' : 'Successful',
    ...(updating
      ? { LastUpdateStatusReason: 'The function is being updated.', LastUpdateStatusReasonCode: 'Updating' }
      : {}),
    PackageType: 'Zip',
    Architectures: [HOST_ARCH],
    EphemeralStorage: { Size: 512 },
    LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${fn.name}` },
  };
}

function aliasJson(ctx: ServiceContext, fn: FunctionRecord, a: Alias) {
  return {
    AliasArn: functionArn(ctx.region, ctx.accountId, fn.name, a.name),
    Name: a.name,
    FunctionVersion: a.functionVersion,
    Description: a.description,
    ...(Object.keys(a.weights).length > 0 ? { RoutingConfig: { AdditionalVersionWeights: a.weights } } : {}),
    RevisionId: a.revisionId,
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

function page<T>(items: T[], marker: string | null, maxItems: string | null) {
  const start = marker ? Number(marker) : 0;
  const max = maxItems ? Math.min(10_000, Math.max(1, Number(maxItems))) : 50;
  if (!Number.isInteger(start) || start < 0) throw invalidParameter(`Invalid Marker ${marker}`);
  const slice = items.slice(start, start + max);
  const next = start + max < items.length ? String(start + max) : undefined;
  return { slice, next };
}

export async function serveLambdaRest(
  ctx: ServiceContext,
  call: AwsCall,
  res: ServerResponse,
): Promise<void> {
  try {
    await serveOperation(ctx, call, res);
  } catch (err) {
    const e =
      err instanceof LambdaApiError
        ? err
        : new LambdaApiError('ServiceException', 500, err instanceof Error ? err.message : String(err));
    sendAwsError(res, 'rest-json', e);
  }
}

async function serveOperation(ctx: ServiceContext, call: AwsCall, res: ServerResponse): Promise<void> {
  const { route, req, body } = call;
  // A change is visible to other control-plane calls only once it is on disk, as on AWS, where what
  // GetAlias shows survives anything: a read during a write's save waits for it, so a crash test
  // that kills the cloud after seeing a weight never finds it gone after the restart.
  // Checked again after each wait: another write may have changed the state meanwhile.
  if (route.operation !== 'Invoke') while (ctx.saving()) await ctx.saved();
  const q = new URL(req.url ?? '/', 'http://local').searchParams;
  if (route.operation === 'ListFunctions') {
    const all = Object.values(ctx.state.functions).map((fn) => configurationJson(ctx, fn, fn.latest, false));
    const { slice, next } = page(all, q.get('Marker'), q.get('MaxItems'));
    return send(res, 200, { Functions: slice, ...(next ? { NextMarker: next } : {}) });
  }

  const rawName = route.params.FunctionName ?? '';
  const aliasName = route.params.Name ?? '';
  const parsed = parseFunctionName(rawName);
  const fn = getFunction(ctx.state, parsed.name);
  const qualifier = effectiveQualifier(parsed.qualifier, q.get('Qualifier') ?? undefined);

  switch (route.operation) {
    case 'GetFunction':
    case 'GetFunctionConfiguration': {
      const configurationOnly = route.operation === 'GetFunctionConfiguration';
      const resolved = resolveQualifier(fn, qualifier);
      if (resolved.kind === 'alias') {
        // Lambda answers for the alias's primary version, with the alias ARN.
        const c = getVersion(fn, resolved.alias.functionVersion);
        const json = {
          ...configurationJson(ctx, fn, c, true),
          FunctionArn: functionArn(ctx.region, ctx.accountId, fn.name, qualifier),
        };
        return send(res, 200, configurationOnly ? json : { Configuration: json, Code: codeJson(ctx, c) });
      }
      const json = configurationJson(ctx, fn, resolved.config, qualifier !== undefined);
      return send(
        res,
        200,
        configurationOnly ? json : { Configuration: json, Code: codeJson(ctx, resolved.config), Tags: {} },
      );
    }
    case 'UpdateFunctionConfiguration': {
      const input = parseBody(updateConfigSchema, body);
      const c = updateConfiguration(
        fn,
        {
          environment: input.Environment ? (input.Environment.Variables ?? {}) : undefined,
          memoryMb: input.MemorySize,
          timeoutSeconds: input.Timeout,
          description: input.Description,
          handler: input.Handler,
          revisionId: input.RevisionId,
        },
        ctx.clock,
        ctx.settleMs,
      );
      await ctx.save();
      return send(res, 200, configurationJson(ctx, fn, c, false));
    }
    case 'PublishVersion': {
      const input = parseBody(publishSchema, body);
      const { config, created } = publishVersion(
        fn,
        { codeSha256: input.CodeSha256, revisionId: input.RevisionId, description: input.Description },
        ctx.clock,
        ctx.pendingMs,
      );
      if (created) await ctx.save();
      return send(res, 201, configurationJson(ctx, fn, config, true));
    }
    case 'ListVersionsByFunction': {
      const all = [fn.latest, ...fn.versions].map((c) => configurationJson(ctx, fn, c, true));
      const { slice, next } = page(all, q.get('Marker'), q.get('MaxItems'));
      return send(res, 200, { Versions: slice, ...(next ? { NextMarker: next } : {}) });
    }
    case 'CreateAlias': {
      const input = parseBody(createAliasSchema, body);
      const alias = createAlias(fn, {
        name: input.Name,
        functionVersion: input.FunctionVersion,
        description: input.Description,
        weights: input.RoutingConfig?.AdditionalVersionWeights,
      });
      await ctx.save();
      return send(res, 201, aliasJson(ctx, fn, alias));
    }
    case 'ListAliases': {
      const version = q.get('FunctionVersion');
      const all = Object.values(fn.aliases)
        .filter((a) => !version || a.functionVersion === version)
        .map((a) => aliasJson(ctx, fn, a));
      const { slice, next } = page(all, q.get('Marker'), q.get('MaxItems'));
      return send(res, 200, { Aliases: slice, ...(next ? { NextMarker: next } : {}) });
    }
    case 'GetAlias':
      return send(res, 200, aliasJson(ctx, fn, getAlias(fn, aliasName)));
    case 'UpdateAlias': {
      const input = parseBody(updateAliasSchema, body);
      const alias = updateAlias(fn, aliasName, {
        functionVersion: input.FunctionVersion,
        description: input.Description,
        weights: input.RoutingConfig ? (input.RoutingConfig.AdditionalVersionWeights ?? {}) : undefined,
        revisionId: input.RevisionId,
      });
      await ctx.save();
      return send(res, 200, aliasJson(ctx, fn, alias));
    }
    case 'DeleteAlias': {
      deleteAlias(fn, aliasName);
      await ctx.save();
      return send(res, 204, undefined);
    }
    case 'Invoke':
      return invokeRoute(ctx, req, res, body, rawName, qualifier);
  }
  throw new Error(`lambda: no handler for routed operation ${route.operation}`);
}

function codeJson(ctx: ServiceContext, c: FunctionConfig) {
  return { RepositoryType: 'S3', Location: `file://${path.resolve(ctx.lambdaDir, c.codeDir)}` };
}

async function invokeRoute(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  rawName: string,
  qualifier: string | undefined,
): Promise<void> {
  const type = req.headers['x-amz-invocation-type'] ?? 'RequestResponse';
  if (type === 'DryRun') {
    resolveQualifier(getFunction(ctx.state, parseFunctionName(rawName).name), qualifier);
    res.writeHead(204, { 'x-amzn-requestid': randomUUID() });
    res.end();
    return;
  }
  if (type === 'Event') {
    // Validate now (unknown function → 404), run in the background like Lambda's async queue.
    resolveQualifier(getFunction(ctx.state, parseFunctionName(rawName).name), qualifier);
    void ctx.invoke(rawName, qualifier, body).catch(() => {});
    res.writeHead(202, { 'x-amzn-requestid': randomUUID(), 'content-length': 0 });
    res.end();
    return;
  }
  if (type !== 'RequestResponse') throw invalidParameter(`Unsupported InvocationType ${type}`);
  const out = await ctx.invoke(rawName, qualifier, body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': out.payload.length,
    'x-amz-executed-version': out.executedVersion,
    'x-amzn-requestid': randomUUID(),
  };
  if (out.functionError) headers['x-amz-function-error'] = out.functionError;
  res.writeHead(out.statusCode, headers);
  res.end(out.payload);
}

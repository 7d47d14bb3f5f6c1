import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { z } from 'zod';
import { effectiveQualifier, functionArn, parseFunctionName } from './arn.js';
import {
  createAlias,
  deleteAlias,
  getAlias,
  getFunction,
  getVersion,
  isUpdating,
  publishVersion,
  resolveQualifier,
  updateAlias,
  updateConfiguration,
} from './control-plane.js';
import { invalidParameter, LambdaApiError } from './errors.js';
import { type Alias, type FunctionConfig, type FunctionRecord, LATEST } from './model.js';
import type { ServiceContext } from './service.js';

/**
 * The Lambda REST-JSON API (the subset this system uses) as @aws-sdk/client-lambda and the AWS CLI
 * send it: routes under /2015-03-31/functions, JSON bodies, errors as `x-amzn-ErrorType` + `{ Type,
 * message }`.
 */
const LAMBDA_PREFIX =
  /^\/(2014-11-13|2015-03-31|2016-08-19|2017-03-31|2017-10-31|2018-10-31|2019-09-25|2019-09-30|2020-04-22|2020-06-30|2021-10-31)\//;

export function isLambdaPath(url: string): boolean {
  return LAMBDA_PREFIX.test(url);
}

const HOST_ARCH = process.arch === 'arm64' ? 'arm64' : 'x86_64';

const weightsSchema = z.record(z.string(), z.number());
const routingSchema = z.object({ AdditionalVersionWeights: weightsSchema.optional() });
const updateConfigSchema = z.object({
  Environment: z.object({ Variables: z.record(z.string(), z.string()).optional() }).optional(),
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
    State: 'Active',
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

export function sendError(res: ServerResponse, err: LambdaApiError): void {
  const text = JSON.stringify({ Type: err.status >= 500 ? 'Service' : 'User', message: err.message });
  res.writeHead(err.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-errortype': err.type,
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

export async function handleLambdaRest(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): Promise<void> {
  try {
    await route(ctx, req, res, body);
  } catch (err) {
    if (err instanceof LambdaApiError) sendError(res, err);
    else
      sendError(
        res,
        new LambdaApiError('ServiceException', 500, err instanceof Error ? err.message : String(err)),
      );
  }
}

async function route(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://local');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const method = req.method ?? 'GET';
  const q = url.searchParams;
  const [apiVersion, collection, rawName, sub, subName] = parts;

  if (apiVersion !== '2015-03-31' || collection !== 'functions') {
    throw new LambdaApiError(
      'UnknownOperationException',
      404,
      `The local cloud does not implement ${method} ${url.pathname}`,
    );
  }
  if (rawName === undefined) {
    if (method !== 'GET')
      throw new LambdaApiError('UnknownOperationException', 404, `${method} ${url.pathname}`);
    const all = Object.values(ctx.state.functions).map((fn) => configurationJson(ctx, fn, fn.latest, false));
    const { slice, next } = page(all, q.get('Marker'), q.get('MaxItems'));
    return send(res, 200, { Functions: slice, ...(next ? { NextMarker: next } : {}) });
  }

  const parsed = parseFunctionName(rawName);
  const fn = getFunction(ctx.state, parsed.name);
  const qualifier = effectiveQualifier(parsed.qualifier, q.get('Qualifier') ?? undefined);
  const key = `${method} ${sub ?? ''}${subName !== undefined ? '/*' : ''}`;

  switch (key) {
    case 'GET ':
    case 'GET configuration': {
      const resolved = resolveQualifier(fn, qualifier);
      if (resolved.kind === 'alias') {
        // Lambda answers for the alias's primary version, with the alias ARN.
        const c = getVersion(fn, resolved.alias.functionVersion);
        const json = {
          ...configurationJson(ctx, fn, c, true),
          FunctionArn: functionArn(ctx.region, ctx.accountId, fn.name, qualifier),
        };
        return send(res, 200, sub ? json : { Configuration: json, Code: codeJson(ctx, c) });
      }
      const json = configurationJson(ctx, fn, resolved.config, qualifier !== undefined);
      return send(
        res,
        200,
        sub ? json : { Configuration: json, Code: codeJson(ctx, resolved.config), Tags: {} },
      );
    }
    case 'PUT configuration': {
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
    case 'POST versions': {
      const input = parseBody(publishSchema, body);
      const { config, created } = publishVersion(
        fn,
        { codeSha256: input.CodeSha256, revisionId: input.RevisionId, description: input.Description },
        ctx.clock,
      );
      if (created) await ctx.save();
      return send(res, 201, configurationJson(ctx, fn, config, true));
    }
    case 'GET versions': {
      const all = [fn.latest, ...fn.versions].map((c) => configurationJson(ctx, fn, c, true));
      const { slice, next } = page(all, q.get('Marker'), q.get('MaxItems'));
      return send(res, 200, { Versions: slice, ...(next ? { NextMarker: next } : {}) });
    }
    case 'POST aliases': {
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
    case 'GET aliases': {
      const version = q.get('FunctionVersion');
      const all = Object.values(fn.aliases)
        .filter((a) => !version || a.functionVersion === version)
        .map((a) => aliasJson(ctx, fn, a));
      const { slice, next } = page(all, q.get('Marker'), q.get('MaxItems'));
      return send(res, 200, { Aliases: slice, ...(next ? { NextMarker: next } : {}) });
    }
    case 'GET aliases/*':
      return send(res, 200, aliasJson(ctx, fn, getAlias(fn, subName as string)));
    case 'PUT aliases/*': {
      const input = parseBody(updateAliasSchema, body);
      const alias = updateAlias(fn, subName as string, {
        functionVersion: input.FunctionVersion,
        description: input.Description,
        weights: input.RoutingConfig ? (input.RoutingConfig.AdditionalVersionWeights ?? {}) : undefined,
        revisionId: input.RevisionId,
      });
      await ctx.save();
      return send(res, 200, aliasJson(ctx, fn, alias));
    }
    case 'DELETE aliases/*': {
      deleteAlias(fn, subName as string);
      await ctx.save();
      return send(res, 204, undefined);
    }
    case 'POST invocations':
      return invokeRoute(ctx, req, res, body, rawName, qualifier);
  }
  throw new LambdaApiError(
    'UnknownOperationException',
    404,
    `The local cloud does not implement ${method} ${url.pathname}`,
  );
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

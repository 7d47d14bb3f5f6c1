import { z } from 'zod';
import { TARGETS } from '../../shared/contract.js';

/**
 * Pre-traffic probes: real API Gateway REST proxy events for POST /recommend with valid bodies
 * (a short, a median and a tall driver, docs/domain.md §2), and the check of each answer. Pure.
 */
const BODIES = [
  { height: 158, upper_arm: 30, forearm: 24, thigh: 41, calf: 35, torso: 57 },
  { height: 175, upper_arm: 32.5, forearm: 26.8, thigh: 45.2, calf: 38.9, torso: 61.5 },
  { height: 192, upper_arm: 36, forearm: 29, thigh: 50, calf: 43, torso: 66 },
] as const;

export function probeEvent(index: number, version: string) {
  const body = { ...BODIES[index % BODIES.length], user_id: `rollout-pretraffic-${index}` };
  const now = Date.now();
  return {
    resource: '/recommend',
    path: '/recommend',
    httpMethod: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'hypermob-rollout-pretraffic' },
    multiValueHeaders: { 'content-type': ['application/json'] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      resourcePath: '/recommend',
      httpMethod: 'POST',
      path: '/prod/recommend',
      stage: 'prod',
      requestId: `pretraffic-${version}-${index}-${now}`,
      requestTimeEpoch: now,
      identity: { sourceIp: '127.0.0.1', userAgent: 'hypermob-rollout-pretraffic' },
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

const answerSchema = z.object({
  statusCode: z.number(),
  body: z.string(),
});

const bodySchema = z.object({
  status: z.string(),
  data: z.record(z.string(), z.number()).optional(),
  model: z
    .object({ version: z.string().optional(), key: z.string().optional(), sha256: z.string() })
    .optional(),
  degraded: z.boolean().optional(),
  reason: z.string().optional(),
});

/** Problems with one probe's answer; empty when it is what a healthy new version must say. */
export function checkProbeAnswer(answer: unknown, expected: { sha256: string; version: string }): string[] {
  const outer = answerSchema.safeParse(answer);
  if (!outer.success) return ['not an API Gateway proxy result'];
  if (outer.data.statusCode !== 200)
    return [`status ${outer.data.statusCode}: ${outer.data.body.slice(0, 300)}`];
  let json: unknown;
  try {
    json = JSON.parse(outer.data.body);
  } catch {
    return ['body is not JSON'];
  }
  const body = bodySchema.safeParse(json);
  if (!body.success) return ['body is not a recommend answer'];
  const b = body.data;
  const problems: string[] = [];
  if (b.status !== 'success') problems.push(`status "${b.status}"`);
  if (b.degraded) problems.push(`degraded: ${b.reason ?? 'no reason given'}`);
  if (b.model?.sha256 !== expected.sha256) {
    problems.push(`serves sha256 ${b.model?.sha256 ?? 'none'}, expected the pinned ${expected.sha256}`);
  }
  if (b.model?.version !== undefined && b.model.version !== expected.version) {
    problems.push(`answered from version ${b.model.version}, expected ${expected.version}`);
  }
  const missing = TARGETS.filter((t) => !Number.isFinite(b.data?.[t]));
  if (missing.length > 0) problems.push(`no finite value for ${missing.join(', ')}`);
  return problems;
}

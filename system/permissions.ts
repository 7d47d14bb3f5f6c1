import { BUCKET_PREFIXES, type FunctionKey, LIVE_ALIAS, UPLOAD_SUFFIX } from './manifest.js';

/**
 * What each function may do, stated once as data: every statement matches SDK calls the function's
 * code makes. The CDK app turns these into each function's role (infra/roles.ts), and the local cloud
 * evaluates every call a function makes against the same statements, so a permission missing here
 * fails the integration tests exactly as it would fail on AWS.
 *
 * Resources are symbolic, because their ARNs differ per runtime (CloudFormation tokens on AWS,
 * literal ARNs locally); `resolveResource` turns them into ARNs with the runtime's names.
 */
export type ResourceRef =
  /** Objects of the model bucket matching a key pattern (IAM wildcards: `*` spans `/`). */
  | { kind: 'objects'; pattern: string }
  /** The key the first deployment serves, when it names one outside `pinned/` (none otherwise). */
  | { kind: 'initial-model' }
  /** The model bucket itself (ListBucket). */
  | { kind: 'bucket' }
  /** hypermob-recommend: unqualified, its alias `live`, or any qualifier (`*`: versions and aliases). */
  | { kind: 'recommend'; qualifier?: typeof LIVE_ALIAS | '*' }
  | { kind: 'state-machine' }
  /** Executions of the rollout state machine. */
  | { kind: 'executions' }
  /** The Secrets Manager secret whose value signs recommendation ids. */
  | { kind: 'recommendation-key' }
  /** Actions that have no resource-level permissions. */
  | { kind: 'any' };

export interface PermissionStatement {
  sid: string;
  actions: string[];
  resources: ResourceRef[];
  /** Why a wildcard in these resources is the narrowest scope IAM offers (cdk-nag IAM5). */
  why?: string;
}

const objects = (pattern: string): ResourceRef => ({ kind: 'objects', pattern });
const UPLOADS = objects(`*${UPLOAD_SUFFIX}`);
const PINNED = objects(`${BUCKET_PREFIXES.pinned}*`);
const GOLDEN = objects(`${BUCKET_PREFIXES.golden}*`);
const REPORTS = objects(`${BUCKET_PREFIXES.reports}*`);
const LINEAGE = objects(`${BUCKET_PREFIXES.rollouts}*`);
const RECOMMEND: ResourceRef = { kind: 'recommend' };
const LIVE: ResourceRef = { kind: 'recommend', qualifier: LIVE_ALIAS };
const VERSIONS: ResourceRef = { kind: 'recommend', qualifier: '*' };

const S3_READ = ['s3:GetObject', 's3:GetObjectVersion'];

/** Why each wildcard is the narrowest scope IAM offers (cdk-nag IAM5 acknowledgements). */
export const WHY = {
  objects:
    'object ARNs name keys that do not exist yet; the pattern is one pipeline prefix (or the *.onnx suffix the rollout trigger matches) of the one model bucket, never the whole bucket',
  versions:
    'each rollout publishes a new hypermob-recommend version whose number is unknown at deploy time; <function ARN>:* covers the versions and aliases of this one function only',
  executions:
    'execution names are made per upload; the wildcard covers executions of hypermob-model-rollout only (superseding an older rollout stops it)',
  getMetricData:
    'cloudwatch:GetMetricData has no resource-level permissions (AWS Service Authorization Reference); it is read-only and used for the candidate-only health gates',
} as const;

/**
 * Without s3:ListBucket on the bucket, S3 answers 403 AccessDenied instead of 404 for a key that does
 * not exist (HeadObject and GetObject, "Permissions"): every function that reads a key which may be
 * missing — a lineage record not yet written, a pin not yet made, the golden set — needs it to tell
 * "missing" from "forbidden".
 */
const LIST_BUCKET: PermissionStatement = {
  sid: 'TellMissingFromForbidden',
  actions: ['s3:ListBucket'],
  resources: [{ kind: 'bucket' }],
};

/** GetSecretValue of the one secret; AWSCURRENT signs, AWSPREVIOUS still verifies after a rotation. */
const READ_RECOMMENDATION_KEY: PermissionStatement = {
  sid: 'ReadRecommendationKey',
  actions: ['secretsmanager:GetSecretValue'],
  resources: [{ kind: 'recommendation-key' }],
};

export const PERMISSIONS: Record<FunctionKey, PermissionStatement[]> = {
  recommend: [
    {
      sid: 'ReadPinnedModels',
      actions: S3_READ,
      resources: [PINNED, { kind: 'initial-model' }],
      why: 'a published version reads only the immutable model copy the release step pinned; object ARNs name keys that do not exist yet, so the pipeline prefix is the narrowest scope',
    },
    READ_RECOMMENDATION_KEY,
  ],
  feedback: [READ_RECOMMENDATION_KEY],
  validate: [
    {
      sid: 'ReadCandidateLiveAndGolden',
      actions: S3_READ,
      resources: [UPLOADS, PINNED, { kind: 'initial-model' }, GOLDEN],
      why: WHY.objects,
    },
    { sid: 'WriteReports', actions: ['s3:PutObject'], resources: [REPORTS], why: WHY.objects },
    LIST_BUCKET,
    { sid: 'ReadLiveAlias', actions: ['lambda:GetAlias'], resources: [RECOMMEND, LIVE] },
    {
      sid: 'ReadLiveVersionConfig',
      actions: ['lambda:GetFunctionConfiguration'],
      resources: [VERSIONS],
      why: WHY.versions,
    },
  ],
  release: [
    { sid: 'ReadUploadsAndPins', actions: S3_READ, resources: [UPLOADS, PINNED], why: WHY.objects },
    {
      sid: 'PinModels',
      actions: ['s3:PutObject', 's3:DeleteObjectVersion'],
      resources: [PINNED],
      why: WHY.objects,
    },
    { sid: 'Lineage', actions: ['s3:GetObject', 's3:PutObject'], resources: [LINEAGE], why: WHY.objects },
    LIST_BUCKET,
    {
      sid: 'PublishRecommend',
      actions: [
        'lambda:GetFunctionConfiguration',
        'lambda:UpdateFunctionConfiguration',
        'lambda:PublishVersion',
        'lambda:ListVersionsByFunction',
        'lambda:GetAlias',
      ],
      resources: [RECOMMEND, LIVE],
    },
    {
      sid: 'ProbeNewVersion',
      // GetFunctionConfiguration with a version Qualifier: wait for the version to be Active first.
      actions: ['lambda:GetFunctionConfiguration', 'lambda:InvokeFunction'],
      resources: [VERSIONS],
      why: WHY.versions,
    },
  ],
  traffic: [
    { sid: 'ReadUploadMetadata', actions: S3_READ, resources: [UPLOADS], why: WHY.objects },
    { sid: 'Lineage', actions: ['s3:GetObject', 's3:PutObject'], resources: [LINEAGE], why: WHY.objects },
    LIST_BUCKET,
    {
      sid: 'MoveLiveAlias',
      // CreateAlias: the first rollout creates live when no deployment made it (the local cloud's).
      actions: ['lambda:GetAlias', 'lambda:UpdateAlias', 'lambda:CreateAlias'],
      resources: [RECOMMEND, LIVE],
    },
    {
      sid: 'CheckRollbackVersion',
      actions: ['lambda:GetFunctionConfiguration'],
      resources: [VERSIONS],
      why: WHY.versions,
    },
    { sid: 'ListRollouts', actions: ['states:ListExecutions'], resources: [{ kind: 'state-machine' }] },
    {
      sid: 'SupersedeRollouts',
      actions: ['states:DescribeExecution', 'states:StopExecution'],
      resources: [{ kind: 'executions' }],
      why: WHY.executions,
    },
    {
      sid: 'ReadCandidateMetrics',
      actions: ['cloudwatch:GetMetricData'],
      resources: [{ kind: 'any' }],
      why: WHY.getMetricData,
    },
  ],
};

/** The ARNs of one runtime: CloudFormation tokens in CDK, literal strings in the local cloud. */
export interface ArnNames {
  bucketArn: string;
  recommendArn: string;
  stateMachineArn: string;
  /** `arn:…:execution:hypermob-model-rollout:*` */
  executionsArn: string;
  /** The deployment's initial model key ('' = none). */
  initialModelKey: string;
  /**
   * The recommendation key secret's full ARN (`arn:…:secret:<name>-<6 characters>`). Only runtimes
   * that build the roles of recommend or feedback need it.
   */
  recommendationKeyArn?: string;
}

export class MissingArnError extends Error {
  override name = 'MissingArn';
}

export function resolveResource(ref: ResourceRef, n: ArnNames): string[] {
  switch (ref.kind) {
    case 'objects':
      return [`${n.bucketArn}/${ref.pattern}`];
    case 'initial-model':
      return n.initialModelKey !== '' && !n.initialModelKey.startsWith(BUCKET_PREFIXES.pinned)
        ? [`${n.bucketArn}/${n.initialModelKey}`]
        : [];
    case 'bucket':
      return [n.bucketArn];
    case 'recommend':
      return [ref.qualifier ? `${n.recommendArn}:${ref.qualifier}` : n.recommendArn];
    case 'state-machine':
      return [n.stateMachineArn];
    case 'executions':
      return [n.executionsArn];
    case 'recommendation-key':
      if (!n.recommendationKeyArn) throw new MissingArnError('ArnNames has no recommendationKeyArn');
      return [n.recommendationKeyArn];
    case 'any':
      return ['*'];
  }
}

/**
 * One function's statements as an IAM policy document, with this runtime's ARNs. `permissions` is
 * PERMISSIONS except in tests that show what a missing statement breaks.
 */
export function policyDocument(fn: FunctionKey, n: ArnNames, permissions = PERMISSIONS) {
  return {
    Version: '2012-10-17',
    Statement: permissions[fn].map((s) => ({
      Sid: s.sid,
      Effect: 'Allow',
      Action: s.actions,
      Resource: s.resources.flatMap((r) => resolveResource(r, n)),
    })),
  };
}

import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { accessChecks } from '../../local-cloud/iam/actions.js';
import { accessKeyIdOf } from '../../local-cloud/iam/credentials.js';
import { missingKeyCheck, s3AccessChecks } from '../../local-cloud/iam/s3-actions.js';
import { routeRequest } from '../../local-cloud/routes.js';

const ACCOUNT = { region: 'us-east-1', accountId: '000000000000' };
const FN = 'arn:aws:lambda:us-east-1:000000000000:function:hypermob-recommend';
const SM = 'arn:aws:states:us-east-1:000000000000:stateMachine:hypermob-model-rollout';
const OBJ = 'arn:aws:s3:::hypermob-models';

/** Routes the request as the endpoint does, then maps it. */
function checks(method: string, url: string, headers: IncomingHttpHeaders = {}, body = '') {
  const found = routeRequest(method, url, headers);
  if (!found.ok) throw new Error(`unrouted: ${method} ${url}`);
  return accessChecks(found.route, { method, url, headers, body: Buffer.from(body) }, ACCOUNT);
}
const s3 = (method: string, url: string, headers: IncomingHttpHeaders = {}, body = '') =>
  s3AccessChecks(method, url, headers, Buffer.from(body));

describe('IAM checks: S3 operations from method, path, query and headers', () => {
  it.each([
    ['GET', '/hypermob-models/rollouts/x.json', 's3:GetObject', `${OBJ}/rollouts/x.json`],
    ['HEAD', '/hypermob-models/rollouts/x.json', 's3:GetObject', `${OBJ}/rollouts/x.json`],
    ['GET', '/hypermob-models/pinned/a.model?versionId=v1', 's3:GetObjectVersion', `${OBJ}/pinned/a.model`],
    ['PUT', '/hypermob-models/reports/e.json', 's3:PutObject', `${OBJ}/reports/e.json`],
    ['POST', '/hypermob-models/big.onnx?uploads', 's3:PutObject', `${OBJ}/big.onnx`],
    ['PUT', '/hypermob-models/big.onnx?partNumber=1&uploadId=u', 's3:PutObject', `${OBJ}/big.onnx`],
    ['POST', '/hypermob-models/big.onnx?uploadId=u', 's3:PutObject', `${OBJ}/big.onnx`],
    ['DELETE', '/hypermob-models/big.onnx?uploadId=u', 's3:AbortMultipartUpload', `${OBJ}/big.onnx`],
    ['GET', '/hypermob-models/big.onnx?uploadId=u', 's3:ListMultipartUploadParts', `${OBJ}/big.onnx`],
    ['DELETE', '/hypermob-models/pinned/a.model', 's3:DeleteObject', `${OBJ}/pinned/a.model`],
    [
      'DELETE',
      '/hypermob-models/pinned/a.model?versionId=v1',
      's3:DeleteObjectVersion',
      `${OBJ}/pinned/a.model`,
    ],
    ['GET', '/hypermob-models/m.onnx?tagging', 's3:GetObjectTagging', `${OBJ}/m.onnx`],
    ['GET', '/hypermob-models?list-type=2&prefix=rollouts/', 's3:ListBucket', OBJ],
    ['GET', '/hypermob-models/', 's3:ListBucket', OBJ],
    ['HEAD', '/hypermob-models', 's3:ListBucket', OBJ],
    ['GET', '/hypermob-models?versions', 's3:ListBucketVersions', OBJ],
    ['GET', '/hypermob-models?location', 's3:GetBucketLocation', OBJ],
    ['PUT', '/hypermob-models', 's3:CreateBucket', OBJ],
    ['DELETE', '/hypermob-models', 's3:DeleteBucket', OBJ],
    ['PUT', '/hypermob-models?cors', 's3:PutBucketCORS', OBJ],
    ['GET', '/', 's3:ListAllMyBuckets', '*'],
  ])('%s %s → %s on %s', (method, url, action, resource) => {
    expect(s3(method, url)).toEqual([{ action, resource }]);
  });

  it('a key is decoded, and a virtual-hosted request names its bucket from the host', () => {
    expect(s3('GET', '/hypermob-models/a%20b/c%2Bd.onnx')).toEqual([
      { action: 's3:GetObject', resource: `${OBJ}/a b/c+d.onnx` },
    ]);
    expect(checks('GET', '/golden/golden_set.json', { host: 'hypermob-models.localhost:4566' })).toEqual([
      { action: 's3:GetObject', resource: `${OBJ}/golden/golden_set.json` },
    ]);
  });

  it('CopyObject reads the source and writes the target; the default tagging directive copies tags', () => {
    const target = `${OBJ}/pinned/abc.model`;
    const source = `${OBJ}/uploads/m.onnx`;
    const copy = { 'x-amz-copy-source': '/hypermob-models/uploads/m.onnx' };
    expect(
      s3('PUT', '/hypermob-models/pinned/abc.model', { ...copy, 'x-amz-tagging-directive': 'REPLACE' }),
    ).toEqual([
      { action: 's3:PutObject', resource: target },
      { action: 's3:GetObject', resource: source },
    ]);
    expect(s3('PUT', '/hypermob-models/pinned/abc.model', copy)).toEqual([
      { action: 's3:PutObject', resource: target },
      { action: 's3:GetObject', resource: source },
      { action: 's3:GetObjectTagging', resource: source },
      { action: 's3:PutObjectTagging', resource: target },
    ]);
    expect(
      s3('PUT', '/hypermob-models/pinned/abc.model', {
        'x-amz-copy-source': 'hypermob-models/uploads/m.onnx?versionId=v7',
        'x-amz-tagging-directive': 'REPLACE',
      }),
    ).toContainEqual({ action: 's3:GetObjectVersion', resource: source });
  });

  it('tags or an ACL given with a write need their own actions', () => {
    expect(
      s3('PUT', '/hypermob-models/m.onnx', { 'x-amz-tagging': 'team=ml', 'x-amz-acl': 'private' }),
    ).toEqual([
      { action: 's3:PutObject', resource: `${OBJ}/m.onnx` },
      { action: 's3:PutObjectTagging', resource: `${OBJ}/m.onnx` },
      { action: 's3:PutObjectAcl', resource: `${OBJ}/m.onnx` },
    ]);
  });

  it('DeleteObjects needs s3:DeleteObject on every key it names', () => {
    const body =
      '<Delete><Object><Key>a&amp;b.onnx</Key></Object><Object><Key>reports/x.json</Key></Object></Delete>';
    expect(s3('POST', '/hypermob-models?delete', {}, body)).toEqual([
      { action: 's3:DeleteObject', resource: `${OBJ}/a&b.onnx` },
      { action: 's3:DeleteObject', resource: `${OBJ}/reports/x.json` },
    ]);
  });

  it('the missing-key rule applies to GetObject and HeadObject only', () => {
    const list = { action: 's3:ListBucket', resource: OBJ };
    expect(missingKeyCheck('GET', '/hypermob-models/rollouts/x.json')).toEqual(list);
    expect(missingKeyCheck('HEAD', '/hypermob-models/rollouts/x.json?versionId=v')).toEqual(list);
    expect(missingKeyCheck('GET', '/hypermob-models/m.onnx?tagging')).toBeUndefined();
    expect(missingKeyCheck('GET', '/hypermob-models?list-type=2')).toBeUndefined();
    expect(missingKeyCheck('PUT', '/hypermob-models/m.onnx')).toBeUndefined();
  });
});

describe('IAM checks: Lambda, Step Functions and CloudWatch from the routing table', () => {
  it('alias and version operations act on the function ARN, whatever alias they name', () => {
    expect(checks('GET', '/2015-03-31/functions/hypermob-recommend/aliases/live')).toEqual([
      { action: 'lambda:GetAlias', resource: FN },
    ]);
    expect(checks('PUT', `/2015-03-31/functions/${encodeURIComponent(FN)}/aliases/live`)).toEqual([
      { action: 'lambda:UpdateAlias', resource: FN },
    ]);
    expect(checks('POST', '/2015-03-31/functions/hypermob-recommend/versions')).toEqual([
      { action: 'lambda:PublishVersion', resource: FN },
    ]);
  });

  it('Invoke is lambda:InvokeFunction on the ARN qualified as the call qualifies it', () => {
    expect(checks('POST', '/2015-03-31/functions/hypermob-recommend/invocations?Qualifier=7')).toEqual([
      { action: 'lambda:InvokeFunction', resource: `${FN}:7` },
    ]);
    expect(checks('POST', '/2015-03-31/functions/hypermob-recommend:live/invocations')).toEqual([
      { action: 'lambda:InvokeFunction', resource: `${FN}:live` },
    ]);
    expect(checks('GET', '/2015-03-31/functions/hypermob-recommend/configuration?Qualifier=3')).toEqual([
      { action: 'lambda:GetFunctionConfiguration', resource: `${FN}:3` },
    ]);
    expect(checks('GET', '/2015-03-31/functions/hypermob-recommend/configuration')).toEqual([
      { action: 'lambda:GetFunctionConfiguration', resource: FN },
    ]);
  });

  it('ListFunctions has no resource; an invalid function name is left to Lambda to refuse', () => {
    expect(checks('GET', '/2015-03-31/functions')).toEqual([
      { action: 'lambda:ListFunctions', resource: '*' },
    ]);
    expect(checks('GET', '/2015-03-31/functions/bad%20name/aliases/live')).toEqual([]);
  });

  it('Step Functions: state-machine operations on its ARN, execution operations on the execution ARN', () => {
    const sfn = (op: string, body: unknown) =>
      checks('POST', '/', { 'x-amz-target': `AWSStepFunctions.${op}` }, JSON.stringify(body));
    const exec = 'arn:aws:states:us-east-1:000000000000:execution:hypermob-model-rollout:e1';
    expect(sfn('StartExecution', { stateMachineArn: SM })).toEqual([
      { action: 'states:StartExecution', resource: SM },
    ]);
    expect(sfn('ListExecutions', { stateMachineArn: SM })).toEqual([
      { action: 'states:ListExecutions', resource: SM },
    ]);
    expect(sfn('StopExecution', { executionArn: exec })).toEqual([
      { action: 'states:StopExecution', resource: exec },
    ]);
    expect(sfn('CreateStateMachine', { name: 'hypermob-model-rollout', definition: '{}' })).toEqual([
      { action: 'states:CreateStateMachine', resource: SM },
    ]);
    expect(sfn('ListStateMachines', {})).toEqual([{ action: 'states:ListStateMachines', resource: '*' }]);
  });

  it('CloudWatch GetMetricData, and any operation without a mapping, is <prefix>:<Operation> on *', () => {
    expect(
      checks('POST', '/', { 'x-amz-target': 'GraniteServiceVersion20100801.GetMetricData' }, '{}'),
    ).toEqual([{ action: 'cloudwatch:GetMetricData', resource: '*' }]);
    expect(
      accessChecks(
        { service: 'cloudwatch', operation: 'PutMetricData', params: {} },
        { method: 'POST', url: '/', headers: {}, body: Buffer.alloc(0) },
        ACCOUNT,
      ),
    ).toEqual([{ action: 'cloudwatch:PutMetricData', resource: '*' }]);
  });
});

describe('credentials: the access key id a request is signed with', () => {
  it('from the SigV4 Authorization header or a presigned URL; none when unsigned', () => {
    const auth =
      'AWS4-HMAC-SHA256 Credential=hypermob-rollout-traffic/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abc';
    expect(accessKeyIdOf({ authorization: auth }, '/b/k')).toBe('hypermob-rollout-traffic');
    const presigned = `/b/k?X-Amz-Credential=${encodeURIComponent('hypermob-recommend/20260101/us-east-1/s3/aws4_request')}`;
    expect(accessKeyIdOf({}, presigned)).toBe('hypermob-recommend');
    expect(accessKeyIdOf({}, '/b/k')).toBeUndefined();
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsEndpoint } from '../../local-cloud/aws-endpoint.js';
import { routeRequest } from '../../local-cloud/routes.js';

const target = (t: string) => routeRequest('POST', '/', { 'x-amz-target': t });

describe('routing table: JSON protocols by X-Amz-Target', () => {
  it.each([
    'CreateStateMachine',
    'ListStateMachines',
    'DescribeStateMachine',
    'UpdateStateMachine',
    'StartExecution',
    'DescribeExecution',
    'ListExecutions',
    'GetExecutionHistory',
    'StopExecution',
  ])('AWSStepFunctions.%s → sfn', (operation) => {
    expect(target(`AWSStepFunctions.${operation}`)).toEqual({
      ok: true,
      route: { service: 'sfn', operation, params: {} },
    });
  });

  it('GraniteServiceVersion20100801.GetMetricData → cloudwatch', () => {
    expect(target('GraniteServiceVersion20100801.GetMetricData')).toEqual({
      ok: true,
      route: { service: 'cloudwatch', operation: 'GetMetricData', params: {} },
    });
  });

  it('an operation a known service does not serve, or an unknown service, is unknown (JSON)', () => {
    expect(target('AWSStepFunctions.DeleteStateMachine')).toEqual({
      ok: false,
      service: 'sfn',
      protocol: 'json',
      operation: 'AWSStepFunctions.DeleteStateMachine',
    });
    expect(target('GraniteServiceVersion20100801.PutMetricData')).toMatchObject({
      ok: false,
      service: 'cloudwatch',
    });
    expect(target('DynamoDB_20120810.ListTables')).toEqual({
      ok: false,
      service: undefined,
      protocol: 'json',
      operation: 'DynamoDB_20120810.ListTables',
    });
    expect(target('NoDot')).toMatchObject({ ok: false, protocol: 'json', operation: 'NoDot' });
  });
});

describe('routing table: Lambda REST by method and path', () => {
  const fn = '/2015-03-31/functions/hypermob-recommend';
  it.each([
    ['GET', '/2015-03-31/functions/', 'ListFunctions', {}],
    ['GET', fn, 'GetFunction', { FunctionName: 'hypermob-recommend' }],
    [
      'GET',
      `${fn}/configuration?Qualifier=3`,
      'GetFunctionConfiguration',
      { FunctionName: 'hypermob-recommend' },
    ],
    ['PUT', `${fn}/configuration`, 'UpdateFunctionConfiguration', { FunctionName: 'hypermob-recommend' }],
    ['POST', `${fn}/versions`, 'PublishVersion', { FunctionName: 'hypermob-recommend' }],
    ['GET', `${fn}/versions`, 'ListVersionsByFunction', { FunctionName: 'hypermob-recommend' }],
    ['POST', `${fn}/aliases`, 'CreateAlias', { FunctionName: 'hypermob-recommend' }],
    ['GET', `${fn}/aliases?FunctionVersion=2`, 'ListAliases', { FunctionName: 'hypermob-recommend' }],
    ['GET', `${fn}/aliases/live`, 'GetAlias', { FunctionName: 'hypermob-recommend', Name: 'live' }],
    ['PUT', `${fn}/aliases/live`, 'UpdateAlias', { FunctionName: 'hypermob-recommend', Name: 'live' }],
    ['DELETE', `${fn}/aliases/live`, 'DeleteAlias', { FunctionName: 'hypermob-recommend', Name: 'live' }],
    ['POST', `${fn}/invocations`, 'Invoke', { FunctionName: 'hypermob-recommend' }],
  ])('%s %s → lambda %s', (method, url, operation, params) => {
    expect(routeRequest(method, url, { host: '127.0.0.1:4566' })).toEqual({
      ok: true,
      route: { service: 'lambda', operation, params },
    });
  });

  it('decodes an ARN given as the function name', () => {
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:fn:live';
    const found = routeRequest('POST', `/2015-03-31/functions/${encodeURIComponent(arn)}/invocations`, {});
    expect(found).toMatchObject({ ok: true, route: { operation: 'Invoke', params: { FunctionName: arn } } });
  });

  it('a method or path under a Lambda API version that no entry serves is unknown (REST-JSON)', () => {
    expect(routeRequest('POST', '/2015-03-31/functions', {})).toEqual({
      ok: false,
      service: 'lambda',
      protocol: 'rest-json',
      operation: 'POST /2015-03-31/functions',
    });
    expect(routeRequest('GET', '/2017-03-31/tags/arn', {})).toMatchObject({ ok: false, service: 'lambda' });
    expect(routeRequest('PATCH', '/2015-03-31/functions/fn/aliases/live', {})).toMatchObject({ ok: false });
  });
});

describe('routing table: S3 is the fallback', () => {
  it.each([
    ['PUT', '/hypermob-models'],
    ['PUT', '/hypermob-models/car_fit_model.onnx'],
    ['GET', '/hypermob-models?list-type=2&prefix=rollouts/'],
    ['POST', '/hypermob-models/big.onnx?uploads'],
    ['GET', '/'],
  ])('%s %s → s3', (method, url) => {
    expect(routeRequest(method, url, { host: '127.0.0.1:4566' })).toEqual({
      ok: true,
      route: { service: 's3', operation: '*', params: {} },
    });
  });

  it('a virtual-hosted bucket owns every path on its host, even a Lambda-looking one', () => {
    expect(
      routeRequest('GET', '/2015-03-31/functions/x', { host: 'hypermob-models.localhost:4566' }),
    ).toMatchObject({ ok: true, route: { service: 's3' } });
  });
});

describe('the endpoint answers what the table does not know as AWS does', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer(awsEndpoint({}));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('UnknownOperationException in JSON 1.0, naming the operation', async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AWSStepFunctions.TagResource',
        'content-type': 'application/x-amz-json-1.0',
      },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      __type: 'UnknownOperationException',
      message: 'The local cloud does not implement AWSStepFunctions.TagResource',
    });
  });

  it('UnknownOperationException in Lambda REST-JSON, naming method and path', async () => {
    const res = await fetch(`${url}/2015-03-31/functions`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await res.json()).toEqual({
      Type: 'User',
      message: 'The local cloud does not implement POST /2015-03-31/functions',
    });
  });

  it('503 in the service protocol when the routed service is not mounted', async () => {
    const res = await fetch(`${url}/hypermob-models/a.onnx`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('<Code>ServiceUnavailable</Code>');
  });
});

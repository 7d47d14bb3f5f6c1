import { describe, expect, it } from 'vitest';
import { fromProxyResult, proxyEvent } from '../../local-cloud/api/proxy-event.js';

describe('proxyEvent', () => {
  it('builds the REST API proxy event CDK LambdaRestApi sends', () => {
    const e = proxyEvent({
      method: 'POST',
      path: '/recommend',
      resource: '/recommend',
      query: new URLSearchParams('a=1&a=2'),
      headers: { 'content-type': 'application/json' },
      rawHeaders: ['Content-Type', 'application/json', 'X-Multi', '1', 'X-Multi', '2'],
      body: Buffer.from('{"height":170}'),
      sourceIp: '127.0.0.1',
      accountId: '000000000000',
      apiId: 'local',
    });
    expect(e).toMatchObject({
      resource: '/recommend',
      path: '/recommend',
      httpMethod: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Multi': '2' },
      multiValueHeaders: { 'X-Multi': ['1', '2'] },
      queryStringParameters: { a: '2' },
      multiValueQueryStringParameters: { a: ['1', '2'] },
      requestContext: {
        stage: 'prod',
        resourcePath: '/recommend',
        httpMethod: 'POST',
        identity: { sourceIp: '127.0.0.1' },
      },
      body: '{"height":170}',
      isBase64Encoded: false,
    });
  });

  it('base64-encodes binary bodies', () => {
    const e = proxyEvent({
      method: 'POST',
      path: '/recommend',
      resource: '/recommend',
      query: new URLSearchParams(),
      headers: { 'content-type': 'application/octet-stream' },
      rawHeaders: [],
      body: Buffer.from([0, 1, 2]),
      sourceIp: '',
      accountId: '0',
      apiId: 'x',
    });
    expect(e).toMatchObject({ body: 'AAEC', isBase64Encoded: true, queryStringParameters: null });
  });
});

describe('fromProxyResult', () => {
  it('maps status, headers and body', () => {
    const r = fromProxyResult(
      Buffer.from(
        JSON.stringify({ statusCode: 422, headers: { 'X-A': 'b' }, body: '{"e":1}', isBase64Encoded: false }),
      ),
    );
    expect(r.status).toBe(422);
    expect(r.headers).toMatchObject({ 'x-a': 'b', 'content-type': 'application/json' });
    expect(r.body.toString()).toBe('{"e":1}');
  });

  it('answers 502 for anything that is not a proxy result, as API Gateway does', () => {
    expect(fromProxyResult(Buffer.from('not json')).status).toBe(502);
    expect(fromProxyResult(Buffer.from('{"body":"x"}')).status).toBe(502);
    expect(fromProxyResult(Buffer.from('null')).status).toBe(502);
  });
});

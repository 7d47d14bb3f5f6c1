import { describe, expect, it } from 'vitest';
import { routeRequest } from '../../local-cloud/routes.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', host: '127.0.0.1:4566' };
const form = (body: string, headers: Record<string, string> = FORM, url = '/') =>
  routeRequest('POST', url, headers, Buffer.from(body));

describe('routing table: query protocol by Version and Action', () => {
  it('CloudWatch GetMetricData (Version 2010-08-01) → cloudwatch', () => {
    expect(form('Action=GetMetricData&Version=2010-08-01&StartTime=x')).toEqual({
      ok: true,
      route: { service: 'cloudwatch', operation: 'GetMetricData', params: {} },
    });
  });

  it('an action CloudWatch does not serve here is unknown, in the query protocol', () => {
    expect(form('Action=PutMetricData&Version=2010-08-01')).toEqual({
      ok: false,
      service: 'cloudwatch',
      protocol: 'query',
      operation: 'PutMetricData',
    });
  });

  it('other form posts stay S3 (unknown API version, no Action, a bucket host, another path)', () => {
    const s3 = { ok: true, route: { service: 's3', operation: '*', params: {} } };
    expect(form('Action=GetCallerIdentity&Version=2011-06-15')).toEqual(s3);
    expect(form('Version=2010-08-01')).toEqual(s3);
    expect(
      form('Action=GetMetricData&Version=2010-08-01', { ...FORM, host: 'models.localhost:4566' }),
    ).toEqual(s3);
    expect(form('Action=GetMetricData&Version=2010-08-01', FORM, '/bucket')).toEqual(s3);
    expect(
      routeRequest(
        'POST',
        '/',
        { host: '127.0.0.1' },
        Buffer.from('Action=GetMetricData&Version=2010-08-01'),
      ),
    ).toEqual(s3);
  });
});

describe('routing table: CloudWatch Logs by X-Amz-Target', () => {
  it.each(['DescribeLogGroups', 'DescribeLogStreams', 'FilterLogEvents', 'GetLogEvents'])(
    'Logs_20140328.%s → logs',
    (operation) => {
      expect(routeRequest('POST', '/', { 'x-amz-target': `Logs_20140328.${operation}` })).toEqual({
        ok: true,
        route: { service: 'logs', operation, params: {} },
      });
    },
  );

  it('PutLogEvents is not served', () => {
    expect(routeRequest('POST', '/', { 'x-amz-target': 'Logs_20140328.PutLogEvents' })).toMatchObject({
      ok: false,
      service: 'logs',
      protocol: 'json',
    });
  });
});

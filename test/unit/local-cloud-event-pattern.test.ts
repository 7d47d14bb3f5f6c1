import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../local-cloud/events/pattern.js';
import { objectCreatedEvent } from '../../local-cloud/s3/object-created.js';
import { PIPELINE_PREFIXES, rolloutEventPattern } from '../../statemachines/rollout-trigger.js';

const event = (key: string, bucket = 'hypermob-models') =>
  objectCreatedEvent({
    region: 'us-east-1',
    accountId: '000000000000',
    bucket,
    key,
    size: 10,
    etag: '"abc"',
    reason: 'PutObject',
    requestId: 'r',
    requester: '000000000000',
  });

describe('rollout event pattern', () => {
  it('matches an .onnx upload to the model bucket', () => {
    expect(matchesPattern(rolloutEventPattern(), event('models/new.onnx'))).toBe(true);
  });
  it('ignores other suffixes, other buckets and pinned copies', () => {
    expect(matchesPattern(rolloutEventPattern(), event('notes.txt'))).toBe(false);
    expect(matchesPattern(rolloutEventPattern(), event('a.onnx', 'other-bucket'))).toBe(false);
    expect(matchesPattern(rolloutEventPattern(), event(`${PIPELINE_PREFIXES[0]}abc.model`))).toBe(false);
    expect(matchesPattern(rolloutEventPattern(), { ...event('a.onnx'), source: 'aws.ec2' })).toBe(false);
  });
});

describe('matchesPattern', () => {
  const e = { source: 'x', detail: { n: 5, tags: ['a', 'b'], name: 'Report.CSV', empty: null } };
  it('exact values, any of a list, any element of an array value', () => {
    expect(matchesPattern({ source: ['y', 'x'] }, e)).toBe(true);
    expect(matchesPattern({ detail: { tags: ['b'] } }, e)).toBe(true);
    expect(matchesPattern({ detail: { tags: ['c'] } }, e)).toBe(false);
    expect(matchesPattern({ detail: { empty: [null] } }, e)).toBe(true);
  });
  it('prefix, suffix, equals-ignore-case', () => {
    expect(matchesPattern({ detail: { name: [{ prefix: 'Rep' }] } }, e)).toBe(true);
    expect(matchesPattern({ detail: { name: [{ suffix: '.csv' }] } }, e)).toBe(false);
    expect(matchesPattern({ detail: { name: [{ 'equals-ignore-case': 'report.csv' }] } }, e)).toBe(true);
  });
  it('anything-but values, prefix and suffix', () => {
    expect(matchesPattern({ source: [{ 'anything-but': ['x'] }] }, e)).toBe(false);
    expect(matchesPattern({ source: [{ 'anything-but': 'y' }] }, e)).toBe(true);
    expect(matchesPattern({ detail: { name: [{ 'anything-but': { prefix: 'Rep' } }] } }, e)).toBe(false);
    expect(matchesPattern({ detail: { name: [{ 'anything-but': { suffix: '.txt' } }] } }, e)).toBe(true);
  });
  it('exists', () => {
    expect(matchesPattern({ detail: { n: [{ exists: true }] } }, e)).toBe(true);
    expect(matchesPattern({ detail: { missing: [{ exists: false }] } }, e)).toBe(true);
    expect(matchesPattern({ detail: { missing: [{ exists: true }] } }, e)).toBe(false);
    expect(matchesPattern({ detail: { n: [{ exists: false }] } }, e)).toBe(false);
  });
  it('numeric ranges', () => {
    expect(matchesPattern({ detail: { n: [{ numeric: ['>', 0, '<=', 5] }] } }, e)).toBe(true);
    expect(matchesPattern({ detail: { n: [{ numeric: ['<', 5] }] } }, e)).toBe(false);
    expect(matchesPattern({ detail: { n: [{ numeric: ['=', 5] }] } }, e)).toBe(true);
  });
  it('a nested pattern needs the nested object', () => {
    expect(matchesPattern({ detail: { n: [5] } }, { detail: 5 })).toBe(false);
    expect(matchesPattern({ other: { n: [5] } }, e)).toBe(false);
  });
  it('rejects operators it does not know instead of matching silently', () => {
    expect(() => matchesPattern({ source: [{ wildcard: '*' }] }, e)).toThrow(/unsupported/);
  });
});

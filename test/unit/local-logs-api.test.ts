import { describe, expect, it } from 'vitest';
import { describeLogGroups, filterLogEvents, getLogEvents, LogsError } from '../../local-cloud/logs/api.js';
import { compileFilterPattern } from '../../local-cloud/logs/filter-pattern.js';
import { LogStore } from '../../local-cloud/logs/store.js';

const account = { region: 'us-east-1', accountId: '000000000000' };
const G = '/aws/lambda/f';

function store() {
  let t = 1_000;
  const s = new LogStore(() => t);
  const put = (stream: string, message: string) => {
    t += 10;
    s.put(G, stream, message);
  };
  return { s, put };
}
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(LogsError);
    return (err as LogsError).type;
  }
  throw new Error('not refused');
};

describe('filter patterns (unstructured)', () => {
  it.each([
    ['', 'anything', true],
    ['ERROR', 'an ERROR here', true],
    ['ERROR', 'an error here', false],
    ['ERROR timeout', 'ERROR: timeout', true],
    ['ERROR timeout', 'ERROR only', false],
    ['"Task timed out"', 'x Task timed out after 3.00 seconds', true],
    ['?ERROR ?WARN', 'WARN: slow', true],
    ['?ERROR ?WARN', 'INFO', false],
    ['START -Version', 'START RequestId: x Version: 1', false],
  ])('%j on %j → %s', (pattern, message, matches) => {
    expect(compileFilterPattern(pattern)(message)).toBe(matches);
  });

  it('refuses JSON and space-delimited patterns instead of misreading them', () => {
    expect(() => compileFilterPattern('{ $.level = "ERROR" }')).toThrow(/not supported/);
    expect(() => compileFilterPattern('[ip, user]')).toThrow(/not supported/);
  });
});

describe('FilterLogEvents', () => {
  it('interleaves streams by timestamp and pages with a cursor that survives new events', () => {
    const { s, put } = store();
    put('a', 'a1');
    put('b', 'b1');
    put('a', 'a2');
    const first = filterLogEvents(s, { logGroupName: G, limit: 2 });
    expect(first.events.map((e) => e.message)).toEqual(['a1', 'b1']);
    put('b', 'b2');
    const next = filterLogEvents(s, { logGroupName: G, limit: 2, nextToken: first.nextToken });
    expect(next.events.map((e) => e.message)).toEqual(['a2', 'b2']);
    expect(next.nextToken).toBeUndefined();
  });

  it('filters by time range, stream names or prefix, and pattern', () => {
    const { s, put } = store();
    put('2024/01/01/[1]x', 'START one'); // t = 1010
    put('2024/01/01/[2]y', 'START two'); // t = 1020
    put('2024/01/01/[1]x', 'END one'); // t = 1030
    const messages = (input: Record<string, unknown>) =>
      filterLogEvents(s, { logGroupName: G, ...input }).events.map((e) => e.message);
    expect(messages({ startTime: 1020 })).toEqual(['START two', 'END one']);
    expect(messages({ endTime: 1020 })).toEqual(['START one', 'START two']);
    expect(messages({ logStreamNamePrefix: '2024/01/01/[2]' })).toEqual(['START two']);
    expect(messages({ logStreamNames: ['2024/01/01/[1]x'] })).toEqual(['START one', 'END one']);
    expect(messages({ filterPattern: 'START' })).toEqual(['START one', 'START two']);
  });

  it('takes a group ARN as logGroupIdentifier and refuses what AWS refuses', () => {
    const { s, put } = store();
    put('a', 'x');
    const arn = `arn:aws:logs:us-east-1:000000000000:log-group:${G}:*`;
    expect(filterLogEvents(s, { logGroupIdentifier: arn }).events).toHaveLength(1);
    expect(refusal(() => filterLogEvents(s, {}))).toBe('InvalidParameterException');
    expect(refusal(() => filterLogEvents(s, { logGroupName: '/nope' }))).toBe('ResourceNotFoundException');
    expect(refusal(() => filterLogEvents(s, { logGroupName: G, limit: 0 }))).toBe(
      'InvalidParameterException',
    );
    expect(refusal(() => filterLogEvents(s, { logGroupName: G, nextToken: 'garbage' }))).toBe(
      'InvalidParameterException',
    );
    expect(
      refusal(() =>
        filterLogEvents(s, { logGroupName: G, logStreamNames: Array.from({ length: 101 }, String) }),
      ),
    ).toBe('InvalidParameterException');
  });

  it('stops a page at 1 MB', () => {
    const { s, put } = store();
    const big = 'x'.repeat(400_000);
    for (let i = 0; i < 4; i++) put('a', big);
    const page = filterLogEvents(s, { logGroupName: G });
    expect(page.events).toHaveLength(2);
    expect(page.nextToken).toBeDefined();
  });
});

describe('GetLogEvents and DescribeLogGroups', () => {
  it('reads a stream from the head or the tail and pages forward and backward', () => {
    const { s, put } = store();
    for (const m of ['1', '2', '3', '4']) put('a', m);
    const head = getLogEvents(s, { logGroupName: G, logStreamName: 'a', startFromHead: true, limit: 2 });
    expect(head.events.map((e) => e.message)).toEqual(['1', '2']);
    const forward = getLogEvents(s, {
      logGroupName: G,
      logStreamName: 'a',
      limit: 2,
      nextToken: head.nextForwardToken,
    });
    expect(forward.events.map((e) => e.message)).toEqual(['3', '4']);
    const end = getLogEvents(s, { logGroupName: G, logStreamName: 'a', nextToken: forward.nextForwardToken });
    expect(end.events).toEqual([]);
    expect(end.nextForwardToken).toBe(forward.nextForwardToken);
    const tail = getLogEvents(s, { logGroupName: G, logStreamName: 'a', limit: 1 });
    expect(tail.events.map((e) => e.message)).toEqual(['4']);
    const back = getLogEvents(s, {
      logGroupName: G,
      logStreamName: 'a',
      limit: 2,
      nextToken: tail.nextBackwardToken,
    });
    expect(back.events.map((e) => e.message)).toEqual(['2', '3']);
    expect(refusal(() => getLogEvents(s, { logGroupName: G, logStreamName: 'zz' }))).toBe(
      'ResourceNotFoundException',
    );
  });

  it('lists groups by prefix, 50 at most per page', () => {
    const s = new LogStore(() => 1);
    for (let i = 0; i < 60; i++) s.put(`/aws/lambda/f${String(i).padStart(2, '0')}`, 'x', 'm');
    s.put('/other', 'x', 'm');
    const page = describeLogGroups(s, account, { logGroupNamePrefix: '/aws/lambda/' });
    expect(page.logGroups).toHaveLength(50);
    const rest = describeLogGroups(s, account, {
      logGroupNamePrefix: '/aws/lambda/',
      nextToken: page.nextToken,
    });
    expect(rest.logGroups).toHaveLength(10);
    expect(page.logGroups[0]).toMatchObject({
      logGroupName: '/aws/lambda/f00',
      arn: 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f00:*',
    });
    expect(refusal(() => describeLogGroups(s, account, { limit: 51 }))).toBe('InvalidParameterException');
  });
});

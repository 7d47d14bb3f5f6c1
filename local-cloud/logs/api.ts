import { z } from 'zod';
import { compileFilterPattern, UnsupportedPattern } from './filter-pattern.js';
import { compareEvents, type LogEvent, type LogGroup, type LogStore } from './store.js';

/**
 * The CloudWatch Logs operations the local cloud serves (AWS JSON 1.1, `X-Amz-Target:
 * Logs_20140328.<Operation>`), as pure functions over the store: parsed with zod, limits and
 * parameter rules from the API reference
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html,
 * …/API_GetLogEvents.html, …/API_DescribeLogGroups.html, …/API_DescribeLogStreams.html): at most 50
 * groups or streams, and 10,000 events or 1 MB, per page. Errors are LogsError (HTTP 400).
 */
export class LogsError extends Error {
  constructor(
    readonly type: 'InvalidParameterException' | 'ResourceNotFoundException',
    message: string,
  ) {
    super(message);
  }
  override name = 'LogsError';
}

export interface Account {
  region: string;
  accountId: string;
}

const MAX_PAGE_BYTES = 1_048_576;
/** What one event counts against the 1 MB page: its message plus 26 bytes (as PutLogEvents counts). */
const eventBytes = (e: LogEvent) => Buffer.byteLength(e.message) + 26;

const limit = (max: number) => z.number().int().min(1).max(max).optional();
const groupRef = {
  logGroupName: z.string().min(1).max(512).optional(),
  logGroupIdentifier: z.string().min(1).max(2048).optional(),
};
const describeGroupsInput = z.object({
  logGroupNamePrefix: z.string().min(1).max(512).optional(),
  logGroupNamePattern: z.string().max(512).optional(),
  nextToken: z.string().optional(),
  limit: limit(50),
});
const describeStreamsInput = z.object({
  ...groupRef,
  logStreamNamePrefix: z.string().min(1).max(512).optional(),
  orderBy: z.enum(['LogStreamName', 'LastEventTime']).optional(),
  descending: z.boolean().optional(),
  nextToken: z.string().optional(),
  limit: limit(50),
});
const filterInput = z.object({
  ...groupRef,
  logStreamNames: z.array(z.string().min(1).max(512)).min(1).max(100).optional(),
  logStreamNamePrefix: z.string().min(1).max(512).optional(),
  startTime: z.number().int().min(0).optional(),
  endTime: z.number().int().min(0).optional(),
  filterPattern: z.string().max(1024).optional(),
  nextToken: z.string().optional(),
  limit: limit(10_000),
  interleaved: z.boolean().optional(),
  unmask: z.boolean().optional(),
});
const getEventsInput = z.object({
  ...groupRef,
  logStreamName: z.string().min(1).max(512),
  startTime: z.number().int().min(0).optional(),
  endTime: z.number().int().min(0).optional(),
  nextToken: z.string().optional(),
  limit: limit(10_000),
  startFromHead: z.boolean().optional(),
  unmask: z.boolean().optional(),
});

function parse<T>(schema: z.ZodType<T>, raw: unknown): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map(
    (i) => `Value at '${i.path.join('.')}' failed to satisfy constraint: ${i.message}`,
  );
  throw new LogsError(
    'InvalidParameterException',
    `${issues.length} validation error${issues.length > 1 ? 's' : ''} detected: ${issues.join('; ')}`,
  );
}

const groupArn = (a: Account, name: string) => `arn:aws:logs:${a.region}:${a.accountId}:log-group:${name}`;

/** logGroupName or logGroupIdentifier (a name or an ARN), exactly one, as the API requires. */
function findGroup(store: LogStore, input: { logGroupName?: string; logGroupIdentifier?: string }): LogGroup {
  const { logGroupName, logGroupIdentifier } = input;
  if ((logGroupName === undefined) === (logGroupIdentifier === undefined)) {
    throw new LogsError(
      'InvalidParameterException',
      'Exactly one of logGroupName or logGroupIdentifier must be specified.',
    );
  }
  const name =
    logGroupName ??
    /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:(.+?)(?::\*)?$/.exec(logGroupIdentifier ?? '')?.[1] ??
    logGroupIdentifier ??
    '';
  const group = store.group(name);
  if (!group) throw new LogsError('ResourceNotFoundException', 'The specified log group does not exist.');
  return group;
}

/** Opaque page tokens: base64url JSON of the position to resume after. */
function token(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
function untoken<T>(schema: z.ZodType<T>, raw: string | undefined): T | undefined {
  if (raw === undefined) return undefined;
  try {
    return schema.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
  } catch {
    throw new LogsError('InvalidParameterException', 'The specified nextToken is invalid.');
  }
}
const offsetToken = z.object({ o: z.number().int().min(0) });

function page<T>(items: T[], nextToken: string | undefined, max: number): { slice: T[]; nextToken?: string } {
  const start = untoken(offsetToken, nextToken)?.o ?? 0;
  const slice = items.slice(start, start + max);
  return start + max < items.length ? { slice, nextToken: token({ o: start + max }) } : { slice };
}

export function describeLogGroups(store: LogStore, account: Account, raw: unknown) {
  const input = parse(describeGroupsInput, raw);
  if (input.logGroupNamePrefix !== undefined && input.logGroupNamePattern !== undefined) {
    throw new LogsError(
      'InvalidParameterException',
      'LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.',
    );
  }
  const groups = store
    .allGroups()
    .filter(
      (g) => input.logGroupNamePrefix === undefined || g.logGroupName.startsWith(input.logGroupNamePrefix),
    )
    .filter((g) => !input.logGroupNamePattern || g.logGroupName.includes(input.logGroupNamePattern))
    .map((g) => ({
      logGroupName: g.logGroupName,
      creationTime: g.creationTime,
      metricFilterCount: 0,
      arn: `${groupArn(account, g.logGroupName)}:*`,
      storedBytes: [...g.streams.values()].reduce(
        (n, s) => n + s.events.reduce((m, e) => m + eventBytes(e), 0),
        0,
      ),
      logGroupClass: 'STANDARD',
      logGroupArn: groupArn(account, g.logGroupName),
    }));
  const { slice, nextToken } = page(groups, input.nextToken, input.limit ?? 50);
  return { logGroups: slice, ...(nextToken ? { nextToken } : {}) };
}

export function describeLogStreams(store: LogStore, account: Account, raw: unknown) {
  const input = parse(describeStreamsInput, raw);
  const group = findGroup(store, input);
  if (input.orderBy === 'LastEventTime' && input.logStreamNamePrefix !== undefined) {
    throw new LogsError(
      'InvalidParameterException',
      'Cannot order by LastEventTime with a logStreamNamePrefix.',
    );
  }
  const streams = [...group.streams.values()].filter(
    (s) => input.logStreamNamePrefix === undefined || s.logStreamName.startsWith(input.logStreamNamePrefix),
  );
  streams.sort((a, b) =>
    input.orderBy === 'LastEventTime'
      ? (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0)
      : a.logStreamName < b.logStreamName
        ? -1
        : 1,
  );
  if (input.descending) streams.reverse();
  const { slice, nextToken } = page(streams, input.nextToken, input.limit ?? 50);
  return {
    logStreams: slice.map((s) => ({
      logStreamName: s.logStreamName,
      creationTime: s.creationTime,
      ...(s.firstEventTimestamp !== undefined ? { firstEventTimestamp: s.firstEventTimestamp } : {}),
      ...(s.lastEventTimestamp !== undefined ? { lastEventTimestamp: s.lastEventTimestamp } : {}),
      ...(s.lastIngestionTime !== undefined ? { lastIngestionTime: s.lastIngestionTime } : {}),
      arn: `${groupArn(account, group.logGroupName)}:log-stream:${s.logStreamName}`,
      storedBytes: 0,
    })),
    ...(nextToken ? { nextToken } : {}),
  };
}

/** Up to `max` events and 1 MB, in order; whether more were left. */
function takePage(events: LogEvent[], max: number): { taken: LogEvent[]; more: boolean } {
  const taken: LogEvent[] = [];
  let bytes = 0;
  for (const e of events) {
    if (taken.length === max || (taken.length > 0 && bytes + eventBytes(e) > MAX_PAGE_BYTES)) {
      return { taken, more: true };
    }
    taken.push(e);
    bytes += eventBytes(e);
  }
  return { taken, more: false };
}

const cursorToken = z.object({ t: z.number(), id: z.string() });

/**
 * FilterLogEvents: the group's events (of the named streams, or those with the prefix) within
 * [startTime, endTime], matching the pattern, in timestamp order across streams (always
 * interleaved, as `interleaved` is deprecated). The token is the last event returned: events
 * ingested later with an older timestamp are not revisited, like a paginated search on AWS.
 */
export function filterLogEvents(store: LogStore, raw: unknown) {
  const input = parse(filterInput, raw);
  const group = findGroup(store, input);
  if (input.logStreamNames !== undefined && input.logStreamNamePrefix !== undefined) {
    throw new LogsError(
      'InvalidParameterException',
      'logStreamNames and logStreamNamePrefix cannot both be specified.',
    );
  }
  let match: (m: string) => boolean;
  try {
    match = compileFilterPattern(input.filterPattern);
  } catch (err) {
    if (err instanceof UnsupportedPattern) throw new LogsError('InvalidParameterException', err.message);
    throw err;
  }
  const after = untoken(cursorToken, input.nextToken);
  const streams = [...group.streams.values()].filter(
    (s) =>
      (input.logStreamNames === undefined || input.logStreamNames.includes(s.logStreamName)) &&
      (input.logStreamNamePrefix === undefined || s.logStreamName.startsWith(input.logStreamNamePrefix)),
  );
  const events = streams
    .flatMap((s) => s.events)
    .filter(
      (e) =>
        (input.startTime === undefined || e.timestamp >= input.startTime) &&
        (input.endTime === undefined || e.timestamp <= input.endTime) &&
        (after === undefined || compareEvents(e, { ...e, timestamp: after.t, eventId: after.id }) > 0) &&
        match(e.message),
    )
    .sort(compareEvents);
  const { taken, more } = takePage(events, input.limit ?? 10_000);
  const last = taken.at(-1);
  return {
    events: taken.map((e) => ({
      logStreamName: e.logStreamName,
      timestamp: e.timestamp,
      message: e.message,
      ingestionTime: e.ingestionTime,
      eventId: e.eventId,
    })),
    searchedLogStreams: streams.map((s) => ({ logStreamName: s.logStreamName, searchedCompletely: !more })),
    ...(more && last ? { nextToken: token({ t: last.timestamp, id: last.eventId }) } : {}),
  };
}

const streamToken = /^([fb])\/(\d+)$/;

/**
 * GetLogEvents: one stream's events in [startTime, endTime). Without a token the newest page (or the
 * oldest with startFromHead); `f/<id>` pages forward after an event, `b/<id>` backward before one.
 * At the end of the stream the forward token comes back unchanged, as AWS documents.
 */
export function getLogEvents(store: LogStore, raw: unknown) {
  const input = parse(getEventsInput, raw);
  const group = findGroup(store, input);
  const stream = group.streams.get(input.logStreamName);
  if (!stream) throw new LogsError('ResourceNotFoundException', 'The specified log stream does not exist.');
  const max = input.limit ?? 10_000;
  const inRange = stream.events.filter(
    (e) =>
      (input.startTime === undefined || e.timestamp >= input.startTime) &&
      (input.endTime === undefined || e.timestamp < input.endTime),
  );
  let forward = input.startFromHead ?? false;
  let candidates = inRange;
  if (input.nextToken !== undefined) {
    const m = streamToken.exec(input.nextToken);
    if (!m) throw new LogsError('InvalidParameterException', 'The specified nextToken is invalid.');
    const id = (m[2] as string).padStart(20, '0');
    forward = m[1] === 'f';
    candidates = inRange.filter((e) => (forward ? e.eventId > id : e.eventId < id));
  }
  const ordered = forward ? candidates : [...candidates].reverse();
  const { taken } = takePage(ordered, max);
  const events = forward ? taken : taken.reverse();
  const first = events[0];
  const last = events.at(-1);
  const edge = (e: LogEvent | undefined, fallback: string) => (e ? String(Number(e.eventId)) : fallback);
  const given = input.nextToken ? (streamToken.exec(input.nextToken)?.[2] as string) : '0';
  return {
    events: events.map((e) => ({
      timestamp: e.timestamp,
      message: e.message,
      ingestionTime: e.ingestionTime,
    })),
    nextForwardToken: `f/${edge(last, given)}`,
    nextBackwardToken: `b/${edge(first, given)}`,
  };
}

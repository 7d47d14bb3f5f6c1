/**
 * Log groups, streams and events as CloudWatch Logs keeps them, in memory: Lambda writes each line a
 * function's execution environment prints to `/aws/lambda/<function>`, one stream per environment.
 * Every event gets an id that grows with ingestion, so events sort by (timestamp, id) and a cursor
 * stays valid while events arrive (what `aws logs tail --follow` pages through). Each stream keeps
 * at least its newest `maxEventsPerStream` events and at most a tenth more (memory stays bounded;
 * `<data-dir>/logs/*.log` keep all).
 */
export interface LogEvent {
  timestamp: number;
  ingestionTime: number;
  message: string;
  /** Zero-padded ingestion sequence: string order = ingestion order. */
  eventId: string;
  logStreamName: string;
}

export interface LogStream {
  logStreamName: string;
  creationTime: number;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  events: LogEvent[];
}

export interface LogGroup {
  logGroupName: string;
  creationTime: number;
  streams: Map<string, LogStream>;
}

export class LogStore {
  private readonly groups = new Map<string, LogGroup>();
  private seq = 0;
  private readonly trimBatch: number;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEventsPerStream = 20_000,
  ) {
    this.trimBatch = Math.max(1, Math.ceil(maxEventsPerStream / 10));
  }

  put(groupName: string, streamName: string, message: string, timestamp = this.now()): void {
    const ingestionTime = this.now();
    let group = this.groups.get(groupName);
    if (!group) {
      group = { logGroupName: groupName, creationTime: ingestionTime, streams: new Map() };
      this.groups.set(groupName, group);
    }
    let stream = group.streams.get(streamName);
    if (!stream) {
      stream = { logStreamName: streamName, creationTime: ingestionTime, events: [] };
      group.streams.set(streamName, stream);
    }
    this.seq += 1;
    stream.events.push({
      timestamp,
      ingestionTime,
      message,
      eventId: String(this.seq).padStart(20, '0'),
      logStreamName: streamName,
    });
    // Trimmed in batches: shift() per event moves the whole array, a cost every line paid under load.
    if (stream.events.length >= this.maxEventsPerStream + this.trimBatch) {
      stream.events.splice(0, stream.events.length - this.maxEventsPerStream);
    }
    stream.firstEventTimestamp = Math.min(stream.firstEventTimestamp ?? timestamp, timestamp);
    stream.lastEventTimestamp = Math.max(stream.lastEventTimestamp ?? timestamp, timestamp);
    stream.lastIngestionTime = ingestionTime;
  }

  group(name: string): LogGroup | undefined {
    return this.groups.get(name);
  }

  allGroups(): LogGroup[] {
    return [...this.groups.values()].sort((a, b) => (a.logGroupName < b.logGroupName ? -1 : 1));
  }
}

/** Event order of FilterLogEvents: timestamp, then ingestion (the id). */
export function compareEvents(a: LogEvent, b: LogEvent): number {
  return a.timestamp - b.timestamp || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
}

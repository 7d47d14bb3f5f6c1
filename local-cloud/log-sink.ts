import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { Log } from './log.js';

/**
 * Where the local cloud's log lines go. Every line is appended to a file under `<dataDir>/logs/`:
 * function lines (prefixed `[function:version]` by the Lambda service) to `<function>.log`, the
 * local counterpart of the log group `/aws/lambda/<function>`, the rest to `local-cloud.log`. The
 * terminal gets only `notice`, `warn` and `error` lines unless `verbose`: a rollout's functions
 * print START/END/REPORT and several lines per call, the recommend function four per request,
 * which would drown the banner and, printed synchronously, cap the local API's throughput. File
 * lines are buffered and written in batches (every 100 ms or 64 KB): one write per line cost a
 * fifth of the local cloud's CPU under load.
 */
const FUNCTION_LINE = /^\[([A-Za-z0-9_-]+):[^\]]+\] /;
const CLOUD_LOG = 'local-cloud';

export function createLogSink(o: { dataDir: string; verbose: boolean; print: (line: string) => void }): {
  log: Log;
  close: () => void;
} {
  const dir = path.join(o.dataDir, 'logs');
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, { stream: WriteStream; pending: string[]; bytes: number }>();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    for (const f of files.values()) {
      if (f.pending.length === 0) continue;
      f.stream.write(f.pending.join(''));
      f.pending = [];
      f.bytes = 0;
    }
  };
  const fileFor = (name: string) => {
    let f = files.get(name);
    if (!f) {
      f = { stream: createWriteStream(path.join(dir, `${name}.log`), { flags: 'a' }), pending: [], bytes: 0 };
      files.set(name, f);
    }
    return f;
  };
  // One ISO timestamp per millisecond: under load several lines share it, and formatting one per
  // line was a measurable part of each request.
  let stampedAt = -1;
  let stamp = '';
  const timestamp = () => {
    const now = Date.now();
    if (now !== stampedAt) {
      stampedAt = now;
      stamp = new Date(now).toISOString();
    }
    return stamp;
  };
  return {
    log(line, level = 'info') {
      const f = fileFor(FUNCTION_LINE.exec(line)?.[1] ?? CLOUD_LOG);
      const text = `${timestamp()} ${line}\n`;
      f.pending.push(text);
      f.bytes += text.length;
      if (f.bytes > 65_536) flush();
      else timer ??= setTimeout(flush, 100).unref();
      if (o.verbose || level !== 'info') o.print(line);
    },
    close() {
      if (timer) clearTimeout(timer);
      flush();
      for (const f of files.values()) f.stream.end();
    },
  };
}

import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';

/**
 * Where the local cloud's log lines go. Function lines (prefixed `[function:version]` by the Lambda
 * service) are appended to `<dataDir>/logs/<function>.log`, the local counterpart of the log group
 * `/aws/lambda/<function>`. Lines of the functions named in `quiet` go only there — the recommend
 * function writes four lines per request, which would drown the terminal and, printed synchronously,
 * cap the local API's throughput — everything else is also printed. File lines are buffered and
 * written in batches (every 100 ms or 64 KB): one write per line cost a fifth of the local cloud's
 * CPU under load.
 */
const FUNCTION_LINE = /^\[([A-Za-z0-9_-]+):[^\]]+\] /;

export function createLogSink(o: {
  dataDir: string;
  quiet: ReadonlySet<string>;
  print: (line: string) => void;
}): { log: (line: string) => void; close: () => void } {
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
  const fileFor = (fn: string) => {
    let f = files.get(fn);
    if (!f) {
      f = { stream: createWriteStream(path.join(dir, `${fn}.log`), { flags: 'a' }), pending: [], bytes: 0 };
      files.set(fn, f);
    }
    return f;
  };
  return {
    log(line) {
      const fn = FUNCTION_LINE.exec(line)?.[1];
      if (fn) {
        const f = fileFor(fn);
        const text = `${new Date().toISOString()} ${line}\n`;
        f.pending.push(text);
        f.bytes += text.length;
        if (f.bytes > 65_536) flush();
        else timer ??= setTimeout(flush, 100).unref();
      }
      if (!fn || !o.quiet.has(fn)) o.print(line);
    },
    close() {
      if (timer) clearTimeout(timer);
      flush();
      for (const f of files.values()) f.stream.end();
    },
  };
}

import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';

/**
 * Where the local cloud's log lines go. Function lines (prefixed `[function:version]` by the Lambda
 * service) are appended to `<dataDir>/logs/<function>.log`, the local counterpart of the log group
 * `/aws/lambda/<function>`. Lines of the functions named in `quiet` go only there — the recommend
 * function writes four lines per request, which would drown the terminal and, printed synchronously,
 * cap the local API's throughput — everything else is also printed.
 */
const FUNCTION_LINE = /^\[([A-Za-z0-9_-]+):[^\]]+\] /;

export function createLogSink(o: {
  dataDir: string;
  quiet: ReadonlySet<string>;
  print: (line: string) => void;
}): { log: (line: string) => void; close: () => void } {
  const dir = path.join(o.dataDir, 'logs');
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, WriteStream>();
  const fileFor = (fn: string) => {
    let f = files.get(fn);
    if (!f) {
      f = createWriteStream(path.join(dir, `${fn}.log`), { flags: 'a' });
      files.set(fn, f);
    }
    return f;
  };
  return {
    log(line) {
      const fn = FUNCTION_LINE.exec(line)?.[1];
      if (fn) fileFor(fn).write(`${new Date().toISOString()} ${line}\n`);
      if (!fn || !o.quiet.has(fn)) o.print(line);
    },
    close() {
      for (const f of files.values()) f.end();
    },
  };
}

import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Crash-safe files for the local cloud's own state (functions, state machines, executions, object
 * metadata). A reader sees either the old file or the new one, never half of one: the bytes go to a
 * temporary file (in the same directory unless `tmpDir` names another on the same filesystem), are
 * fsynced, renamed over the target, and the directory is fsynced so the rename survives a power cut.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  o: { tmpDir?: string } = {},
): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(o.tmpDir ?? dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

export function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify(value, null, 1)}\n`);
}

/** undefined when the file does not exist; a parse error otherwise propagates (it would be a bug). */
export async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Serialises writes per file and coalesces bursts: while one write is in flight, later values
 * replace each other and only the newest is written next. Execution history grows event by event;
 * this keeps the disk in step without one fsync per event.
 */
export class CoalescingWriter {
  private readonly pending = new Map<string, unknown>();
  private readonly running = new Map<string, Promise<void>>();

  write(file: string, value: unknown): Promise<void> {
    this.pending.set(file, value);
    let run = this.running.get(file);
    if (!run) {
      run = this.drain(file);
      this.running.set(file, run);
    }
    return run;
  }

  async flush(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  private async drain(file: string): Promise<void> {
    try {
      while (this.pending.has(file)) {
        const value = this.pending.get(file);
        this.pending.delete(file);
        await writeJsonAtomic(file, value);
      }
    } finally {
      // Synchronously after the last check of `pending`: a write() arriving later starts a new drain.
      this.running.delete(file);
    }
  }
}

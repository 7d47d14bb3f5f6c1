import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../json-file.js';
import { emptyState, type LambdaState, stateSchema } from './model.js';

/**
 * state.json written by write-to-temp, fsync, rename, fsync(dir): a kill at any moment leaves either
 * the previous or the next complete document. Saves are serialised and coalesced: a save requested
 * while one is running writes the newest state once it finishes.
 */
export class StateStore {
  private running: Promise<void> | undefined;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly file: string,
    private readonly current: () => LambdaState,
  ) {}

  static async load(file: string): Promise<LambdaState> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw err;
    }
    return stateSchema.parse(JSON.parse(text));
  }

  save(): Promise<void> {
    if (!this.running) {
      this.running = this.write().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.pending ??= this.running.then(() => {
      this.pending = undefined;
      return this.save();
    });
    return this.pending;
  }

  /** Settles once every change made so far is on disk (the saves running or queued now). */
  saved(): Promise<void> {
    return this.pending ?? this.running ?? Promise.resolve();
  }

  /** A save is running or queued: the state in memory may be ahead of the file. */
  get saving(): boolean {
    return this.running !== undefined || this.pending !== undefined;
  }

  private async write(): Promise<void> {
    const text = JSON.stringify(this.current(), null, 1);
    await writeFileAtomic(this.file, text);
  }
}

// The journal: one JSON event per line, written and flushed to disk before the run moves on, so a
// crash or Ctrl-C leaves a readable record of exactly what was done.
import { closeSync, fdatasyncSync, ftruncateSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent } from './events.ts';

export class Journal {
  readonly path: string;
  #fd: number | undefined;
  /** Bytes of a cut last line removed on opening, for the caller to report. */
  #cutBytes = 0;

  constructor(runDir: string) {
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    this.path = join(runDir, 'journal.jsonl');
    this.#fd = openSync(this.path, 'a+', 0o600);
    this.#dropCutLine(this.#fd);
  }

  /**
   * A run killed while writing leaves a last line cut short. Events appended later (a rollback, a
   * resume) must start on a line of their own, so the cut part goes, and the journal says so.
   */
  #dropCutLine(fd: number): void {
    const size = fstatSync(fd).size;
    if (size === 0) return;
    const tail = Buffer.alloc(Math.min(size, 64 * 1024));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    const lastNewline = tail.lastIndexOf(0x0a);
    if (lastNewline === tail.length - 1) return;
    const keep = lastNewline === -1 ? size - tail.length : size - tail.length + lastNewline + 1;
    ftruncateSync(fd, keep);
    this.#cutBytes = size - keep;
  }

  get cutBytes(): number {
    return this.#cutBytes;
  }

  readonly write = (event: RunEvent): void => {
    if (this.#fd === undefined) return;
    writeSync(this.#fd, `${JSON.stringify(event)}\n`);
    fdatasyncSync(this.#fd);
  };

  close(): void {
    if (this.#fd !== undefined) {
      closeSync(this.#fd);
      this.#fd = undefined;
    }
  }
}

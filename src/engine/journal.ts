// The journal: one JSON event per line, written and flushed to disk before the run moves on, so a
// crash or Ctrl-C leaves a readable record of exactly what was done.
import { closeSync, fdatasyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent } from './events.ts';

export class Journal {
  readonly path: string;
  #fd: number | undefined;

  constructor(runDir: string) {
    mkdirSync(runDir, { recursive: true });
    this.path = join(runDir, 'journal.jsonl');
    this.#fd = openSync(this.path, 'a', 0o600);
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

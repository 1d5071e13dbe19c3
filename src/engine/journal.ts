// The journal: one JSON event per line, written and flushed to disk before the run moves on, so a
// crash or Ctrl-C leaves a readable record of exactly what was done.
//
// A journal that cannot store an event (a full disk: ENOSPC; its folder removed: ENOENT; EIO) says
// so with a JournalWriteError naming the file and the system's reason, and never keeps half a line:
// what was written of the failed line is cut again, so every line stays a whole event. A folder
// removed under a running drill does not fail a write on its own (the open file lives on, unlinked),
// so each write checks that the file still has a name. The run decides what a failure means
// (runner.ts: the run stops before its next change and rolls back).
import { closeSync, fchmodSync, fdatasyncSync, ftruncateSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent } from './events.ts';
import { errnoReason, makeOwnerDir } from './owner-only.ts';

/** The journal's file could not store an event: `code` is the errno name (ENOSPC, ENOENT, EIO). */
export class JournalWriteError extends Error {
  readonly path: string;
  readonly code: string;
  constructor(path: string, cause: unknown) {
    const code = errnoCode(cause);
    super(`cannot write the journal ${path}: ${code}: ${errnoReason(cause)}`, { cause });
    this.path = path;
    this.code = code;
  }
}

export class Journal {
  readonly path: string;
  #fd: number | undefined;
  /** Bytes of a cut last line removed on opening, for the caller to report. */
  #cutBytes = 0;

  constructor(runDir: string) {
    makeOwnerDir(runDir);
    this.path = join(runDir, 'journal.jsonl');
    this.#fd = openSync(this.path, 'a+', 0o600);
    // A journal opened again (rollback, resume) is made the owner's alone too (a file, not a device).
    if (fstatSync(this.#fd).isFile()) fchmodSync(this.#fd, 0o600);
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

  /** Appends the event and flushes it; throws a JournalWriteError, leaving no part of it, if it cannot. */
  readonly write = (event: RunEvent): void => {
    const fd = this.#fd;
    if (fd === undefined) return;
    const line = Buffer.from(`${JSON.stringify(event)}\n`);
    let size: number | undefined;
    try {
      size = fstatSync(fd).size;
      // A nearly full disk takes part of a line and says so only by the count written.
      for (let written = 0; written < line.length;) written += writeSync(fd, line, written);
      fdatasyncSync(fd);
      if (fstatSync(fd).nlink === 0) throw removed();
    } catch (error) {
      if (size !== undefined) cutBackTo(fd, size);
      throw new JournalWriteError(this.path, error);
    }
  };

  close(): void {
    if (this.#fd !== undefined) {
      const fd = this.#fd;
      this.#fd = undefined;
      closeSync(fd);
    }
  }
}

function cutBackTo(fd: number, size: number): void {
  try {
    ftruncateSync(fd, size);
  } catch {
    // Not a file that can be cut (a device), or the disk is gone: a reader leaves a cut last line out.
  }
}

function removed(): NodeJS.ErrnoException {
  return Object.assign(new Error('the journal file was removed (its run folder deleted?)'), { code: 'ENOENT' });
}

function errnoCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'EIO';
}

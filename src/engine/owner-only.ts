// The files and folders of a run are its owner's alone (0600 files, 0700 folders): a journal
// holds cluster object names, answers and undo records, a report the run's outputs. Everything a
// run writes under its journal dir is made through here.
//
// Folders are made one level at a time rather than with mkdirSync's `recursive`: on a path the
// kernel refuses to create in (`/proc/x`), Node's recursive mkdir takes ENOENT to mean a missing
// parent, finds the parent there (EEXIST), tries the child again, and loops forever at 100% CPU.
// One level at a time, the first refusal is the real reason, and it is given.
import {
  chmodSync,
  closeSync,
  fdatasyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { getSystemErrorMessage } from 'node:util';

/** Makes `dir` and any missing parents, each 0700; an existing folder is left as it is. */
export function makeOwnerDir(dir: string): void {
  const missing: string[] = [];
  for (let at = resolve(dir); ; at = dirname(at)) {
    const found = statSync(at, { throwIfNoEntry: false });
    if (found?.isDirectory()) break;
    if (found) throw Object.assign(new Error(`${at} is not a folder`), { code: 'ENOTDIR', path: at });
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const path of missing) {
    try {
      mkdirSync(path, { mode: 0o700 });
    } catch (error) {
      // Made meanwhile by another run: as good as made by this one.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(path).isDirectory()) throw error;
    }
  }
}

/**
 * Writes a file of the run folder, its owner's alone even when it was there before. The text goes
 * to a new file first, renamed over the old one once whole: a full disk leaves the old file (or
 * none), never an empty or cut one.
 */
export function writeOwnerFile(path: string, text: string): void {
  const partial = `${path}.partial`;
  try {
    writeFileSync(partial, text, { mode: 0o600 });
    chmodSync(partial, 0o600);
    renameSync(partial, path);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/**
 * Whether a journal dir can hold runs: made if missing, then a small file written, flushed and
 * removed in it. Returns the problem (`where: ERRNO: reason`), or undefined when it can.
 */
export function journalDirProblem(dir: string): string | undefined {
  const probe = join(dir, `.kubectl-drill-write-check-${String(process.pid)}`);
  try {
    makeOwnerDir(dir);
    const fd = openSync(probe, 'w', 0o600);
    try {
      writeSync(fd, Buffer.alloc(4096));
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
      rmSync(probe, { force: true });
    }
    return undefined;
  } catch (error) {
    const { code, path } = error as NodeJS.ErrnoException;
    return `${path ?? resolve(dir)}: ${code ?? 'EIO'}: ${errnoReason(error)}`;
  }
}

/** The system's words for an errno ("no space left on device"), without Node's syscall and path. */
export function errnoReason(error: unknown): string {
  const { errno, message } = (error ?? {}) as NodeJS.ErrnoException;
  if (typeof errno === 'number') return getSystemErrorMessage(errno);
  return typeof message === 'string' ? message : String(error);
}

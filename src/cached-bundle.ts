// A CommonJS bundle of dist/ run through a V8 code cache made after the bundle has run. Node's own compile
// cache (src/start.ts) is made when a module is compiled, so it holds only the code V8 compiles up front:
// every function is compiled again at its first call, in every process. For `validate`, which editors and
// CI start on every save and push, that is the YAML parser, the schema walker and TypeBox, compiled anew
// each time. A cache made after a run holds the functions that run called, compiled (what
// v8-compile-cache did for CommonJS). An entry is keyed by Node and by the bundle's size and mtime, so a
// rebuilt bundle gets a new one: V8 itself checks only the source's length. A cache V8 refuses is
// replaced; one that cannot be read or written only means compiling as before.
// A cache is made at one of two moments: once the bundle has loaded, or once it has been used (its
// functions that the work called compiled too). The second supersedes the first and is kept apart by
// its name, so that a process that stops early still leaves the first and the next process upgrades it.
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/** When a code cache is made: as soon as the bundle has loaded, or after it has done its work. */
export type CacheMoment = 'loaded' | 'used';

export interface CachedBundle<Exports> {
  readonly exports: Exports;
  /**
   * Stores the code cache, with every function compiled so far, made at `moment`: unless the cache
   * this process read, and V8 accepted, was made at that moment or a later one.
   */
  save(moment: CacheMoment): void;
}

/** Runs the CommonJS bundle at `bundle` (a file: URL) with its code cache in `cacheDir`. */
export function loadCachedBundle<Exports>(bundle: URL, cacheDir: string): CachedBundle<Exports> {
  const file = fileURLToPath(bundle);
  const { size, mtimeMs } = statSync(file);
  const prefix = `${basename(file)}-${process.version}-${process.arch}-`;
  const cacheFile = (moment: CacheMoment) =>
    join(cacheDir, `${prefix}${size}-${Math.trunc(mtimeMs)}${moment === 'used' ? '-used' : ''}`);
  let cachedData: Buffer | undefined;
  let madeWhen: CacheMoment | undefined;
  for (const moment of ['used', 'loaded'] as const) {
    try {
      cachedData = readFileSync(cacheFile(moment));
      madeWhen = moment;
      break;
    } catch {
      // None made at that moment.
    }
  }
  // The wrapper Node's own loader gives a CommonJS module.
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`;
  const script = new Script(source, { filename: file, cachedData });
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(
    module.exports,
    createRequire(file),
    module,
    file,
    dirname(file),
  );
  return {
    exports: module.exports as Exports,
    save(moment) {
      const accepted = madeWhen !== undefined && !script.cachedDataRejected;
      if (accepted && (madeWhen === 'used' || moment === 'loaded')) return;
      try {
        mkdirSync(cacheDir, { recursive: true });
        // Entries of earlier builds of the bundle, for this Node, and one this entry supersedes, are of no more use.
        for (const entry of readdirSync(cacheDir)) if (entry.startsWith(prefix)) unlinkSync(join(cacheDir, entry));
        // Written whole, then renamed, so that a process starting meanwhile never reads half of it.
        const target = cacheFile(moment);
        const partial = `${target}.${process.pid}`;
        writeFileSync(partial, script.createCachedData());
        renameSync(partial, target);
      } catch {
        // No cache: the next run compiles as this one did.
      }
    },
  };
}

// Stack traces that name src/ files and lines, not lines of dist/'s bundles, at no cost to start-up.
// Node's own source map support (process.setSourceMapsEnabled) reads and indexes the map of every module as
// it loads, which costs more than the rest of `kubectl drill --help` together; this maps a trace only when
// one is formatted (an error printed), reading each bundle's map on first use. A frame outside dist/, or
// one the map does not cover, is left as V8 wrote it. With Node's support on (NODE_OPTIONS=
// --enable-source-maps) Node maps traces itself and this stays out of the way.
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Maps frames of files under `dir` (a file: URL or path ending in a separator) from then on. */
export function mapStackTraces(dir: string): void {
  if (process.sourceMapsEnabled) return;
  const prefix = dir.startsWith('file:') ? fileURLToPath(dir) : dir;
  const maps = new Map<string, SourceMap | undefined>();
  const mapOf = (file: string): SourceMap | undefined => {
    if (!maps.has(file)) {
      let map: SourceMap | undefined;
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload);
      } catch {
        map = undefined;
      }
      maps.set(file, map);
    }
    return maps.get(file);
  };
  const frameText = (frame: NodeJS.CallSite): string => {
    // A CallSite's toString is V8's own text of the frame.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    const text = frame.toString();
    const name = frame.getFileName();
    const line = frame.getLineNumber();
    const column = frame.getColumnNumber();
    if (!name || line === null || column === null) return text;
    const file = name.startsWith('file:') ? fileURLToPath(name) : name;
    if (!file.startsWith(prefix)) return text;
    const entry = mapOf(file)?.findEntry(line - 1, column - 1);
    if (!entry || !('originalSource' in entry)) return text;
    const source = resolve(dirname(file), entry.originalSource);
    return text.replace(`${name}:${line}:${column}`, `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`);
  };
  Error.prepareStackTrace = (error: unknown, frames: NodeJS.CallSite[]) =>
    [Error.prototype.toString.call(error), ...frames.map((frame) => `    at ${frameText(frame)}`)].join('\n');
}

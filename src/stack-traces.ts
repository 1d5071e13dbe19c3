// Stack traces that name src/ files and lines, not lines of dist/'s bundles, at no cost to start-up.
// Node's own source map support (process.setSourceMapsEnabled) reads and indexes the map of every module as
// it loads, which costs more than the rest of `kubectl drill --help` together; this maps a trace only when
// one is formatted (an error printed, or a socket error, whose stack Node's streams read), reading each
// bundle's map on first use and decoding only the lines asked about (src/source-map-lines.ts). A frame
// outside dist/, or one the map does not cover, is left as V8 wrote it. With Node's support on
// (NODE_OPTIONS=--enable-source-maps) Node maps traces itself and this stays out of the way.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineIndexedSourceMap, type OriginalPosition, type SourceMapPayload } from './source-map-lines.ts';

/** Maps frames of files under `dir` (a file: URL or path ending in a separator) from then on. */
export function mapStackTraces(dir: string): void {
  if (process.sourceMapsEnabled) return;
  const prefix = dir.startsWith('file:') ? fileURLToPath(dir) : dir;
  const maps = new Map<string, LineIndexedSourceMap | undefined>();
  const mapOf = (file: string): LineIndexedSourceMap | undefined => {
    if (!maps.has(file)) {
      let map: LineIndexedSourceMap | undefined;
      try {
        map = new LineIndexedSourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload);
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
    let original: OriginalPosition | undefined;
    try {
      original = mapOf(file)?.find(line - 1, column - 1);
    } catch {
      original = undefined; // a map that does not decode: the frame as V8 wrote it
    }
    if (!original) return text;
    const source = resolve(dirname(file), original.source);
    return text.replace(`${name}:${line}:${column}`, `${source}:${original.line + 1}:${original.column + 1}`);
  };
  Error.prepareStackTrace = (error: unknown, frames: NodeJS.CallSite[]) =>
    [Error.prototype.toString.call(error), ...frames.map((frame) => `    at ${frameText(frame)}`)].join('\n');
}

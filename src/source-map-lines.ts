// Looks up positions in a source map without decoding all of it. Node's SourceMap (node:module) decodes
// every mapping up front into an array of its own: for the client library's bundle (2.4 MB of map, 426,000
// mappings) that is about 50 MB of heap and 25 ms, paid whenever any stack trace is formatted, and Node's
// streams format the stack of every socket error they see. Here the `mappings` text stays a string; the
// first lookup notes where each generated line starts and the running original position there (3 numbers
// a line, in typed arrays), and each lookup then decodes the one line it asks about.

/** Where a generated position came from: a source of the map (as written in it), 0-based line and column. */
export interface OriginalPosition {
  source: string;
  line: number;
  column: number;
}

/** The source map fields this reads (version 3). */
export interface SourceMapPayload {
  sources: string[];
  mappings: string;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Int8Array(128).fill(-1);
for (let index = 0; index < BASE64.length; index++) DIGIT[BASE64.charCodeAt(index)] = index;
const SEGMENT_END = ','.charCodeAt(0);
const LINE_END = ';'.charCodeAt(0);

/** Decodes segments of `mappings` as the spec says: each field but the generated column is relative to the previous segment's, across lines. */
class SegmentReader {
  readonly #mappings: string;
  at = 0;
  generatedColumn = 0;
  /** The original position of the last segment that had one. */
  source = 0;
  line = 0;
  column = 0;
  /** Whether the segment read last has an original position (a 1-field segment has none). */
  mapped = false;

  constructor(mappings: string) {
    this.#mappings = mappings;
  }

  atSegment(): boolean {
    return this.at < this.#mappings.length && this.#mappings.charCodeAt(this.at) !== LINE_END;
  }

  /** Reads the segment at `at` and moves past it (and past the comma after it). */
  readSegment(): void {
    this.generatedColumn += this.#vlq();
    this.mapped = this.#inSegment();
    if (this.mapped) {
      this.source += this.#vlq();
      this.line += this.#vlq();
      this.column += this.#vlq();
      if (this.#inSegment()) this.#vlq(); // the name
    }
    if (this.#mappings.charCodeAt(this.at) === SEGMENT_END) this.at++;
  }

  #inSegment(): boolean {
    const code = this.#mappings.charCodeAt(this.at);
    return this.at < this.#mappings.length && code !== SEGMENT_END && code !== LINE_END;
  }

  #vlq(): number {
    let value = 0;
    let shift = 0;
    let digit: number;
    do {
      digit = DIGIT[this.#mappings.charCodeAt(this.at++)] ?? -1;
      if (digit < 0) throw new Error('invalid source map mappings');
      value += (digit & 31) * 2 ** shift;
      shift += 5;
    } while (digit & 32);
    return value % 2 === 1 ? -(value - 1) / 2 : value / 2;
  }
}

export class LineIndexedSourceMap {
  readonly #payload: SourceMapPayload;
  /** Per generated line: where it starts in `mappings`, and the running source, line and column there. */
  #lines: { starts: Int32Array; states: Int32Array } | undefined;

  constructor(payload: SourceMapPayload) {
    this.#payload = payload;
  }

  /**
   * The original position of a generated one (0-based): the last segment of its line at or before
   * its column or, when there is none, the last one of an earlier line, as Node's SourceMap.findEntry
   * finds it. Undefined before the first segment, or where the segment found maps to nothing.
   */
  find(line: number, column: number): OriginalPosition | undefined {
    const lines = this.#index();
    if (line < 0) return undefined;
    // Past the map's last line, everything it maps comes before.
    if (line >= lines.starts.length) return this.find(lines.starts.length - 1, Infinity);
    const reader = new SegmentReader(this.#payload.mappings);
    let found: OriginalPosition | undefined;
    let any = false;
    for (let current = line; current >= 0 && !any; current--) {
      reader.at = lines.starts[current] ?? 0;
      reader.generatedColumn = 0;
      reader.source = lines.states[current * 3] ?? 0;
      reader.line = lines.states[current * 3 + 1] ?? 0;
      reader.column = lines.states[current * 3 + 2] ?? 0;
      while (reader.atSegment()) {
        reader.readSegment();
        if (current === line && reader.generatedColumn > column) break;
        any = true;
        found = reader.mapped
          ? { source: this.#payload.sources[reader.source] ?? '', line: reader.line, column: reader.column }
          : undefined;
      }
    }
    return found;
  }

  #index(): { starts: Int32Array; states: Int32Array } {
    if (this.#lines) return this.#lines;
    const { mappings } = this.#payload;
    let count = 1;
    for (let at = mappings.indexOf(';'); at !== -1; at = mappings.indexOf(';', at + 1)) count++;
    const starts = new Int32Array(count);
    const states = new Int32Array(count * 3);
    const reader = new SegmentReader(mappings);
    for (let line = 0; line < count; line++) {
      starts[line] = reader.at;
      states[line * 3] = reader.source;
      states[line * 3 + 1] = reader.line;
      states[line * 3 + 2] = reader.column;
      while (reader.atSegment()) reader.readSegment();
      reader.at++; // the semicolon
    }
    this.#lines = { starts, states };
    return this.#lines;
  }
}

// Looks up positions in a source map without decoding all of it. Node's SourceMap (node:module) decodes
// every mapping up front into an array of its own: for the client library's bundle (426,000 mappings)
// that is tens of MB of heap and 25 ms, paid whenever any stack trace is formatted, and Node's streams
// format the stack of every socket error they see. Here the `mappings` text stays a string; lookups
// note, every CHECKPOINT_EVERY segments, where that segment ends in the text and the running state
// there (7 numbers), and each lookup then decodes from the checkpoint before its position.
// Checkpoints, not line starts: a minified bundle is a few lines of megabytes each. They are noted as
// far as the lookups so far needed and no further: decoding all of the client library's mappings
// took 83 ms, paid at the exit of every `plan` and `run`, whose closing connections are destroyed
// with an error whose stack Node's streams read.

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
  generatedLine = 0;
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

  /** Reads the next segment, past the ends of lines before it; false at the end of the mappings. */
  next(): boolean {
    while (this.at < this.#mappings.length && this.#mappings.charCodeAt(this.at) === LINE_END) {
      this.at++;
      this.generatedLine++;
      this.generatedColumn = 0;
    }
    if (this.at >= this.#mappings.length) return false;
    this.#readSegment();
    return true;
  }

  /** Reads the segment at `at` and moves past it (and past the comma after it). */
  #readSegment(): void {
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
    const mappings = this.#mappings;
    let at = this.at;
    let value = 0;
    let scale = 1;
    let digit: number;
    do {
      digit = DIGIT[mappings.charCodeAt(at++)] ?? -1;
      if (digit < 0) throw new Error('invalid source map mappings');
      value += (digit & 31) * scale;
      scale *= 32;
    } while (digit & 32);
    this.at = at;
    return value % 2 === 1 ? -(value - 1) / 2 : value / 2;
  }
}

/** Whether generated position (line, column) comes after (atLine, atColumn). */
function isAfter(line: number, column: number, atLine: number, atColumn: number): boolean {
  return line > atLine || (line === atLine && column > atColumn);
}

/** Segments between two checkpoints: a lookup decodes fewer than this many. */
const CHECKPOINT_EVERY = 64;
/** A checkpoint's fields, in this order: where its segment ends in `mappings`, then the reader's state after it. */
const FIELDS = 7;

export class LineIndexedSourceMap {
  readonly #payload: SourceMapPayload;
  /** FIELDS numbers per checkpoint: end, generated line and column, source, line, column, mapped (0 or 1). */
  readonly #checkpoints: number[] = [];
  /** Where the noting of checkpoints stopped: just after the last segment read. */
  readonly #reader: SegmentReader;
  #segments = 0;

  constructor(payload: SourceMapPayload) {
    this.#payload = payload;
    this.#reader = new SegmentReader(payload.mappings);
  }

  /**
   * The original position of a generated one (0-based): the last segment at or before it, on its
   * line or, when there is none, on an earlier line, as Node's SourceMap.findEntry finds it. Undefined
   * before the first segment, or where the segment found maps to nothing.
   */
  find(line: number, column: number): OriginalPosition | undefined {
    const checkpoints = this.#indexThrough(line, column);
    const after = (at: number): boolean =>
      isAfter(checkpoints[at * FIELDS + 1] ?? 0, checkpoints[at * FIELDS + 2] ?? 0, line, column);
    // The last checkpoint at or before the position, by binary search.
    let low = 0;
    let high = checkpoints.length / FIELDS;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (after(middle)) high = middle;
      else low = middle + 1;
    }
    const checkpoint = low - 1;
    if (checkpoint < 0) return undefined;
    const reader = new SegmentReader(this.#payload.mappings);
    const base = checkpoint * FIELDS;
    reader.at = checkpoints[base] ?? 0;
    reader.generatedLine = checkpoints[base + 1] ?? 0;
    reader.generatedColumn = checkpoints[base + 2] ?? 0;
    reader.source = checkpoints[base + 3] ?? 0;
    reader.line = checkpoints[base + 4] ?? 0;
    reader.column = checkpoints[base + 5] ?? 0;
    reader.mapped = checkpoints[base + 6] === 1;
    let found = this.#position(reader);
    while (reader.next() && !isAfter(reader.generatedLine, reader.generatedColumn, line, column)) {
      found = this.#position(reader);
    }
    return found;
  }

  #position(reader: SegmentReader): OriginalPosition | undefined {
    if (!reader.mapped) return undefined;
    return { source: this.#payload.sources[reader.source] ?? '', line: reader.line, column: reader.column };
  }

  /** The checkpoints, noted at least as far as the first segment after generated position (line, column). */
  #indexThrough(line: number, column: number): number[] {
    const reader = this.#reader;
    // Before its first segment the reader stands at (0, 0), after no position; at the end, next() is false.
    while (!isAfter(reader.generatedLine, reader.generatedColumn, line, column) && reader.next()) {
      if (this.#segments++ % CHECKPOINT_EVERY === 0) {
        const { at, generatedLine, generatedColumn, source, line: original, column: originalColumn, mapped } = reader;
        this.#checkpoints.push(at, generatedLine, generatedColumn, source, original, originalColumn, mapped ? 1 : 0);
      }
    }
    return this.#checkpoints;
  }
}

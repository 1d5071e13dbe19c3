/** Maps paths in a runbook (`['spec', 'steps', 2, 'with', 'selector']`) to where they are in its file. */
import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { SourcePosition } from './problem.ts';

export type PropertyPath = readonly (string | number)[];

interface Located {
  node: Node | null;
  key: Node | null;
}

export class SourcePositions {
  readonly #document: Document;
  readonly #lineCounter: LineCounter;

  constructor(document: Document, lineCounter: LineCounter) {
    this.#document = document;
    this.#lineCounter = lineCounter;
  }

  /** Position of a character offset in the file. */
  ofOffset(offset: number): SourcePosition {
    const { line, col } = this.#lineCounter.linePos(offset);
    return { line, col };
  }

  /** Position where a node starts. */
  ofNode(node: Node): SourcePosition {
    return this.ofOffset(node.range?.[0] ?? 0);
  }

  /**
   * Position of the value at `path`. An empty value is located at its key; a missing one at the
   * nearest mapping or list that exists, since that is what lacks it.
   */
  ofValue(path: PropertyPath): SourcePosition {
    for (let length = path.length; length >= 0; length--) {
      const { node, key } = this.#locate(path.slice(0, length));
      const isEmptyValue = isScalar(node) && node.value === null && node.source === '';
      if (node && !isEmptyValue) return this.ofNode(node);
      if (key) return this.ofNode(key);
    }
    return { line: 1, col: 1 };
  }

  /** Position of the key of the entry at `path`, or of its value when it is a list item. */
  ofKey(path: PropertyPath): SourcePosition {
    const { key } = this.#locate(path);
    return key ? this.ofNode(key) : this.ofValue(path);
  }

  /** The YAML node at `path`, for callers that need its exact source range. */
  nodeAt(path: PropertyPath): Node | null {
    return this.#locate(path).node;
  }

  #locate(path: PropertyPath): Located {
    let located: Located = { node: this.#document.contents, key: null };
    for (const segment of path) {
      const node = isAlias(located.node) ? (located.node.resolve(this.#document) as Node | undefined) : located.node;
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && item.key.value === segment);
        if (!pair) return { node: null, key: null };
        located = { node: pair.value as Node | null, key: pair.key as Node };
      } else if (isSeq(node) && typeof segment === 'number') {
        located = { node: (node.items[segment] as Node | undefined) ?? null, key: null };
      } else {
        return { node: null, key: null };
      }
    }
    return located;
  }
}

// Broken runbooks made from the shipped ones, for the property tests of `validate`: the mistakes a
// tired person or a bad merge makes to a YAML file, at three levels. Bytes and lines (delete,
// duplicate, swap, re-indent, insert random or YAML-special text), and YAML nodes (delete a key,
// give a value another type, duplicate or swap list items, rename a key, even to `__proto__`).
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { type Document, isMap, isScalar, isSeq, type Node, parseDocument } from 'yaml';
import { repoRoot } from './paths.ts';

/** How many mutated runbooks the in-process property checks (README: "Property-based validation"). */
export const IN_PROCESS_RUNS = 1200;
/** How many of them also go through the built CLI, for the exit code and stderr contract. */
export const CLI_RUNS = 24;

export const shippedRunbooks = readdirSync(`${repoRoot}runbooks`)
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  // Without their opening comment, where most mutations would only make a comment into a key.
  .map((name) => ({ name, source: readFileSync(`${repoRoot}runbooks/${name}`, 'utf8').replace(/^(#.*\n)+/, '') }));

const SPECIAL = [
  ':',
  ': ',
  '- ',
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  '#',
  '&a ',
  '*a',
  '!!int ',
  '|',
  '>',
  '%',
  '@',
  '`',
  '\t',
  '\n',
  '${{',
  '}}',
  '${{ params.x }}',
  '${{ steps.a.outputs.b }}',
  '---\n',
  '...',
  '\\',
  '\u00a0',
  '\r\n',
  'é',
  '\u{1F600}',
  '0x1F',
  '1e400',
  '-',
  '=',
  '!',
  '(',
  ')',
  ',',
];

const text = fc.oneof(
  fc.constantFrom(...SPECIAL),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);

/** A mutation of the source text; positions are fractions, so they fit any length. */
type TextMutation = (source: string) => string;

const at = (fraction: number, length: number) => Math.min(length, Math.floor(fraction * (length + 1)));
// Unbiased: fast-check favours small numbers, which would keep every mutation near the top of the file.
const fraction = fc.noBias(fc.nat({ max: 999_999 })).map((n) => n / 1_000_000);
const pick = fc.noBias(fc.nat({ max: 1_000_000 }));

const lineMutation = (edit: (lines: string[], i: number, j: number, extra: string, indent: number) => void) =>
  fc
    .tuple(fraction, fraction, text, fc.integer({ min: -4, max: 4 }))
    .map(([a, b, extra, indent]): TextMutation => (source) => {
      const lines = source.split('\n');
      edit(lines, at(a, lines.length - 1), at(b, lines.length - 1), extra, indent);
      return lines.join('\n');
    });

const textMutations: fc.Arbitrary<TextMutation>[] = [
  // Delete a run of characters.
  fc.tuple(fraction, fc.integer({ min: 1, max: 20 })).map(
    ([a, n]) =>
      (s: string) =>
        s.slice(0, at(a, s.length)) + s.slice(at(a, s.length) + n),
  ),
  // Insert text.
  fc.tuple(fraction, text).map(
    ([a, t]) =>
      (s: string) =>
        s.slice(0, at(a, s.length)) + t + s.slice(at(a, s.length)),
  ),
  // Replace one character.
  fc.tuple(fraction, text).map(
    ([a, t]) =>
      (s: string) =>
        s.slice(0, at(a, s.length)) + t + s.slice(at(a, s.length) + 1),
  ),
  // Truncate.
  fraction.map((a) => (s: string) => s.slice(0, at(a, s.length))),
  lineMutation((lines, i) => lines.splice(i, 1)),
  lineMutation((lines, i) => lines.splice(i, 0, lines[i] ?? '')),
  lineMutation((lines, i, j) => {
    [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
  }),
  lineMutation((lines, i, _j, _extra, indent) => {
    const line = lines[i] ?? '';
    lines[i] = indent >= 0 ? ' '.repeat(indent) + line : line.replace(new RegExp(`^ {0,${-indent}}`), '');
  }),
  lineMutation((lines, i, _j, extra) => {
    lines[i] = `${lines[i] ?? ''}${extra}`;
  }),
];

/** Values of every YAML type, including the ones that look like others (`"3"`, `yes`, `1h`). */
const yamlValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(
      null,
      true,
      false,
      0,
      -1,
      3.5,
      1e21,
      '',
      ' ',
      '3',
      'yes',
      '1h',
      '10m',
      '0',
      'null',
      '~',
      '__proto__',
    ),
    fc.string({ maxLength: 10 }),
    fc.integer(),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'id', 'action', 'with', '__proto__', 'constructor', 'error'), tie('value'), {
      maxKeys: 3,
    }),
  ),
})).value;

const keyName = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'error',
    'valueOf',
    'spec',
    'with',
    'id',
    '',
  ),
  fc.string({ maxLength: 8 }),
);

/** A mutation of the YAML tree, applied to a node picked by `pick` among all collections. */
type NodeMutation = (node: Node, pick: number, document: Document) => void;

const nodeMutations: fc.Arbitrary<NodeMutation>[] = [
  // Delete an entry or item.
  fc.constant((node: Node, pick: number) => {
    if (isMap(node) || isSeq(node)) node.items.splice(pick % Math.max(1, node.items.length), 1);
  }),
  // Give a value another type.
  yamlValue.map((value) => (node: Node, pick: number, document: Document) => {
    const replacement = document.createNode(value ?? null);
    if (isMap(node) && node.items.length > 0) {
      const pair = node.items[pick % node.items.length];
      if (pair) pair.value = replacement;
    } else if (isSeq(node) && node.items.length > 0) {
      node.items[pick % node.items.length] = replacement;
    }
  }),
  // Duplicate an entry (a duplicate key) or an item.
  fc.constant((node: Node, pick: number) => {
    if ((isMap(node) || isSeq(node)) && node.items.length > 0) {
      const index = pick % node.items.length;
      (node.items as unknown[]).splice(index, 0, node.items[index]);
    }
  }),
  // Swap two entries or items.
  pick.map((other) => (node: Node, pick: number) => {
    if ((isMap(node) || isSeq(node)) && node.items.length > 1) {
      const items = node.items as unknown[];
      const [i, j] = [pick % items.length, other % items.length];
      [items[i], items[j]] = [items[j], items[i]];
    }
  }),
  // Rename a key.
  keyName.map((name) => (node: Node, pick: number) => {
    const pair = isMap(node) && node.items.length > 0 ? node.items[pick % node.items.length] : undefined;
    if (pair && isScalar(pair.key)) pair.key.value = name;
  }),
];

function collections(node: unknown, found: Node[] = []): Node[] {
  if (isMap(node)) {
    found.push(node);
    for (const pair of node.items) collections(pair.value, found);
  } else if (isSeq(node)) {
    found.push(node);
    for (const item of node.items) collections(item, found);
  }
  return found;
}

const nodeMutation = fc
  .tuple(fc.oneof(...nodeMutations), pick, pick)
  .map(([mutate, which, pick]): TextMutation => (source) => {
    const document = parseDocument(source);
    if (document.errors.length > 0) return source;
    const all = collections(document.contents);
    const target = all[which % Math.max(1, all.length)];
    if (target) mutate(target, pick, document);
    return document.toString();
  });

/** A shipped runbook with one to four mutations, node-level first so that they see valid YAML. */
export const mutatedRunbook = fc
  .record({
    runbook: fc.constantFrom(...shippedRunbooks),
    nodes: fc.array(nodeMutation, { maxLength: 2 }),
    texts: fc.array(fc.oneof(...textMutations), { maxLength: 2 }),
  })
  .filter(({ nodes, texts }) => nodes.length + texts.length > 0)
  .map(({ runbook, nodes, texts }) => ({
    name: runbook.name,
    source: [...nodes, ...texts].reduce((source, mutate) => mutate(source), runbook.source),
  }));

/** `--set` values with names a user may type, including ones named like internal fields. */
export const setValues = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom('region', 'namespace', 'prometheus', 'backup'), keyName),
    fc.string({ maxLength: 8 }),
  ),
  { maxLength: 3 },
);

/** file:line:col: message, with a message that is one line and not a stack trace. */
export const PROBLEM_LINE = /^[^\n]+:\d+:\d+: [^\n]+$/;
export const STACK_TRACE = /\n\s+at |Error: .*\n|TypeError|RangeError|ReferenceError|\[object Object\]/;

// The lazy source map lookup (src/source-map-lines.ts) finds what Node's own SourceMap finds, at every
// generated position of a real bundle of ours, minified or not, and handles what esbuild rarely writes: lines with no
// segment, segments without an original position, and a map that does not decode.
import assert from 'node:assert/strict';
import { SourceMap } from 'node:module';
import { test } from 'node:test';
import { build } from 'esbuild';
import { LineIndexedSourceMap, type SourceMapPayload } from '../../src/source-map-lines.ts';
import { repoRoot } from '../support/paths.ts';

for (const minified of [false, true]) {
  const shape = minified ? 'a minified bundle (a few lines of hundreds of KB)' : 'a bundle';
  test(`finds what node:module SourceMap finds, at every position of ${shape}`, async () => {
    const result = await build({
      absWorkingDir: repoRoot,
      entryPoints: ['src/runbook/validate.ts'],
      bundle: true,
      format: 'esm',
      platform: 'node',
      sourcemap: 'external',
      minifyWhitespace: minified,
      outfile: 'out.js',
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles.find((file) => file.path.endsWith('.js'))?.text ?? '';
    const payload = JSON.parse(
      result.outputFiles.find((file) => file.path.endsWith('.map'))?.text ?? '{}',
    ) as SourceMapPayload;
    const node = new SourceMap(payload as ConstructorParameters<typeof SourceMap>[0]);
    const lazy = new LineIndexedSourceMap(payload);
    // The checkpoints are noted as far as lookups need: from the end backwards, one lookup notes them all.
    const backwards = new LineIndexedSourceMap(payload);
    const lines = code.split('\n');
    assert.ok(payload.sources.length > 20, 'a bundle of many sources');
    assert.ok(minified ? lines.some((text) => text.length > 100_000) : lines.length > 5000, `${lines.length} lines`);
    let compared = 0;
    lines.forEach((text, line) => {
      const columns = new Set([0, 1, 2, 7, Math.floor(text.length / 3), Math.floor(text.length / 2), text.length]);
      // Along a long line, a column every 37 characters: lookups land on every checkpoint interval.
      for (let column = 0; text.length > 1000 && column < text.length; column += 37) columns.add(column);
      for (const column of columns) {
        const entry = node.findEntry(line, column);
        const expected =
          'originalSource' in entry
            ? { source: entry.originalSource, line: entry.originalLine, column: entry.originalColumn }
            : undefined;
        assert.deepEqual(lazy.find(line, column), expected, `line ${line} column ${column}`);
        compared++;
      }
    });
    for (let line = lines.length - 1; line >= 0; line--) {
      for (const column of [lines[line]?.length ?? 0, 1, 0]) {
        const entry = node.findEntry(line, column);
        const expected =
          'originalSource' in entry
            ? { source: entry.originalSource, line: entry.originalLine, column: entry.originalColumn }
            : undefined;
        assert.deepEqual(backwards.find(line, column), expected, `backwards: line ${line} column ${column}`);
      }
    }
    assert.ok(compared > 20_000, `${compared} positions`);
  });
}

test('lines without segments, and those past the end, fall back to an earlier line; a segment without a source maps to nothing', () => {
  // Line 0: column 0 -> a.ts 0:0, column 4 -> a.ts 1:2; line 1: nothing; line 2: column 3, no source;
  // line 3: column 5 -> b.ts 3:3 (every field but the generated column counts from the segment before).
  const map = new LineIndexedSourceMap({ sources: ['a.ts', 'b.ts'], mappings: 'AAAA,IACE;;G;KCEC' });
  assert.equal(map.find(0, 0)?.column, 0);
  assert.deepEqual(map.find(0, 3), { source: 'a.ts', line: 0, column: 0 });
  assert.deepEqual(map.find(0, 9), { source: 'a.ts', line: 1, column: 2 });
  assert.deepEqual(map.find(1, 0), { source: 'a.ts', line: 1, column: 2 }, 'the last segment before it');
  assert.deepEqual(map.find(2, 2), { source: 'a.ts', line: 1, column: 2 });
  assert.equal(map.find(2, 3), undefined, 'a generated position that maps to nothing');
  assert.deepEqual(map.find(3, 4), undefined);
  assert.deepEqual(map.find(3, 5), { source: 'b.ts', line: 3, column: 3 });
  assert.deepEqual(map.find(9, 0), { source: 'b.ts', line: 3, column: 3 }, 'past the last line, the last segment');
  assert.equal(
    new LineIndexedSourceMap({ sources: ['a.ts'], mappings: 'IAAA' }).find(0, 3),
    undefined,
    'before the first segment',
  );
  assert.throws(() => new LineIndexedSourceMap({ sources: [], mappings: 'A!AA' }).find(0, 5), /invalid source map/);
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

// Each load in a process of its own, as the CLI's: within one process V8 reuses what it compiled
// already and never looks at the cache.
const cachedBundle = new URL('../../src/cached-bundle.ts', import.meta.url).href;
const loadAndSave = `
  import { pathToFileURL } from 'node:url';
  import { loadCachedBundle } from ${JSON.stringify(cachedBundle)};
  const [bundle, cacheDir, ...moments] = process.argv.slice(1);
  const loaded = loadCachedBundle(pathToFileURL(bundle), cacheDir);
  if (loaded.exports.answer() !== 42) process.exit(3);
  for (const moment of moments) loaded.save(moment);
`;

test('a cache made at load is kept until one made after use supersedes it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'drill-cached-bundle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = join(dir, 'answer.cjs');
  writeFileSync(bundle, 'exports.answer = function answer() { return [6, 7].reduce((a, b) => a * b); };\n');
  const cacheDir = join(dir, 'cache');
  const run = (...moments: string[]) => {
    const result = spawnSync(process.execPath, [
      '--input-type=module',
      '-e',
      loadAndSave,
      bundle,
      cacheDir,
      ...moments,
    ]);
    assert.equal(result.status, 0, result.stderr.toString());
  };
  const entries = () => readdirSync(cacheDir).map((name) => name.replace(/^answer\.cjs-v[\d.]+-\w+-\d+-\d+/, ''));

  run('loaded');
  assert.deepEqual(entries(), [''], 'made at load');
  // A process stopped before its exit leaves that one; the next keeps it at load, and replaces it
  // with one made after use.
  run('loaded');
  assert.deepEqual(entries(), ['']);
  run('loaded', 'used');
  assert.deepEqual(entries(), ['-used']);

  const usedFile = join(cacheDir, readdirSync(cacheDir)[0] ?? '');
  const { mtimeMs } = statSync(usedFile);
  run('loaded', 'used');
  assert.deepEqual(entries(), ['-used']);
  assert.equal(statSync(usedFile).mtimeMs, mtimeMs, 'an accepted cache made after use is left as it is');

  writeFileSync(usedFile, 'not a V8 code cache');
  run('loaded');
  assert.deepEqual(entries(), [''], 'a refused cache is replaced');
});

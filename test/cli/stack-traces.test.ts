// Stack traces from the built bundles, minified as `npm run build` makes them, name the files and lines
// they came from (src/stack-traces.ts): an error thrown deep inside dist/client-library.cjs, by the YAML
// parser the client library reads kubeconfigs with, reads as the library's own sources; one thrown in
// dist/engine.cjs, as the CLI runs it, reads as ours.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/paths.ts';

test('a stack trace from the minified client library bundle names the sources and their lines', () => {
  const script = `
    import { createRequire } from 'node:module';
    import { mapStackTraces } from ${JSON.stringify(`${repoRoot}src/stack-traces.ts`)};
    Error.stackTraceLimit = 50;
    mapStackTraces(${JSON.stringify(`${repoRoot}dist/`)});
    const { KubeConfig } = createRequire(import.meta.url)(${JSON.stringify(`${repoRoot}dist/client-library.cjs`)});
    try {
      new KubeConfig().loadFromString('clusters: [unclosed');
    } catch (error) {
      console.log(error.stack);
    }`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const frames = result.stdout.split('\n').filter((line) => line.startsWith('    at '));
  assert.ok(frames.length > 5, result.stdout);
  assert.deepEqual(
    frames.filter((frame) => frame.includes('client-library.cjs')),
    [],
    'no frame is left in the bundle',
  );
  const loadFromString = frames.find((frame) => frame.includes('loadFromString'));
  assert.match(loadFromString ?? '', /node_modules\/@kubernetes\/client-node\/[^:]+:\d+:\d+\)$/, result.stdout);
  assert.ok(
    frames.some((frame) => /node_modules\/js-yaml\/.*:\d+:\d+\)$/.test(frame)),
    'the parser that threw has frames of its own',
  );
});

test('a stack trace from the engine bundle, run through its code cache as the CLI runs it, names src/', (t) => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'drill-engine-cache-'));
  t.after(() => rmSync(cacheDir, { recursive: true, force: true }));
  const script = `
    import { loadCachedBundle } from ${JSON.stringify(`${repoRoot}src/cached-bundle.ts`)};
    import { mapStackTraces } from ${JSON.stringify(`${repoRoot}src/stack-traces.ts`)};
    mapStackTraces(${JSON.stringify(`${repoRoot}dist/`)});
    const engine = loadCachedBundle(new URL(${JSON.stringify(`file://${repoRoot}dist/engine.cjs`)}), ${JSON.stringify(cacheDir)});
    try {
      await engine.exports.runDrill({ file: 'x.yaml', set: {}, journalDir: '/dev/null/runs' }, undefined);
    } catch (error) {
      console.log(error.stack);
    }`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /cannot hold runs/);
  assert.match(result.stdout, /\n {4}at (Object\.)?runDrill \(.*\/src\/engine\/session\.ts:\d+:\d+\)\n/, result.stdout);
  assert.doesNotMatch(result.stdout, /engine\.cjs/, 'no frame is left in the bundle');
});

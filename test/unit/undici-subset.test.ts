// The client library's bundle gives the library only the parts of undici it imports
// (scripts/undici-subset.ts): it must import nothing else, and each part must be where the subset
// takes it from, or the bundle would hand the library undefined.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { UNDICI_PARTS } from '../../scripts/undici-subset.ts';
import { repoRoot } from '../support/paths.ts';

const library = `${repoRoot}node_modules/@kubernetes/client-node/dist`;

function javascriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return javascriptFiles(path);
    return entry.name.endsWith('.js') ? [path] : [];
  });
}

test('the client library imports from undici only the names the subset has', () => {
  const imported = new Set<string>();
  let importers = 0;
  for (const file of javascriptFiles(library)) {
    const source = readFileSync(file, 'utf8');
    assert.doesNotMatch(
      source,
      /\bimport\s*\(\s*['"]undici['"]|require\(\s*['"]undici['"]|\* as \w+ from ['"]undici['"]/,
      file,
    );
    for (const [, names = ''] of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"]undici['"]/g)) {
      importers++;
      for (const name of names.split(',')) {
        const [importedName] = name.trim().split(/\s+as\s+/);
        if (importedName) imported.add(importedName);
      }
    }
  }
  assert.ok(importers > 0, 'the library imports from undici');
  assert.deepEqual([...imported].sort(), Object.keys(UNDICI_PARTS).sort());
});

test("each part of the subset is undici's function or class of that name", () => {
  const require = createRequire(repoRoot);
  for (const [name, { module, exportName }] of Object.entries(UNDICI_PARTS)) {
    const exported = require(module) as Record<string, unknown> & (() => unknown);
    const part: unknown = exportName === undefined ? exported : exported[exportName];
    assert.equal(typeof part, 'function', name);
    assert.equal((part as () => unknown).name, name);
  }
});

// kubectl drill init: every template validates as written, names the runbook, points editors at
// the schema, and never overwrites a file unless forced.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { formatResult, validateRunbookFile } from '../../src/runbook/index.ts';
import { writeStarter } from '../../src/runbook/starter.ts';
import { templateNames } from '../../src/runbook/templates/registry.ts';
import { repoRoot } from '../support/paths.ts';

const schemaFile = join(repoRoot, 'schema', 'runbook.schema.json');

describe('init', () => {
  for (const template of templateNames) {
    it(`${template}: validates as written, says what to change, and points editors at the schema`, async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'drill-init-'));
      const written = writeStarter({ name: `my-${template}`, template, force: false, cwd, schemaFile });
      assert.equal(written.file, join(cwd, `my-${template}.yaml`));
      const text = readFileSync(written.file, 'utf8');
      const [first = ''] = text.split('\n');
      const ref = /^# yaml-language-server: \$schema=(.+)$/.exec(first)?.[1] ?? assert.fail(first);
      assert.equal(resolve(dirname(written.file), ref), schemaFile);
      assert.match(text, /^ {2}name: my-.+$/m);
      assert.match(text, /CHANGE/);
      assert.deepEqual(formatResult(await validateRunbookFile(written.file)), [`${written.file}: valid`]);
    });
  }

  it('refuses to overwrite a file unless forced, and takes a path or a --schema', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'drill-init-'));
    writeFileSync(join(cwd, 'zone-outage.yaml'), 'mine');
    const options = { template: 'zone-outage', force: false, cwd, schemaFile };
    assert.throws(() => writeStarter(options), /zone-outage.yaml exists: --force overwrites it/);
    assert.equal(readFileSync(join(cwd, 'zone-outage.yaml'), 'utf8'), 'mine');
    writeStarter({ ...options, force: true });
    assert.match(readFileSync(join(cwd, 'zone-outage.yaml'), 'utf8'), /name: zone-outage/);
    const nested = writeStarter({
      ...options,
      name: 'drills/b.yml',
      schema: 'https://example.com/runbook.schema.json',
    });
    assert.ok(existsSync(join(cwd, 'drills', 'b.yml')));
    assert.equal(nested.name, 'b');
    assert.match(
      readFileSync(nested.file, 'utf8'),
      /^# yaml-language-server: \$schema=https:\/\/example.com\/runbook.schema.json\n/,
    );
  });

  it('refuses a name that cannot name a runbook, and an unknown template', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'drill-init-'));
    assert.throws(
      () => writeStarter({ name: 'Bad_Name', template: 'zone-outage', force: false, cwd, schemaFile }),
      /cannot name a runbook/,
    );
    assert.throws(
      () => writeStarter({ template: 'nope', force: false, cwd, schemaFile }),
      /no template "nope" \(templates: evacuate-region, rollback-release, restore-data, zone-outage\)/,
    );
  });
});

// explain and actions: made from the runbook schema, so what they say is what validation accepts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { actionNames } from '../../src/actions/registry.ts';
import { actionDocs, explain } from '../../src/runbook/explain.ts';
import { formatResult, validateRunbook } from '../../src/runbook/index.ts';
import { renderActionList, renderExplained } from '../../src/ui/explain.ts';

describe('explain', () => {
  it('nodes.drain names every input with its type and default, its rules, outputs and permissions', () => {
    const text = renderExplained(explain('nodes.drain')).join('\n');
    assert.match(text, /^ACTION: +nodes\.drain$/m);
    assert.match(text, /^ {4}parallelism\t<integer> {2}default: 1$/m);
    assert.match(text, /^ {4}gracePeriod\t<duration>$/m);
    assert.match(text, /^ {4}nodes\t<\[\]string>$/m);
    assert.match(text, /exactly one of: selector, nodes/);
    assert.match(text, /^ {4}evictedPods$/m);
    assert.match(text, /^ {4}create pods\/eviction \(cluster-wide\)$/m);
    assert.match(text, /^ {6}action: nodes\.drain$/m);
  });

  it('a field: its type, default and description; a nested object lists its fields and rules', () => {
    assert.deepEqual(renderExplained(explain('nodes.drain.parallelism')), [
      'ACTION:     nodes.drain',
      'FIELD:      parallelism <integer>',
      'DEFAULT:    1',
      '',
      'DESCRIPTION:',
      '    How many nodes to drain at the same time.',
    ]);
    const measure = renderExplained(explain('traffic.drain.measure')).join('\n');
    assert.match(measure, /^ {4}source\t<string> {2}required, one of: prometheus, endpoints, http$/m);
    assert.match(measure, /with source: prometheus, requires: query/);
    const source = explain('traffic.drain.measure.source');
    assert.equal(source.kind === 'field' && source.field.required, true);
  });

  it('permissions follow the example inputs, with the namespace as a placeholder', () => {
    const explained = explain('rollout.undo');
    assert.equal(explained.kind, 'action');
    const permissions = explained.kind === 'action' ? (explained.action.examples[0]?.permissions ?? []) : [];
    assert.ok(
      permissions.some((p) => p.includes('deployments.apps') && p.includes('namespace "shop"')),
      permissions.join('\n'),
    );
  });

  it('says what is misspelt, with the closest name', () => {
    assert.throws(() => explain('nodes.drian'), /no action "nodes.drian": did you mean nodes.drain\?/);
    assert.throws(
      () => explain('nodes.drain.paralelism'),
      /nodes.drain has no field "paralelism": did you mean parallelism\?/,
    );
    assert.throws(() => explain('sleep.duration.x'), /sleep.duration has no field "x"/);
  });
});

describe('actions', () => {
  it('lists every registered action once', () => {
    const lines = renderActionList(actionDocs());
    assert.deepEqual(
      lines.slice(1, -2).map((line) => line.split(/\s+/)[0]),
      [...actionNames],
    );
    assert.match(lines.find((l) => l.startsWith('manual')) ?? '', /^manual +no +/);
  });

  it('every action has an example, and every example is a valid step', () => {
    const steps = actionDocs().flatMap((doc) => {
      assert.ok(doc.examples.length > 0, `${doc.name} has no example`);
      return doc.examples.map((example, index) => ({
        id: `${doc.name.replaceAll('.', '-')}-${index}`,
        action: doc.name,
        with: example.with,
      }));
    });
    const source = stringify({
      apiVersion: 'drill/v1',
      kind: 'Runbook',
      metadata: { name: 'examples' },
      spec: { steps },
    });
    assert.deepEqual(formatResult(validateRunbook(source, 'examples.yaml')), ['examples.yaml: valid']);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  containsTemplate,
  isWholeTemplate,
  resolveTemplate,
  resolveTemplates,
  scanTemplates,
} from '../../src/runbook/template.ts';

describe('scanTemplates', () => {
  it('finds params and step outputs with their offsets', () => {
    const text = 'region=${{ params.region }} nodes=${{steps.cordon-a.outputs.nodes}}';
    const { expressions, errors } = scanTemplates(text);
    assert.deepEqual(errors, []);
    assert.deepEqual(expressions, [
      { start: 7, end: 27, text: '${{ params.region }}', reference: { kind: 'param', name: 'region' } },
      {
        start: 34,
        end: 67,
        text: '${{steps.cordon-a.outputs.nodes}}',
        reference: { kind: 'output', step: 'cordon-a', output: 'nodes' },
      },
    ]);
  });

  it('finds nothing in plain text, shell variables included', () => {
    assert.deepEqual(scanTemplates('echo ${HOME} $PATH {{ not.ours }}'), { expressions: [], errors: [] });
  });

  const malformed: [string, RegExp][] = [
    ['${{ params.region', /unterminated template "\$\{\{ params.region y"; missing "}}"/],
    ['${{ }}', /empty template/],
    ["${{ params.a || 'b' }}", /unsupported template/],
    ['${{ env.HOME }}', /unknown template source "env"/],
    ['${{ param.region }}', /unknown template source "param" .*; did you mean "params"\?/],
    ['${{ params }}', /expected \$\{\{ params.<name> }}/],
    ['${{ params.a.b }}', /expected \$\{\{ params.<name> }}/],
    ['${{ steps.a }}', /expected \$\{\{ steps.<id>.outputs.<name> }}/],
    ['${{ steps.a.output.b }}', /"output" after the step id; did you mean "outputs"\?/],
    ['${params.region}', /"\$\{params.region}" is not a template; write "\$\{\{ params.region }}"/],
    ['{{ steps.a.outputs.b }}', /is not a template; write "\$\{\{ steps.a.outputs.b }}"/],
  ];
  for (const [text, message] of malformed) {
    it(`reports ${text}`, () => {
      const { errors } = scanTemplates(`x ${text} y`);
      assert.equal(errors.length, 1);
      assert.equal(errors[0]?.start, 2);
      assert.match(errors[0]?.message ?? '', message);
    });
  }

  it('quotes an expression left open over lines in one line, as JSON', () => {
    // Found by test/unit/validate-property.test.ts: a folded scalar's next line taken into the expression.
    const { errors } = scanTemplates('of ${{ params.namespace\n  confirm: Roll back ${{ params.deployment }}?');
    assert.equal(errors.length, 1);
    assert.equal(
      errors[0]?.message,
      'unsupported template "${{ params.namespace\\n  confirm: Roll back ${{ params.deployment }}"; only ${{ params.<name> }} or ${{ steps.<id>.outputs.<name> }} are allowed',
    );
  });
});

describe('isWholeTemplate and containsTemplate', () => {
  it('tell a whole-value template from an embedded one', () => {
    assert.ok(isWholeTemplate('${{ params.replicas }}'));
    assert.ok(!isWholeTemplate('${{ params.replicas }}0'));
    assert.ok(!isWholeTemplate('${{ params.a }}${{ params.b }}'));
    assert.ok(containsTemplate('a-${{ params.b }}'));
    assert.ok(!containsTemplate('a-${b}'));
  });
});

describe('resolveTemplate', () => {
  const context = {
    params: { region: 'eu-west', replicas: '3' },
    outputs: { cordon: { nodes: ['node-a', 'node-b'], count: 2 } },
  };

  it('keeps the value of a whole-value template as it is', () => {
    assert.deepEqual(resolveTemplate('${{ steps.cordon.outputs.nodes }}', context), ['node-a', 'node-b']);
    assert.equal(resolveTemplate('${{ steps.cordon.outputs.count }}', context), 2);
  });

  it('splices values into text, lists as JSON', () => {
    assert.equal(resolveTemplate('zone=${{ params.region }}-1a', context), 'zone=eu-west-1a');
    assert.equal(resolveTemplate('${{ steps.cordon.outputs.nodes }}!', context), '["node-a","node-b"]!');
  });

  it('resolves every string of a structure', () => {
    const value = { selector: 'r=${{ params.region }}', list: ['${{ params.replicas }}'], n: 1 };
    assert.deepEqual(resolveTemplates(value, context), { selector: 'r=eu-west', list: ['3'], n: 1 });
  });

  it('throws on what the context lacks or what is malformed', () => {
    assert.throws(() => resolveTemplate('${{ params.zone }}', context), /param "zone" has no value/);
    assert.throws(() => resolveTemplate('${{ steps.drain.outputs.nodes }}', context), /step "drain" has not run/);
    assert.throws(() => resolveTemplate('${{ steps.cordon.outputs.x }}', context), /produced no output "x"/);
    assert.throws(() => resolveTemplate('${{ nope }}', context), /unknown template source/);
  });
});

// The traffic strategies' registry without a cluster: the actions' inputs are made from it, a drain's
// record is read back through it, and each strategy reads the schema's defaults where the engine has
// not filled them in (permissions are checked before inputs are resolved).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import drain from '../../src/actions/traffic/drain.ts';
import { measureInput, strategyInputs, strategyRequirements } from '../../src/actions/traffic/inputs.ts';
import { measures } from '../../src/actions/traffic/measures/registry.ts';
import restore from '../../src/actions/traffic/restore.ts';
import { parseRecord, strategies, strategyNames } from '../../src/actions/traffic/strategies/registry.ts';
import { formatDuration } from '../../src/runbook/duration.ts';
import { defaultOf } from '../../src/runbook/inputs.ts';

describe('traffic strategies', () => {
  it("make the actions' inputs: each strategy's own, and what it requires", () => {
    for (const action of [drain, restore]) {
      for (const name of strategyNames) {
        for (const input of Object.keys(strategies[name].inputs)) assert.ok(input in action.input.properties, input);
      }
    }
    assert.deepEqual(strategyRequirements[0], {
      if: { properties: { strategy: { const: 'gateway' } }, required: ['strategy'] },
      then: { required: ['region', 'routes'] },
    });
    assert.match(
      String((strategyInputs.strategy as { description?: string }).description),
      /`nodes` \(cordon and drain the region's nodes\) or `patch`/,
    );
  });

  it('read defaults from the schema when the inputs have none', () => {
    assert.deepEqual(drain.permissions?.({ strategy: 'gateway', region: 'eu', routes: ['r'] }, 'shop'), [
      { verb: 'list', group: '', resource: 'services', namespace: 'shop' },
      { verb: 'get', group: 'gateway.networking.k8s.io', resource: 'httproutes', namespace: 'shop', name: 'r' },
      { verb: 'patch', group: 'gateway.networking.k8s.io', resource: 'httproutes', namespace: 'shop', name: 'r' },
    ]);
    assert.equal(
      strategies.nodes.describe({ region: 'eu-west' }),
      'cordon and drain the nodes topology.kubernetes.io/region=eu-west',
    );
    assert.match(strategies.service.describe({ region: 'eu', workloadSelector: 'r=eu' }), /^scale .*\(r=eu\)$/);
  });

  it('throw for a schema without a default rather than guess one', () => {
    assert.throws(() => defaultOf(strategies.gateway.inputs.routes), /declares no default/);
  });
});

describe('share measures', () => {
  it("are documented with each one's own sampling interval", () => {
    const description = String((measureInput.properties.interval as { description?: string }).description);
    for (const [source, measure] of Object.entries(measures)) {
      assert.ok(description.includes(`${formatDuration(measure.intervalMs)} (\`${source}\`)`), source);
    }
  });
});

describe("a drain's record", () => {
  const fails = (value: unknown, problem: RegExp) =>
    assert.throws(
      () => parseRecord(value),
      (error: Error) => {
        assert.match(error.message, /^restore is not what traffic.drain recorded: /);
        assert.match(error.message, problem);
        return true;
      },
    );

  it('names a strategy of the registry', () => {
    fails(['gateway'], /expected a mapping/);
    fails({ strategy: 'dns' }, /strategy must be gateway, service, nodes or patch$/);
    fails({ strategy: 'toString' }, /strategy must be/);
  });

  it('is checked by its strategy for the fields its restore relies on', () => {
    fails({ strategy: 'gateway', routes: [{ name: 'r' }] }, /a route lacks its name or weights/);
    fails({ strategy: 'service', method: 'drain' }, /method must be scale or label/);
    fails({ strategy: 'service', method: 'label', pods: [] }, /label must be a string/);
    fails({ strategy: 'nodes', cordoned: 'a' }, /cordoned must be a list/);
    fails({ strategy: 'patch', target: { kind: 'ConfigMap' }, type: 'strategic' }, /type must be json or merge/);
  });

  it('gives back its strategy, which says what the drain changed', () => {
    const record = {
      strategy: 'gateway',
      routes: [
        {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          namespace: 'shop',
          name: 'storefront',
          weights: [{ rule: 0, index: 0, backend: 'eu', weight: null }],
        },
      ],
    };
    const { strategy, record: parsed } = parseRecord(record);
    assert.deepEqual(strategy.changed(parsed), ['HTTPRoute shop/storefront: eu unset -> 0']);
    assert.ok(strategy === strategies.gateway);
  });
});

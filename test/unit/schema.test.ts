import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import Compile from 'typebox/compile';
import { parse } from 'yaml';
import type { ActionInput } from '../../src/actions/action.ts';
import drain from '../../src/actions/nodes/drain.ts';
import { actionNames, actions, findAction } from '../../src/actions/registry.ts';
import { runbookJsonSchema } from '../../src/runbook/json-schema.ts';
import type { JsonSchema } from '../../src/runbook/json-schema-types.ts';
import type { Runbook, Step } from '../../src/runbook/schema.ts';
import { allowTemplates } from '../../src/runbook/templated-schema.ts';

const schemaFile = new URL('../../schema/runbook.schema.json', import.meta.url);
const fixture = (name: string) => new URL(`../fixtures/runbooks/${name}`, import.meta.url);

describe('actions', () => {
  it('have unique names, one-line summaries and outputs with descriptions', () => {
    assert.equal(new Set(actionNames).size, actions.length);
    for (const action of actions) {
      assert.match(action.summary, /^[A-Z][^\n]+\.$/, action.name);
      for (const [output, description] of Object.entries(action.outputs)) assert.ok(description, output);
    }
  });

  it('describe every input', () => {
    for (const action of actions) {
      for (const [input, schema] of Object.entries(action.input.properties)) {
        assert.ok((schema as JsonSchema).description, `${action.name}: input ${input} has no description`);
      }
    }
  });

  it('are found by name', () => {
    assert.equal(findAction('nodes.drain'), drain);
    assert.equal(findAction('nodes.drian'), undefined);
  });

  it('give typed inputs', () => {
    const input: ActionInput<typeof drain> = { selector: 'zone=a', parallelism: 2, gracePeriod: '30s' };
    assert.equal(input.parallelism, 2);
  });
});

describe('runbook schema', () => {
  it('is published as generated (run `npm run schema` after changing it)', () => {
    assert.deepStrictEqual(JSON.parse(readFileSync(schemaFile, 'utf8')), runbookJsonSchema());
  });

  it('identifies itself and selects the inputs of each action', () => {
    const schema = runbookJsonSchema();
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.ok(schema.$id && schema.title && schema.description);
    assert.deepEqual(Object.keys(schema.$defs ?? {}).sort(), [...actionNames].sort());
    const step = schema.properties?.spec?.properties?.steps?.items;
    const selected = (step?.allOf ?? []).map((entry) => entry.if?.properties?.action?.const);
    assert.deepEqual(selected, [...actionNames]);
  });

  it("is what TypeBox's validator accepts", () => {
    const validator = Compile(runbookJsonSchema());
    const runbook = parse(readFileSync(fixture('valid/all-actions.yaml'), 'utf8'));
    assert.deepEqual(validator.Errors(runbook), []);
    runbook.spec.steps[0].with.selctor = runbook.spec.steps[0].with.selector;
    delete runbook.spec.steps[0].with.selector;
    assert.equal(validator.Check(runbook), false);
  });

  it('admits templates in inputs: anywhere in strings, only as the whole value otherwise', () => {
    const scale = findAction('scale');
    assert.ok(scale);
    const validator = Compile(allowTemplates(scale.input as JsonSchema) as object);
    const input = { kind: 'Deployment', name: 'web', namespace: 'shop', replicas: 3 };
    assert.ok(validator.Check(input));
    assert.ok(validator.Check({ ...input, replicas: '${{ params.replicas }}' }));
    assert.ok(!validator.Check({ ...input, replicas: '${{ params.replicas }}0' }));
    assert.ok(validator.Check({ ...input, namespace: '${{ params.region }}-shop' }));
    assert.ok(!validator.Check({ ...input, namespace: 'Shop' }));
  });

  it('gives the TypeScript types of runbooks', () => {
    const step: Step = { id: 'wait', action: 'sleep', with: { duration: '1s' }, onFailure: 'continue' };
    const runbook: Runbook = {
      apiVersion: 'drill/v1',
      kind: 'Runbook',
      metadata: { name: 'typed' },
      spec: { steps: [step] },
    };
    assert.equal(runbook.spec.steps[0]?.onFailure, 'continue');
  });
});

// The Redactor (engine/redact.ts) alone, then the run loop with secrets planted everywhere an action
// can put them: every event a handler sees, and every text a person is shown, must be free of them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Type from 'typebox';
import { type ActionSpec, defineAction } from '../../src/actions/action.ts';
import type { RunEvent } from '../../src/engine/events.ts';
import type { Interaction } from '../../src/engine/interaction.ts';
import { MASK, maskedParams, Redactor, runbookRedactor } from '../../src/engine/redact.ts';
import { runRunbook } from '../../src/engine/runner.ts';
import type { Cluster, Clusters } from '../../src/kube/cluster.ts';
import type { Runbook } from '../../src/runbook/schema.ts';

describe('Redactor', () => {
  test('masks every registered value wherever it is in a string, longest first, never re-masking', () => {
    const redactor = new Redactor(['hunter2', 'hunter2-long', '']);
    assert.equal(redactor.text('a hunter2 b hunter2-long c'), `a ${MASK} b ${MASK} c`);
    redactor.add(['**']);
    assert.equal(redactor.text('x hunter2 **'), `x ${MASK} ${MASK}`);
    assert.equal(redactor.text('nothing secret here'), 'nothing secret here');
  });

  test('masks regex characters literally, and each long line of a multi-line secret on its own', () => {
    const redactor = new Redactor(['a.b*c', '-----BEGIN KEY-----\nMIIEvQIBADANBgkq\n}\n-----END KEY-----']);
    assert.equal(redactor.text('a.b*c axbbc'), `${MASK} axbbc`);
    assert.equal(redactor.text('stderr ends:\nMIIEvQIBADANBgkq\n}'), `stderr ends:\n${MASK}\n}`);
  });

  test('masks the credentials of any URL by their shape, registered or not', () => {
    const redactor = new Redactor();
    assert.equal(
      redactor.text('GET https://drill:s3cr%40t@example.test:8443/x?y=1 failed'),
      `GET https://drill:${MASK}@example.test:8443/x?y=1 failed`,
    );
    assert.equal(redactor.text('clone https://ghp_token@github.test/o/r'), `clone https://${MASK}@github.test/o/r`);
    assert.equal(redactor.text('pass with @ in it: http://u:p@ss@h/'), `pass with @ in it: http://u:${MASK}@h/`);
    assert.equal(redactor.text('http://host/path?email=a@b.test'), 'http://host/path?email=a@b.test');
    assert.equal(redactor.text(`already https://u:${MASK}@h`), `already https://u:${MASK}@h`);
  });

  test('masks deeply, keys included, and leaves numbers, booleans and null alone', () => {
    const redactor = new Redactor(['tok-123']);
    assert.deepEqual(redactor.value({ a: ['x tok-123', 1, true, null], 'tok-123': { b: 'tok-123' } }), {
      a: [`x ${MASK}`, 1, true, null],
      [MASK]: { b: MASK },
    });
  });

  test("a Secret's data in a change record is masked by its path; other fields keep their values", () => {
    const event: RunEvent = {
      type: 'undo.recorded',
      at: '2026-01-01T00:00:00.000Z',
      t: 1,
      id: 1,
      step: 's',
      phase: 'steps',
      change: {
        type: 'fields',
        object: { apiVersion: 'v1', kind: 'Secret', namespace: 'n', name: 'db' },
        fields: [
          { path: '/data/password', before: 'b2xk', after: 'bmV3' },
          { path: '/stringData', before: null, after: { user: 'admin' } },
          { path: '/metadata/labels/tier', before: null, after: 'db' },
        ],
      },
    };
    const masked = new Redactor().event(event);
    assert.ok(masked.type === 'undo.recorded' && masked.change.type === 'fields');
    assert.deepEqual(masked.change.fields, [
      { path: '/data/password', before: MASK, after: MASK },
      { path: '/stringData', before: null, after: MASK },
      { path: '/metadata/labels/tier', before: null, after: 'db' },
    ]);
  });
});

const SECRET = 'planted-param-secret';
const ENV_VALUE = 'planted-env-value';
const DEFAULT_SECRET = 'planted-default-secret';
const planted = [SECRET, ENV_VALUE, DEFAULT_SECRET, 'planted-url-password'];

/** Puts its secret input and its other inputs everywhere an action can: plan, prompt, progress, change, outputs, error. */
const leaky = defineAction({
  name: 'fake.leaky',
  summary: 'leaks what it is given',
  mutating: true,
  input: Type.Object({ env: Type.Record(Type.String(), Type.String()), text: Type.String() }),
  outputs: {},
  secretInputs: ['env'],
  plan: (input) => Promise.resolve({ summary: `would use ${input.text} and ${Object.values(input.env).join(' ')}` }),
  execute: async (input, context) => {
    const all = `${input.text} ${Object.values(input.env).join(' ')}`;
    context.progress(`using ${all}`, { all });
    context.record({
      type: 'fields',
      object: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'n', name: 'c' },
      fields: [{ path: '/data/token', before: null, after: all }],
    });
    await context.confirm(`paste ${all}`, `did ${all} work?`);
    if (input.text.includes('fail')) throw new Error(`login refused for ${all}`);
    return { outputs: { stdout: all } };
  },
});

function book(): Runbook {
  return {
    apiVersion: 'drill/v1',
    kind: 'Runbook',
    metadata: { name: 'leaks' },
    spec: {
      params: {
        token: { secret: true },
        pager: { secret: true, default: DEFAULT_SECRET },
        url: {},
      },
      steps: [
        {
          id: 'first',
          action: 'fake.leaky',
          with: {
            // URL is a param not marked secret: public, shown by run.started, so not masked as a value.
            env: { KEY: ENV_VALUE, URL: '${{ params.url }}' },
            text: '${{ params.token }} ${{ params.pager }} ${{ params.url }}',
          },
        },
        {
          id: 'second',
          action: 'fake.leaky',
          // The env value comes from an output: known only when the step resolves it.
          with: { env: { FROM: '${{ steps.first.outputs.stdout }}!' }, text: 'fail ${{ params.token }}' },
        },
      ],
      rollback: [{ action: 'fake.leaky', with: { env: {}, text: 'undo ${{ params.token }}' } }],
    },
  };
}

describe('a run with secrets', () => {
  test('no handler sees a planted secret, no prompt shows one, and run.started masks secret params', async () => {
    const events: RunEvent[] = [];
    const shown: string[] = [];
    const interaction: Interaction = {
      automatic: false,
      approve: (_step, plan) => {
        shown.push(plan);
        return Promise.resolve('run');
      },
      confirm: (_step, instructions, question) => {
        shown.push(instructions, question);
        return Promise.resolve(true);
      },
      confirmRollback: (question) => {
        shown.push(question);
        return Promise.resolve(true);
      },
    };
    const params = { token: SECRET, pager: DEFAULT_SECRET, url: 'https://drill:planted-url-password@127.0.0.1:1/' };
    const actions = new Map<string, ActionSpec>([[leaky.name, leaky]]);
    const result = await runRunbook({
      runId: 'run-1',
      runbook: book(),
      file: '/tmp/leaks.yaml',
      runbookSha256: 'f'.repeat(64),
      params,
      clusters: { get: () => Promise.resolve({ context: 'fake' } as Cluster) } as unknown as Clusters,
      interaction,
      journal: (event) => events.push(event),
      handlers: [(event) => events.push(event)],
      signal: new AbortController().signal,
      actions: (name) => actions.get(name),
      undo: () => Promise.resolve({ result: 'restored', lines: ['put back'] }),
    });
    assert.equal(result.status, 'failed');
    assert.equal(result.rollback, 'succeeded');

    const everything = JSON.stringify(events) + shown.join('\n');
    for (const secret of planted) assert.ok(!everything.includes(secret), `${secret} leaked`);
    const started = events.find((e) => e.type === 'run.started');
    assert.deepEqual(started?.type === 'run.started' && started.params, {
      token: MASK,
      pager: MASK,
      url: `https://drill:${MASK}@127.0.0.1:1/`,
    });
    // The secrets were used, and shown as masked, in each place they went.
    const failed = events.find((e) => e.type === 'step.finished' && e.step === 'second');
    assert.equal(failed?.type === 'step.finished' && failed.error, `login refused for fail ${MASK} ${MASK}`);
    const url = `https://drill:${MASK}@127.0.0.1:1/`;
    assert.ok(shown.includes(`would use ${MASK} ${MASK} ${url} and ${MASK} ${url}`), shown.join('\n'));
    const progress = events.find((e) => e.type === 'step.progress');
    assert.ok(progress?.type === 'step.progress' && progress.message.includes(`${MASK} ${MASK}`));
  });

  test('the Redactor at the start knows secret params and secret inputs that params alone resolve, not public values', () => {
    const redactor = runbookRedactor(book(), { token: SECRET, pager: DEFAULT_SECRET, url: 'u' }, (name) =>
      name === leaky.name ? leaky : undefined,
    );
    assert.equal(redactor.text(`${SECRET} ${DEFAULT_SECRET} ${ENV_VALUE} u`), `${MASK} ${MASK} ${MASK} u`);
    assert.deepEqual(maskedParams(book(), { token: SECRET, pager: '', url: 'u' }), {
      token: MASK,
      pager: MASK,
      url: 'u',
    });
  });
});

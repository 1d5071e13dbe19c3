// The run loop in-process, with fake actions and a fake undo: when the rollback phase runs, in what
// order, and that nothing (a failing handler, an interruption, a journal that refuses) can skip it
// or make a change without its record.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Type from 'typebox';
import { type ActionSpec, defineAction } from '../../src/actions/action.ts';
import type { RunEvent } from '../../src/engine/events.ts';
import { automaticInteraction, type Interaction } from '../../src/engine/interaction.ts';
import { JournalWriteError } from '../../src/engine/journal.ts';
import { priorRunOf } from '../../src/engine/run-folder.ts';
import { type RecordedChange, rollBackRun, type RunOptions, runRunbook } from '../../src/engine/runner.ts';
import type { Change, UndoOutcome } from '../../src/kube/changes.ts';
import type { Cluster, Clusters } from '../../src/kube/cluster.ts';
import type { Runbook } from '../../src/runbook/schema.ts';

const clusters = { get: () => Promise.resolve({ context: 'fake' } as Cluster) } as unknown as Clusters;

const fieldChange = (name: string): Change => ({
  type: 'fields',
  object: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'x', name },
  fields: [{ path: '/data/v', before: 'old', after: 'new' }],
});

/** An action that records a change named after its `name` input, then does what `behave` says. */
const change = defineAction({
  name: 'fake.change',
  summary: 'records a change',
  mutating: true,
  input: Type.Object({ name: Type.String(), behave: Type.Optional(Type.String()) }),
  outputs: {},
  execute: async (input, context) => {
    context.record(fieldChange(input.name));
    if (input.behave === 'fail') throw new Error(`${input.name} broke`);
    if (input.behave === 'hang') {
      await new Promise((_resolve, reject) => {
        context.signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true });
      });
    }
    return { outputs: { made: input.name } };
  },
});

const actions = new Map<string, ActionSpec>([[change.name, change]]);

/** An action that makes its change (`make`) only once its record is journaled. */
const carefulAction = (make: () => void) =>
  defineAction({
    name: 'fake.careful',
    summary: 'changes only once recorded',
    mutating: true,
    input: Type.Object({}),
    outputs: {},
    execute: (_input, context) => {
      context.record(fieldChange('careful'));
      make();
      return Promise.resolve({ outputs: {} });
    },
  });

function runbook(steps: { id: string; name: string; behave?: string }[], rollback: string[] = []): Runbook {
  return {
    apiVersion: 'drill/v1',
    kind: 'Runbook',
    metadata: { name: 'fake' },
    spec: {
      target: '1h',
      steps: steps.map((s) => ({ id: s.id, action: 'fake.change', with: { name: s.name, behave: s.behave } })),
      rollback: rollback.map((name) => ({ action: 'fake.change', with: { name } })),
    },
  };
}

interface Harness {
  journal: RunEvent[];
  undone: RecordedChange[];
  options: RunOptions;
}

function harness(book: Runbook, overrides: Partial<RunOptions> = {}, outcome?: (r: RecordedChange) => UndoOutcome) {
  const journal: RunEvent[] = [];
  const undone: RecordedChange[] = [];
  const options: RunOptions = {
    runId: 'run-1',
    runbook: book,
    file: '/tmp/fake.yaml',
    runbookSha256: 'f'.repeat(64),
    params: {},
    clusters,
    interaction: automaticInteraction,
    journal: (event) => journal.push(event),
    handlers: [],
    signal: new AbortController().signal,
    actions: (name) => actions.get(name),
    undo: (record) => {
      undone.push(record);
      return Promise.resolve(outcome?.(record) ?? { result: 'restored', lines: [`restored ${record.step}`] });
    },
    ...overrides,
  };
  return { journal, undone, options } satisfies Harness;
}

const types = (events: RunEvent[]) => events.map((e) => e.type);
const undoneNames = (undone: RecordedChange[]) =>
  undone.map((r) => (r.change.type === 'fields' ? r.change.object.name : r.change.type));

describe('the run loop and its rollback phase', () => {
  test('a run that succeeds is not rolled back', async () => {
    const h = harness(runbook([{ id: 'a', name: 'a' }], ['r']));
    const result = await runRunbook(h.options);
    assert.equal(result.status, 'succeeded');
    assert.equal(result.rollback, undefined);
    assert.deepEqual(h.undone, []);
    assert.ok(!types(h.journal).includes('rollback.started'));
  });

  test('a failed step: rollback steps first, then the records newest first, not those of the rollback', async () => {
    const h = harness(
      runbook(
        [
          { id: 'a', name: 'a' },
          { id: 'b', name: 'b' },
          { id: 'c', name: 'c', behave: 'fail' },
          { id: 'd', name: 'd' },
        ],
        ['r1'],
      ),
    );
    const result = await runRunbook(h.options);
    assert.equal(result.status, 'failed');
    assert.equal(result.rollback, 'succeeded');
    // c recorded its change before failing: the record is undone like the others.
    assert.deepEqual(undoneNames(h.undone), ['c', 'b', 'a']);
    const order = h.journal
      .filter((e) => ['rollback.started', 'step.started', 'undo.finished', 'rollback.finished'].includes(e.type))
      .map((e) => (e.type === 'step.started' ? `${e.phase}:${e.step}` : e.type));
    assert.deepEqual(order, [
      'steps:a',
      'steps:b',
      'steps:c',
      'rollback.started',
      'rollback:rollback-1',
      'undo.finished',
      'undo.finished',
      'undo.finished',
      'rollback.finished',
    ]);
    const recorded = h.journal.filter((e) => e.type === 'undo.recorded');
    assert.deepEqual(
      recorded.map((e) => [e.id, e.step, e.phase]),
      [
        [1, 'a', 'steps'],
        [2, 'b', 'steps'],
        [3, 'c', 'steps'],
        [4, 'rollback-1', 'rollback'],
      ],
    );
    const finished = h.journal.at(-1);
    assert.equal(finished?.type, 'run.finished');
    assert.equal(finished.type === 'run.finished' && finished.metTarget, false);
  });

  test('a record is journaled before the change: a journal that refuses it stops the step', async () => {
    let made = false;
    const careful = carefulAction(() => (made = true));
    const book = runbook([]);
    book.spec.steps = [{ id: 'x', action: 'fake.careful' }];
    const h = harness(book, {
      actions: (name) => (name === careful.name ? careful : undefined),
      journal: (event) => {
        if (event.type === 'undo.recorded') throw new Error('ENOSPC: no space left on device');
      },
    });
    const result = await runRunbook(h.options);
    assert.equal(made, false);
    assert.equal(result.status, 'failed');
  });

  test('a handler that throws on every event cannot skip the rollback or run.finished', async () => {
    const seen: string[] = [];
    const h = harness(
      runbook(
        [
          { id: 'a', name: 'a' },
          { id: 'b', name: 'b', behave: 'fail' },
        ],
        ['r'],
      ),
      {
        handlers: [
          () => {
            throw new Error('the view broke');
          },
          (event) => seen.push(event.type),
        ],
      },
    );
    const result = await runRunbook(h.options);
    assert.equal(result.rollback, 'succeeded');
    assert.deepEqual(undoneNames(h.undone), ['b', 'a']);
    assert.equal(h.journal.at(-1)?.type, 'run.finished');
    assert.ok(seen.includes('rollback.finished'));
    assert.ok(seen.includes('run.progress'), 'the failing handler is reported to the others');
  });

  for (const [signal, policy, rolledBack] of [
    ['SIGTERM', 'always', true],
    ['SIGHUP', 'always', true],
    ['SIGTERM', 'on-failure', false],
    ['SIGTERM', 'never', false],
  ] as const) {
    test(`${signal} in the middle of a step with --rollback ${policy}: ${rolledBack ? '' : 'not '}rolled back, nobody asked`, async () => {
      const interrupt = new AbortController();
      const noAsking: Interaction = {
        automatic: false,
        approve: () => Promise.resolve('run'),
        confirm: () => Promise.resolve(true),
        confirmRollback: () => Promise.reject(new Error('asked after a signal')),
      };
      const h = harness(
        runbook([
          { id: 'a', name: 'a' },
          { id: 'b', name: 'b', behave: 'hang' },
        ]),
        { signal: interrupt.signal, interaction: noAsking, rollbackPolicy: policy },
      );
      const running = runRunbook(h.options);
      setTimeout(() => interrupt.abort(signal), 50);
      const result = await running;
      assert.equal(result.status, 'interrupted');
      assert.deepEqual(undoneNames(h.undone), rolledBack ? ['b', 'a'] : []);
      const finished = h.journal.find((e) => e.type === 'step.finished' && e.step === 'b');
      assert.equal(finished?.type === 'step.finished' && finished.status, 'interrupted');
      assert.equal(h.journal.at(-1)?.type === 'run.finished' && h.journal.at(-1)?.type, 'run.finished');
    });
  }

  test('Ctrl-C in a terminal asks; declining leaves the changes, and the answer is journaled', async () => {
    const interrupt = new AbortController();
    const questions: string[] = [];
    const asking: Interaction = {
      automatic: false,
      approve: () => Promise.resolve('run'),
      confirm: () => Promise.resolve(true),
      confirmRollback: (question) => {
        questions.push(question);
        return Promise.resolve(false);
      },
    };
    const h = harness(runbook([{ id: 'a', name: 'a', behave: 'hang' }]), {
      signal: interrupt.signal,
      interaction: asking,
    });
    const running = runRunbook(h.options);
    setTimeout(() => interrupt.abort('SIGINT'), 50);
    const result = await running;
    assert.equal(result.rollback, undefined);
    assert.deepEqual(h.undone, []);
    assert.match(questions[0] ?? '', /interrupted \(SIGINT\).*Roll back/);
    const answer = h.journal.find((e) => e.type === 'prompt.answered' && e.step === 'rollback');
    assert.equal(answer?.type === 'prompt.answered' && answer.answer, false);
  });

  test('conflicts and failed undos make the rollback say so; a failed undo stays pending', async () => {
    const h = harness(
      runbook([
        { id: 'a', name: 'a' },
        { id: 'b', name: 'b' },
        { id: 'c', name: 'c', behave: 'fail' },
      ]),
      {},
      (record) => {
        if (record.step === 'b') throw new Error('the API server is gone');
        return record.step === 'a'
          ? { result: 'conflict', lines: ['a changed since'] }
          : { result: 'restored', lines: ['ok'] };
      },
    );
    const result = await runRunbook(h.options);
    assert.equal(result.rollback, 'failed');
    const finished = h.journal.find((e) => e.type === 'rollback.finished');
    assert.deepEqual(finished?.type === 'rollback.finished' && finished.counts, {
      restored: 1,
      unchanged: 0,
      conflict: 1,
      irreversible: 0,
      failed: 1,
    });
    // Read back as `kubectl drill rollback` does: only b is left, and the ids go on.
    const { prior } = priorRunOf(h.journal);
    assert.deepEqual(
      prior.changes.filter((c) => !prior.settled.includes(c.id)).map((c) => c.step),
      ['b'],
    );
    const later = harness(runbook([]));
    const { status } = await rollBackRun(later.options, prior, 'kubectl drill rollback');
    assert.equal(status, 'succeeded');
    assert.deepEqual(undoneNames(later.undone), ['b']);
  });

  test('a rollback step that fails does not stop the undo of the records', async () => {
    const h = harness(runbook([{ id: 'a', name: 'a', behave: 'fail' }]));
    h.options.runbook.spec.rollback = [{ action: 'fake.change', with: { name: 'r', behave: 'fail' } }];
    const result = await runRunbook(h.options);
    assert.equal(result.status, 'failed');
    assert.deepEqual(undoneNames(h.undone), ['a']);
  });

  test('steps after a failure are never started, and --rollback never leaves everything', async () => {
    const h = harness(
      runbook([
        { id: 'a', name: 'a', behave: 'fail' },
        { id: 'b', name: 'b' },
      ]),
      { rollbackPolicy: 'never' },
    );
    const result = await runRunbook(h.options);
    assert.equal(result.rollback, undefined);
    assert.deepEqual(h.undone, []);
    assert.ok(!h.journal.some((e) => e.type === 'step.started' && e.step === 'b'));
    assert.ok(h.journal.some((e) => e.type === 'run.progress' && e.message.includes('--rollback never')));
  });

  test('a span is measured from the start of its first step to the end of its last; missing its target is exit 3', async () => {
    const book = runbook([
      { id: 'a', name: 'a' },
      { id: 'b', name: 'b' },
      { id: 'c', name: 'c' },
    ]);
    book.spec.spans = [
      { name: 'a-to-b', from: 'a', to: 'b', target: '1h' },
      { name: 'b-to-c', from: 'b', to: 'c', target: '1ms' },
      { name: 'c-alone', from: 'c', to: 'c' },
    ];
    book.spec.steps[1] = { id: 'b', action: 'fake.slow', with: {} };
    const slow = defineAction({
      name: 'fake.slow',
      summary: 'takes 20ms',
      mutating: false,
      input: Type.Object({}),
      outputs: {},
      execute: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { outputs: {} };
      },
    });
    const h = harness(book, {
      actions: (name) => (name === slow.name ? slow : actions.get(name)),
    });
    const result = await runRunbook(h.options);
    assert.equal(result.status, 'succeeded');
    assert.equal(result.missedTarget, true);
    const spans = h.journal.filter((e) => e.type === 'span.measured');
    assert.deepEqual(
      spans.map((e) => [e.name, e.metTarget]),
      [
        ['a-to-b', true],
        ['b-to-c', false],
        ['c-alone', undefined],
      ],
    );
    const [ab] = spans;
    assert.ok(ab?.type === 'span.measured' && ab.ms >= 20, 'a span covers its steps');
  });

  test('a span whose first step never ran (--only) is not measured', async () => {
    const book = runbook([
      { id: 'a', name: 'a' },
      { id: 'b', name: 'b' },
    ]);
    book.spec.spans = [{ name: 'a-to-b', from: 'a', to: 'b' }];
    const h = harness(book, { only: 'b' });
    const result = await runRunbook(h.options);
    assert.equal(result.status, 'succeeded');
    assert.ok(!h.journal.some((e) => e.type === 'span.measured'));
  });
});

/** A real journal's failure, as Journal.write throws it. */
const diskFull = () =>
  new JournalWriteError(
    '/runs/x/journal.jsonl',
    Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 }),
  );

/** A journal that stores events until `breaks` says it cannot, and fails every write from then on. */
function breakingJournal(breaks: (event: RunEvent) => boolean) {
  const stored: RunEvent[] = [];
  let broken = false;
  return {
    stored,
    journal: (event: RunEvent) => {
      broken ||= breaks(event);
      if (broken) throw diskFull();
      stored.push(event);
    },
  };
}

describe('a journal that cannot be written', () => {
  test('fails in the middle of a step: the step stops, makes no further change, no step starts, all is rolled back', async () => {
    let secondChange: 'made' | 'refused' | undefined;
    const busy = defineAction({
      name: 'fake.busy',
      summary: 'changes, reports progress, then would change again',
      mutating: true,
      input: Type.Object({}),
      outputs: {},
      execute: async (_input, context) => {
        context.record(fieldChange('b1'));
        context.progress('working');
        try {
          context.record(fieldChange('b2'));
          secondChange = 'made';
        } catch {
          secondChange = 'refused';
        }
        await new Promise((_resolve, reject) => {
          if (context.signal.aborted) reject(new Error('stopped'));
          context.signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true });
        });
        return { outputs: {} };
      },
    });
    const book = runbook([
      { id: 'a', name: 'a' },
      { id: 'b', name: 'b' },
      { id: 'c', name: 'c' },
    ]);
    book.spec.steps[1] = { id: 'b', action: 'fake.busy' };
    const seen: RunEvent[] = [];
    const { journal, stored } = breakingJournal((e) => e.type === 'step.progress');
    const h = harness(book, {
      journal,
      handlers: [(event) => seen.push(event)],
      actions: (name) => (name === busy.name ? busy : actions.get(name)),
    });
    const result = await runRunbook(h.options);
    assert.equal(result.status, 'aborted');
    assert.match(
      result.journalFailure ?? '',
      /^cannot write the journal \/runs\/x\/journal\.jsonl: ENOSPC: no space left/,
    );
    assert.equal(secondChange, 'refused');
    assert.deepEqual(undoneNames(h.undone), ['b1', 'a'], 'undone from the records kept in memory');
    assert.ok(!seen.some((e) => e.type === 'step.started' && e.step === 'c'), 'no step starts after the failure');
    const b = seen.find((e) => e.type === 'step.finished' && e.step === 'b');
    assert.equal(b?.type === 'step.finished' && b.status, 'aborted');
    assert.equal(seen.at(-1)?.type, 'run.finished', 'the view still sees the run end');
    assert.ok(seen.some((e) => e.type === 'run.progress' && /ENOSPC.*stops before its next change/.test(e.message)));
    assert.ok(!stored.some((e) => e.type === 'step.progress'), 'nothing after the failure is journaled');
  });

  test('the undo record of a change cannot be written: that change is not made, the earlier ones are undone', async () => {
    let made = false;
    const careful = carefulAction(() => (made = true));
    const book = runbook([
      { id: 'a', name: 'a' },
      { id: 'b', name: 'b' },
    ]);
    book.spec.steps[1] = { id: 'b', action: 'fake.careful' };
    const { journal } = breakingJournal((e) => e.type === 'undo.recorded' && e.step === 'b');
    const h = harness(book, { journal, actions: (name) => (name === careful.name ? careful : actions.get(name)) });
    const result = await runRunbook(h.options);
    assert.equal(made, false);
    assert.equal(result.status, 'aborted');
    assert.deepEqual(undoneNames(h.undone), ['a']);
  });

  test("a step whose start cannot be journaled does not run; the last step's end lost still rolls back", async () => {
    const startLost = breakingJournal((e) => e.type === 'step.started' && e.step === 'b');
    const h = harness(
      runbook([
        { id: 'a', name: 'a' },
        { id: 'b', name: 'b' },
      ]),
      { journal: startLost.journal },
    );
    const result = await runRunbook(h.options);
    assert.equal(result.status, 'aborted');
    assert.deepEqual(undoneNames(h.undone), ['a'], 'b never ran, so never recorded');

    const endLost = breakingJournal((e) => e.type === 'step.finished' && e.step === 'b');
    const last = harness(
      runbook([
        { id: 'a', name: 'a' },
        { id: 'b', name: 'b' },
      ]),
      { journal: endLost.journal },
    );
    const lastResult = await runRunbook(last.options);
    assert.equal(lastResult.status, 'aborted');
    assert.deepEqual(undoneNames(last.undone), ['b', 'a']);
  });

  test('failing during the rollback: the rollback goes on, its steps make their changes, every record is undone', async () => {
    const { journal } = breakingJournal((e) => e.type === 'rollback.started');
    const seen: RunEvent[] = [];
    const h = harness(
      runbook(
        [
          { id: 'a', name: 'a' },
          { id: 'b', name: 'b', behave: 'fail' },
        ],
        ['r'],
      ),
      { journal, handlers: [(event) => seen.push(event)] },
    );
    const result = await runRunbook(h.options);
    assert.equal(result.status, 'failed');
    assert.equal(result.rollback, 'succeeded');
    assert.deepEqual(undoneNames(h.undone), ['b', 'a']);
    const rollbackStep = seen.find((e) => e.type === 'step.finished' && e.phase === 'rollback');
    assert.equal(rollbackStep?.type === 'step.finished' && rollbackStep.status, 'succeeded');
    assert.ok(seen.some((e) => e.type === 'run.progress' && e.message.includes('the rollback goes on without it')));
  });

  test('a journal that works again after a failure says how many events it lost, before the next it stores', async () => {
    const stored: RunEvent[] = [];
    const h = harness(runbook([{ id: 'a', name: 'a', behave: 'fail' }]), {
      journal: (event) => {
        if (event.type === 'rollback.started') throw diskFull();
        stored.push(event);
      },
    });
    const result = await runRunbook(h.options);
    assert.equal(result.rollback, 'succeeded');
    const types = stored.map((e) => e.type);
    assert.deepEqual(types.slice(types.indexOf('step.finished')), [
      'step.finished',
      'run.progress',
      'undo.finished',
      'rollback.finished',
      'run.finished',
    ]);
    const gap = stored.find((e) => e.type === 'run.progress');
    assert.match(
      gap?.type === 'run.progress' ? gap.message : '',
      /^1 events before this one could not be journaled \(cannot write the journal .*ENOSPC/,
    );
  });
});

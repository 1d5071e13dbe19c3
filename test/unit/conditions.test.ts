// The pure side of waiting: kubectl wait's condition and JSONPath checks, a Job's completion, and
// how verdicts on several objects combine.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type ApiObject,
  combineVerdicts,
  conditionVerdict,
  evaluateJsonPath,
  jobVerdict,
  JsonPathError,
  jsonPathVerdict,
  parseCondition,
  parseJsonPath,
  scalarText,
} from '../../src/kube/conditions.ts';

const pod = {
  metadata: { name: 'web-1', labels: { app: 'web', 'app.kubernetes.io/name': 'shop' }, generation: 1 },
  spec: {
    containers: [
      { name: 'app', image: 'web:1' },
      { name: 'proxy', image: 'envoy:2' },
    ],
  },
  status: {
    phase: 'Running',
    restartCount: 3,
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
    ],
  },
};

const path = (text: string): unknown[] => evaluateJsonPath(parseJsonPath(text), pod);

describe('JSONPath', () => {
  test('fields, indexes and negative indexes', () => {
    assert.deepEqual(path('{.status.phase}'), ['Running']);
    assert.deepEqual(path('{.spec.containers[1].image}'), ['envoy:2']);
    assert.deepEqual(path('{.spec.containers[-1].name}'), ['proxy']);
    assert.deepEqual(path('{.spec.containers[2].name}'), []);
  });

  test('braces and the leading dot may be left out, as kubectl allows', () => {
    assert.deepEqual(path('.status.phase'), ['Running']);
    assert.deepEqual(path('status.phase'), ['Running']);
    assert.deepEqual(path(' { .status.phase } '), ['Running']);
  });

  test('a filter picks list items by a field', () => {
    assert.deepEqual(path('{.status.conditions[?(@.type=="Ready")].status}'), ['False']);
    assert.deepEqual(path("{.status.conditions[?(@.type == 'PodScheduled')].status}"), ['True']);
    assert.deepEqual(path('{.status.conditions[?(@.type!="Ready")].type}'), ['PodScheduled']);
    assert.deepEqual(path('{.status.conditions[?(@.reason)].type}'), ['Ready']);
    assert.deepEqual(path('{.status.conditions[?(@.type=="Missing")].status}'), []);
  });

  test('filters compare numbers as numbers', () => {
    const data = { items: [{ n: 9 }, { n: 10 }, { n: 11 }] };
    assert.deepEqual(evaluateJsonPath(parseJsonPath('{.items[?(@.n>9)].n}'), data), [10, 11]);
    assert.deepEqual(evaluateJsonPath(parseJsonPath('{.items[?(@.n<=10)].n}'), data), [9, 10]);
  });

  test('wildcards, quoted keys and escaped dots', () => {
    assert.deepEqual(path('{.spec.containers[*].image}'), ['web:1', 'envoy:2']);
    assert.deepEqual(path('{.metadata.labels.*}'), ['web', 'shop']);
    assert.deepEqual(path("{.metadata.labels['app.kubernetes.io/name']}"), ['shop']);
    assert.deepEqual(path('{.metadata.labels.app\\.kubernetes\\.io/name}'), ['shop']);
  });

  test('missing keys and fields of scalars lead nowhere', () => {
    assert.deepEqual(path('{.status.missing.deeper}'), []);
    assert.deepEqual(path('{.status.phase.length}'), []);
    assert.deepEqual(path('{.status.phase[0]}'), []);
  });

  test('unsupported and broken syntax is an error that says where', () => {
    for (const [text, message] of [
      ['{..name}', /recursive descent/],
      ['{.items[0:2]}', /slices and unions/],
      ['{.items[0,1]}', /slices and unions/],
      ['{.items[?(@.a=="b"]}', /expected "\)" at character 19/],
      ['{.items[?(@.a=="b")}', /expected "\]" at character 20/],
      ['items[0', /expected "\]" at character 8/],
      ['{.a}{.b}', /single \{\.\.\.\} expression/],
      ['{.items[abc]}', /expected an index/],
      ['{.a.}', /expected a field name/],
      ["{.a['b]}", /missing closing '/],
    ] as const) {
      assert.throws(
        () => parseJsonPath(text),
        (error: Error) => error instanceof JsonPathError && message.test(error.message),
        text,
      );
    }
  });
});

describe('jsonPathVerdict', () => {
  test('met when the single value matches as text, spaces trimmed', () => {
    assert.deepEqual(jsonPathVerdict(pod, parseJsonPath('{.status.phase}'), ' Running '), {
      state: 'met',
      seen: '{.status.phase} is "Running"',
    });
    assert.equal(jsonPathVerdict(pod, parseJsonPath('{.status.restartCount}'), '3').state, 'met');
  });

  test('waiting, saying what it saw, while the value differs or is missing', () => {
    assert.deepEqual(jsonPathVerdict(pod, parseJsonPath('{.status.phase}'), 'Succeeded'), {
      state: 'waiting',
      seen: '{.status.phase} is "Running"',
    });
    assert.deepEqual(jsonPathVerdict(pod, parseJsonPath('{.status.podIP}'), '10.0.0.1'), {
      state: 'waiting',
      seen: '{.status.podIP} not found',
    });
  });

  test('failed for several values or a mapping, which can never equal a value', () => {
    assert.equal(jsonPathVerdict(pod, parseJsonPath('{.spec.containers[*].image}'), 'web:1').state, 'failed');
    assert.match(jsonPathVerdict(pod, parseJsonPath('{.status}'), 'x').seen, /is a mapping/);
  });

  test('timestamps from the typed client read as the API writes them', () => {
    assert.equal(scalarText(new Date('2024-05-01T10:00:00Z')), '2024-05-01T10:00:00Z');
    assert.equal(scalarText(true), 'true');
    assert.equal(scalarText(null), 'null');
  });
});

describe('conditions', () => {
  const deployment = (status: string, observedGeneration?: number): ApiObject => ({
    metadata: { name: 'web', generation: 2 },
    status: {
      observedGeneration: 2,
      conditions: [{ type: 'Available', status, reason: 'MinimumReplicasAvailable', observedGeneration }],
    },
  });

  test('a bare type means status True; type and status compare case-insensitively', () => {
    assert.deepEqual(parseCondition('Available'), { type: 'Available', status: 'True' });
    assert.deepEqual(parseCondition('Ready=False'), { type: 'Ready', status: 'False' });
    assert.equal(conditionVerdict(deployment('True'), parseCondition('available')).state, 'met');
    assert.equal(conditionVerdict(deployment('True'), parseCondition('Available=true')).state, 'met');
  });

  test('waiting while the status differs, saying what it is', () => {
    assert.deepEqual(conditionVerdict(deployment('False'), parseCondition('Available')), {
      state: 'waiting',
      seen: 'Available=False (MinimumReplicasAvailable)',
    });
    assert.deepEqual(conditionVerdict(pod, parseCondition('Initialized')), {
      state: 'waiting',
      seen: 'no Initialized condition',
    });
  });

  test('a condition observed for an older generation does not count yet', () => {
    const stale = conditionVerdict(deployment('True', 1), parseCondition('Available'));
    assert.equal(stale.state, 'waiting');
    assert.match(stale.seen, /observed for generation 1 of 2/);
    const staleStatus: ApiObject = {
      metadata: { generation: 3 },
      status: { observedGeneration: 2, conditions: [{ type: 'Available', status: 'True' }] },
    };
    assert.equal(conditionVerdict(staleStatus, parseCondition('Available')).state, 'waiting');
  });
});

describe('jobVerdict', () => {
  const job = (conditions: object[], status: object = {}): ApiObject => ({ status: { ...status, conditions } });

  test('complete, failed with its reason, or counting pods', () => {
    assert.equal(jobVerdict(job([{ type: 'Complete', status: 'True' }])).state, 'met');
    assert.deepEqual(
      jobVerdict(job([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'too many' }])),
      { state: 'failed', seen: 'failed (BackoffLimitExceeded: too many)' },
    );
    assert.deepEqual(jobVerdict(job([], { active: 1 })), {
      state: 'waiting',
      seen: '1 active, 0 succeeded, 0 failed pods',
    });
  });
});

describe('combineVerdicts', () => {
  const met = { state: 'met', seen: 'ok' } as const;
  const waiting = { state: 'waiting', seen: 'not yet' } as const;

  test('met only when every object is, naming the ones waited for', () => {
    assert.deepEqual(
      combineVerdicts([
        { name: 'a', verdict: met },
        { name: 'b', verdict: waiting },
      ]),
      { state: 'waiting', seen: 'b: not yet; 1 of 2 met' },
    );
    assert.equal(combineVerdicts([{ name: 'a', verdict: met }]).state, 'met');
  });

  test('failed when any object is, and long lists are cut', () => {
    const many = Array.from({ length: 8 }, (_, i) => ({ name: `p${i}`, verdict: waiting }));
    assert.equal(
      combineVerdicts([...many, { name: 'x', verdict: { state: 'failed', seen: 'broken' } }]).seen,
      'x: broken',
    );
    assert.match(combineVerdicts(many).seen, /p4: not yet; 3 more$/);
  });
});

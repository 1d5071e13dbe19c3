// What src/kube/resilience.ts retries, decided by status code, Status details and errno code
// alone; and what may be sent twice. The retries themselves run against the sandox's real faults
// (test/sandbox/faults.test.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  backoffMs,
  judgeError,
  judgeResponse,
  mayRepeat,
  networkCode,
  unreachable,
} from '../../src/kube/resilience.ts';

const fetchFailed = (code: string) => new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code }) });

describe('judging a failed attempt', () => {
  test('connection errors: refused never reached the server, reset may have', () => {
    assert.deepEqual(judgeError(fetchFailed('ECONNREFUSED')), {
      transient: true,
      unprocessed: true,
      why: 'connection refused (ECONNREFUSED)',
    });
    assert.deepEqual(judgeError(fetchFailed('ECONNRESET')), {
      transient: true,
      unprocessed: false,
      why: 'connection reset (ECONNRESET)',
    });
    assert.deepEqual(judgeError(fetchFailed('DEPTH_ZERO_SELF_SIGNED_CERT')), { transient: false });
    assert.deepEqual(judgeError(new Error('ECONNREFUSED in the words of a message')), { transient: false });
  });

  test('the code is found inside an AggregateError of every address tried', () => {
    const aggregate = Object.assign(new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })]), {});
    assert.equal(networkCode(new TypeError('fetch failed', { cause: aggregate })), 'ECONNREFUSED');
  });

  test('429 from API Priority and Fairness is retried after Retry-After; a budget refusing an eviction is not', () => {
    assert.deepEqual(judgeResponse(429, { 'retry-after': '2' }, { reason: 'TooManyRequests' }), {
      transient: true,
      unprocessed: true,
      why: 'answered 429 TooManyRequests',
      retryAfterMs: 2000,
    });
    const budget = { reason: 'TooManyRequests', details: { causes: [{ reason: 'DisruptionBudget' }] } };
    assert.deepEqual(judgeResponse(429, { 'retry-after': '10' }, budget), { transient: false });
  });

  test('5xx is transient; only a 503 with Retry-After surely was not acted on', () => {
    const leaderChanged = { reason: 'InternalError', message: 'etcdserver: leader changed' };
    assert.deepEqual(judgeResponse(500, {}, leaderChanged), {
      transient: true,
      unprocessed: false,
      why: 'answered 500 InternalError',
      retryAfterMs: undefined,
    });
    assert.deepEqual(judgeResponse(503, { 'retry-after': '1' }, { reason: 'ServiceUnavailable' }), {
      transient: true,
      unprocessed: true,
      why: 'answered 503 ServiceUnavailable',
      retryAfterMs: 1000,
    });
    assert.deepEqual(judgeResponse(503, {}, undefined), {
      transient: true,
      unprocessed: false,
      why: 'answered 503',
      retryAfterMs: undefined,
    });
    assert.deepEqual(judgeResponse(404, {}, { reason: 'NotFound' }), { transient: false });
    assert.deepEqual(judgeResponse(409, {}, { reason: 'AlreadyExists' }), { transient: false });
  });
});

describe('what may be sent twice', () => {
  const base = 'https://127.0.0.1:6443';
  test('reads, evictions, reviews, server dry runs, merge and apply patches', () => {
    assert.equal(mayRepeat('GET', `${base}/api/v1/nodes`, undefined), true);
    assert.equal(mayRepeat('POST', `${base}/api/v1/namespaces/a/pods/p/eviction`, 'application/json'), true);
    assert.equal(
      mayRepeat('POST', `${base}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, 'application/json'),
      true,
    );
    assert.equal(mayRepeat('PATCH', `${base}/api/v1/nodes/n?dryRun=All`, 'application/json-patch+json'), true);
    assert.equal(mayRepeat('PATCH', `${base}/api/v1/nodes/n`, 'application/strategic-merge-patch+json'), true);
    assert.equal(mayRepeat('PATCH', `${base}/apis/apps/v1/x`, 'application/apply-patch+yaml; charset=utf-8'), true);
  });

  test('not creates, replaces, deletes or JSON Patches (a `test` would fail the second time)', () => {
    assert.equal(mayRepeat('POST', `${base}/api/v1/namespaces/a/configmaps`, 'application/json'), false);
    assert.equal(
      mayRepeat('PUT', `${base}/apis/coordination.k8s.io/v1/namespaces/a/leases/l`, 'application/json'),
      false,
    );
    assert.equal(mayRepeat('DELETE', `${base}/api/v1/namespaces/a/pods/p`, undefined), false);
    assert.equal(mayRepeat('PATCH', `${base}/api/v1/nodes/n`, 'application/json-patch+json'), false);
  });
});

test('backoff doubles from 250 ms to 4 s; Retry-After wins', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => backoffMs(n)),
    [250, 500, 1000, 2000, 4000, 4000],
  );
  assert.equal(backoffMs(1, 3000), 3000);
});

test('an unreachable server is named with the reason, never as `fetch failed`', () => {
  const error = unreachable('https://10.0.0.1:6443', fetchFailed('ECONNREFUSED'));
  assert.equal(error.message, 'API server https://10.0.0.1:6443 cannot be reached: connection refused (ECONNREFUSED)');
  assert.equal(error.reason, 'ECONNREFUSED');
  const tls = unreachable(
    'https://10.0.0.1:6443',
    new TypeError('fetch failed', {
      cause: Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
    }),
  );
  assert.equal(
    tls.message,
    'API server https://10.0.0.1:6443 cannot be reached: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
  );
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DURATION_PATTERN,
  formatDuration,
  POSITIVE_DURATION_PATTERN,
  parseDuration,
} from '../../src/runbook/duration.ts';

const valid: [string, number][] = [
  ['0', 0],
  ['0s', 0],
  ['500ms', 500],
  ['90s', 90_000],
  ['10m', 600_000],
  ['1h30m', 5_400_000],
  ['1.5h', 5_400_000],
  ['2h45m30s500ms', 9_930_500],
  ['1h90m', 9_000_000],
  ['0.5s', 500],
];

const invalid: [string, RegExp][] = [
  ['', /is empty/],
  ['10', /has no unit, got "10"; write it like 10s or 10m/],
  ['10min', /unknown unit "min"/],
  ['5sec', /unknown unit "sec"/],
  ['-5m', /must not be negative/],
  ['5 m', /must not contain spaces/],
  // A value that runs over lines is quoted on one line: a problem is one line, after file:line:col.
  ['3m\n- ""', /^must not contain spaces, got "3m\\n- \\"\\""; write it like 1h30m$/],
  ['30m1h', /largest first/],
  ['1m1m', /largest first/],
  ['500us', /below a millisecond/],
  ['10ns', /below a millisecond/],
  ['abc', /is not a duration/],
  ['1.5.3s', /is not a duration/],
  ['5m30', /number without a unit/],
  ['1.5ms', /whole number of milliseconds/],
  ['99999999999999h', /too long/],
];

describe('parseDuration', () => {
  for (const [text, ms] of valid) {
    it(`reads ${text} as ${ms}ms`, () => assert.deepEqual(parseDuration(text), { ok: true, ms }));
  }
  for (const [text, message] of invalid) {
    it(`rejects "${text}"`, () => {
      const result = parseDuration(text);
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.error, message);
    });
  }

  it('agrees with the JSON Schema pattern editors use', () => {
    const pattern = new RegExp(DURATION_PATTERN, 'u');
    const positive = new RegExp(POSITIVE_DURATION_PATTERN, 'u');
    for (const [text, ms] of valid) {
      assert.ok(pattern.test(text), text);
      assert.equal(positive.test(text), ms > 0, text);
    }
    // Semantic limits (whole milliseconds, size) are beyond a pattern; every other rejection is not.
    for (const [text] of invalid.filter(([, message]) => !/whole number|too long/.test(String(message)))) {
      assert.ok(!pattern.test(text), text);
    }
  });
});

describe('formatDuration', () => {
  it('writes the shortest form', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(500), '500ms');
    assert.equal(formatDuration(90_000), '1m30s');
    assert.equal(formatDuration(5_400_000), '1h30m');
    assert.equal(formatDuration(9_930_500), '2h45m30s500ms');
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 999, 1000, 61_001, 3_600_000, 86_400_000, 123_456_789]) {
      assert.deepEqual(parseDuration(formatDuration(ms)), { ok: true, ms });
    }
  });

  it('refuses what is not a duration', () => {
    assert.throws(() => formatDuration(-1), RangeError);
    assert.throws(() => formatDuration(1.5), RangeError);
  });
});

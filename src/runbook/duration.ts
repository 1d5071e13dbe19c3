/**
 * Go-style durations (`90s`, `10m`, `1h30m`, `500ms`, `1.5h`), counted in whole milliseconds.
 *
 * Stricter than Go's time.ParseDuration on purpose: units below a millisecond are rejected (nothing
 * in a drill is that fast), and units must run from largest to smallest without repeats, because
 * `30m1h` or `1m1m` is far more likely a typo than an intent.
 */
import { type Unit, UNIT_MS, UNITS_LARGEST_FIRST } from '../duration-text.ts';

export { formatDuration } from '../duration-text.ts';

const SUB_MILLISECOND_UNITS = new Set(['us', 'µs', 'μs', 'ns']);

const component = (unit: string) => `(?:[0-9]+(?:\\.[0-9]+)?${unit})?`;
const componentsInOrder = `(?=[0-9])${UNITS_LARGEST_FIRST.map(component).join('')}`;

/** JSON Schema pattern for a duration that may be zero (`0`, `0s`). */
export const DURATION_PATTERN = `^(?:0|${componentsInOrder})$`;
/** JSON Schema pattern for a duration greater than zero. */
export const POSITIVE_DURATION_PATTERN = `^(?=.*[1-9])${componentsInOrder}$`;

export type DurationResult = { ok: true; ms: number } | { ok: false; error: string };

/** Parses a duration; errors are short phrases meant to follow the name of the offending field. */
export function parseDuration(text: string): DurationResult {
  const fail = (error: string): DurationResult => ({ ok: false, error });
  if (text === '') return fail('is empty; expected a duration like 30s or 10m');
  if (text === '0') return { ok: true, ms: 0 };
  if (text.startsWith('-')) return fail(`must not be negative, got ${JSON.stringify(text)}`);
  if (/\s/.test(text)) return fail(`must not contain spaces, got ${JSON.stringify(text)}; write it like 1h30m`);
  if (/^[0-9.]+$/.test(text))
    return fail(`has no unit, got ${JSON.stringify(text)}; write it like ${text}s or ${text}m`);

  let ms = 0;
  let previousUnitIndex = -1;
  // The micro sign and the Greek mu as escapes: one character outside ASCII makes V8 hold a whole bundle
  // as a two-byte string, which made reading dist/validate-files.cjs take 4 ms instead of 1.
  const componentPattern = /([0-9]*\.?[0-9]*)([a-zA-Z\u00b5\u03bc]*)/y;
  for (let at = 0; at < text.length;) {
    componentPattern.lastIndex = at;
    const match = componentPattern.exec(text);
    const [whole = '', number = '', unit = ''] = match ?? [];
    if (whole === '') return fail(`is not a duration: "${text}"`);
    at += whole.length;
    if (!/^(?:[0-9]+(?:\.[0-9]+)?)$/.test(number)) {
      return fail(`is not a duration: "${text}"; expected a number followed by a unit, like 30s or 1h30m`);
    }
    if (unit === '' && at < text.length) return fail(`is not a duration: "${text}"`);
    if (unit === '') return fail(`has a number without a unit in "${text}"; use ms, s, m or h`);
    if (SUB_MILLISECOND_UNITS.has(unit)) {
      return fail(`uses unit "${unit}" in "${text}", which is below a millisecond; use ms, s, m or h`);
    }
    if (!isUnit(unit)) return fail(`has unknown unit "${unit}" in "${text}"; use ms, s, m or h`);
    const unitIndex = UNITS_LARGEST_FIRST.indexOf(unit);
    if (unitIndex <= previousUnitIndex) {
      return fail(`must list each unit once, largest first (like 1h30m), got ${JSON.stringify(text)}`);
    }
    previousUnitIndex = unitIndex;
    ms += Number(number) * UNIT_MS[unit];
  }
  if (!Number.isInteger(ms)) return fail(`must be a whole number of milliseconds, got ${JSON.stringify(text)}`);
  if (!Number.isSafeInteger(ms)) return fail(`is too long: "${text}"`);
  return { ok: true, ms };
}

function isUnit(text: string): text is Unit {
  return Object.hasOwn(UNIT_MS, text);
}

/** Milliseconds of a duration that validation has accepted; throws with the reason if it is not one. */
export function durationMs(text: string): number {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.ms;
}

/** durationMs for optional inputs: undefined stays undefined. */
export function optionalDurationMs(text: string | undefined): number | undefined {
  return text === undefined ? undefined : durationMs(text);
}

// What waiting on an object means, as pure functions of the object: `kubectl wait`'s condition and
// JSONPath checks, and a Job's completion. Each returns a Verdict whose `seen` says what the object
// looked like, so that a wait that times out can say what it saw.

/** An object as the API returns it, read loosely: every field may be missing. */
export interface ApiObject {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    deletionTimestamp?: unknown;
    finalizers?: string[];
  };
  [field: string]: unknown;
}

export interface Verdict {
  /** `failed`: the object can no longer get there (a Job failed, a rollout exceeded its deadline). */
  state: 'met' | 'waiting' | 'failed';
  /** What the object looks like, in a few words. */
  seen: string;
}

// ---------------------------------------------------------------------------------------------
// Conditions

export interface ConditionWanted {
  type: string;
  status: string;
}

/** `Available` means status True; `Ready=False` names the status. */
export function parseCondition(text: string): ConditionWanted {
  const [type = '', status = 'True'] = text.split('=', 2);
  return { type, status };
}

interface Condition {
  type?: unknown;
  status?: unknown;
  reason?: unknown;
  message?: unknown;
  observedGeneration?: unknown;
}

/**
 * kubectl wait --for=condition: type and status compare case-insensitively, and a condition
 * computed for an older generation of the object (its observedGeneration, else the status's, is
 * below metadata.generation) does not count yet, so a wait right after a change is not satisfied
 * by the state from before it.
 */
export function conditionVerdict(object: ApiObject, wanted: ConditionWanted): Verdict {
  const condition = conditionsOf(object).find((c) => typeof c.type === 'string' && equalFold(c.type, wanted.type));
  if (typeof condition?.status !== 'string') return { state: 'waiting', seen: `no ${wanted.type} condition` };
  const reason = typeof condition.reason === 'string' && condition.reason !== '' ? ` (${condition.reason})` : '';
  const seen = `${String(condition.type)}=${condition.status}${reason}`;
  const generation = object.metadata?.generation;
  const statusGeneration = numberOr(asRecord(object.status)?.observedGeneration, undefined);
  const observed = numberOr(condition.observedGeneration, statusGeneration);
  if (generation !== undefined && observed !== undefined && observed < generation) {
    return { state: 'waiting', seen: `${seen}, observed for generation ${observed} of ${generation}` };
  }
  return { state: equalFold(condition.status, wanted.status) ? 'met' : 'waiting', seen };
}

// ---------------------------------------------------------------------------------------------
// JSONPath: the subset of kubectl's syntax that waits use.

export type JsonPathStep =
  | { step: 'field'; name: string }
  | { step: 'index'; index: number }
  | { step: 'wildcard' }
  | { step: 'filter'; path: JsonPathStep[]; test?: { operator: FilterOperator; value: string | number | boolean } };

type FilterOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

export interface JsonPath {
  /** The expression as written, for messages. */
  text: string;
  steps: JsonPathStep[];
}

export class JsonPathError extends Error {}

/**
 * Parses `{.status.phase}`, `{.items[0].metadata.name}`, `{.spec.containers[*].image}`,
 * `{.status.conditions[?(@.type=="Ready")].status}` and `{.metadata.labels.app\.kubernetes\.io/name}`
 * (an escaped dot is part of the key). Like kubectl, the braces and the leading dot may be left out.
 * Slices, recursive descent (`..`), unions and functions are not supported and say so.
 */
export function parseJsonPath(text: string): JsonPath {
  const trimmed = text.trim();
  const inner = trimmed.startsWith('{') && trimmed.endsWith('}') ? trimmed.slice(1, -1).trim() : trimmed;
  if (inner.includes('{') || inner.includes('}')) {
    throw new JsonPathError(`unsupported JSONPath "${text}": use a single {...} expression`);
  }
  const prefixed = !inner.startsWith('.') && !inner.startsWith('[');
  // Where `source` starts in `text`, so that errors point into the expression as written.
  const offset = text.indexOf(inner) - (prefixed ? 1 : 0);
  const parser = new PathParser(prefixed ? `.${inner}` : inner, text, offset);
  const steps = parser.steps(() => parser.atEnd());
  return { text, steps };
}

class PathParser {
  readonly #source: string;
  readonly #text: string;
  readonly #offset: number;
  #at = 0;

  constructor(source: string, text: string, offset: number) {
    this.#source = source;
    this.#text = text;
    this.#offset = offset;
  }

  atEnd(): boolean {
    return this.#at >= this.#source.length;
  }

  /** Steps until `stop` says the path is over. */
  steps(stop: () => boolean): JsonPathStep[] {
    const steps: JsonPathStep[] = [];
    while (!stop()) {
      const char = this.#source[this.#at];
      if (char === '.') {
        this.#at++;
        if (this.#source[this.#at] === '.') this.#fail('recursive descent (..) is not supported');
        if (this.#source[this.#at] === '*') {
          this.#at++;
          steps.push({ step: 'wildcard' });
        } else {
          steps.push({ step: 'field', name: this.#fieldName() });
        }
      } else if (char === '[') {
        steps.push(this.#bracket());
      } else {
        this.#fail(`unexpected "${char ?? ''}"`);
      }
    }
    return steps;
  }

  #fieldName(): string {
    let name = '';
    while (!this.atEnd()) {
      const char = this.#source[this.#at] as string;
      if (char === '\\' && this.#source[this.#at + 1] === '.') {
        name += '.';
        this.#at += 2;
        continue;
      }
      if (char === '.' || char === '[' || char === ']' || char === ' ' || /[=!<>)]/.test(char)) break;
      name += char;
      this.#at++;
    }
    if (name === '') this.#fail('expected a field name after "."');
    return name;
  }

  #bracket(): JsonPathStep {
    this.#at++; // [
    let step: JsonPathStep;
    const rest = this.#source.slice(this.#at);
    if (rest.startsWith('*')) {
      this.#at++;
      step = { step: 'wildcard' };
    } else if (rest.startsWith('?(')) {
      this.#at += 2;
      step = this.#filter();
      this.#expect(')');
    } else if (rest.startsWith("'") || rest.startsWith('"')) {
      step = { step: 'field', name: this.#quoted() };
    } else {
      const match = /^-?[0-9]+/.exec(rest);
      if (!match) this.#fail('expected an index, *, a quoted key or a ?() filter inside [...]');
      this.#at += match[0].length;
      if (this.#source[this.#at] === ':' || this.#source[this.#at] === ',') {
        this.#fail('slices and unions are not supported');
      }
      step = { step: 'index', index: Number(match[0]) };
    }
    this.#expect(']');
    return step;
  }

  #filter(): JsonPathStep {
    this.#skipSpaces();
    this.#expect('@');
    const path = this.steps(() => this.atEnd() || /^\s*(==|!=|<=|>=|<|>|\))/.test(this.#source.slice(this.#at)));
    this.#skipSpaces();
    const operator = /^(==|!=|<=|>=|<|>)/.exec(this.#source.slice(this.#at))?.[1] as FilterOperator | undefined;
    if (!operator) return { step: 'filter', path };
    this.#at += operator.length;
    this.#skipSpaces();
    const value = this.#literal();
    this.#skipSpaces();
    return { step: 'filter', path, test: { operator, value } };
  }

  #literal(): string | number | boolean {
    const rest = this.#source.slice(this.#at);
    if (rest.startsWith("'") || rest.startsWith('"')) return this.#quoted();
    const match = /^(true|false|-?[0-9]+(\.[0-9]+)?)/.exec(rest);
    if (!match) this.#fail('expected a quoted string, a number, true or false after the operator');
    this.#at += match[0].length;
    if (match[0] === 'true' || match[0] === 'false') return match[0] === 'true';
    return Number(match[0]);
  }

  #quoted(): string {
    const quote = this.#source[this.#at] as string;
    const end = this.#source.indexOf(quote, this.#at + 1);
    if (end < 0) this.#fail(`missing closing ${quote}`);
    const value = this.#source.slice(this.#at + 1, end);
    this.#at = end + 1;
    return value;
  }

  #skipSpaces(): void {
    while (this.#source[this.#at] === ' ') this.#at++;
  }

  #expect(char: string): void {
    if (this.#source[this.#at] !== char) this.#fail(`expected "${char}"`);
    this.#at++;
  }

  #fail(problem: string): never {
    throw new JsonPathError(`invalid JSONPath "${this.#text}": ${problem} at character ${this.#offset + this.#at + 1}`);
  }
}

/** Every value the path leads to; missing keys and indexes lead nowhere, as kubectl wait allows. */
export function evaluateJsonPath(path: JsonPath | JsonPathStep[], data: unknown): unknown[] {
  const steps = Array.isArray(path) ? path : path.steps;
  let current: unknown[] = [data];
  for (const step of steps) {
    current = current.flatMap((value) => applyStep(step, value));
  }
  return current;
}

function applyStep(step: JsonPathStep, value: unknown): unknown[] {
  switch (step.step) {
    case 'field': {
      const record = asRecord(value);
      return record && Object.hasOwn(record, step.name) ? [record[step.name]] : [];
    }
    case 'index': {
      if (!Array.isArray(value)) return [];
      const item: unknown = value.at(step.index);
      return step.index < value.length && step.index >= -value.length ? [item] : [];
    }
    case 'wildcard':
      return Array.isArray(value) ? value : Object.values(asRecord(value) ?? {});
    case 'filter': {
      const items: unknown[] = Array.isArray(value) ? value : [];
      return items.filter((item) => {
        const [found] = evaluateJsonPath(step.path, item);
        if (!step.test) return found !== undefined;
        return found !== undefined && compare(found, step.test.operator, step.test.value);
      });
    }
  }
}

function compare(found: unknown, operator: FilterOperator, wanted: string | number | boolean): boolean {
  if (operator === '==') return scalarText(found) === String(wanted);
  if (operator === '!=') return scalarText(found) !== String(wanted);
  const [left, right] = typeof wanted === 'number' ? [Number(found), wanted] : [scalarText(found), String(wanted)];
  switch (operator) {
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    case '>=':
      return left >= right;
  }
}

/**
 * kubectl wait --for=jsonpath=...=value: the path must lead to exactly one scalar, compared as text
 * with surrounding spaces trimmed. A path that leads to nothing is not met yet; one that leads to
 * several values or to a mapping or list can never be, and fails.
 */
export function jsonPathVerdict(object: unknown, path: JsonPath, value: string): Verdict {
  const results = evaluateJsonPath(path, object);
  const [first] = results;
  if (results.length === 0) return { state: 'waiting', seen: `${path.text} not found` };
  if (results.length > 1) return { state: 'failed', seen: `${path.text} matches ${results.length} values, not one` };
  if (typeof first === 'object' && first !== null && !(first instanceof Date)) {
    return { state: 'failed', seen: `${path.text} is a ${Array.isArray(first) ? 'list' : 'mapping'}, not a value` };
  }
  const text = scalarText(first);
  return { state: text.trim() === value.trim() ? 'met' : 'waiting', seen: `${path.text} is "${text}"` };
}

/** A scalar as kubectl prints it; timestamps (Date objects from the typed client) in RFC 3339. */
export function scalarText(value: unknown): string {
  if (value instanceof Date) return value.toISOString().replace(/\.000Z$/, 'Z');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------
// Jobs

/** Complete, as `kubectl wait --for=condition=Complete` sees it; a Failed Job never will be. */
export function jobVerdict(object: ApiObject): Verdict {
  const conditions = conditionsOf(object).filter((c) => c.status === 'True');
  const failed = conditions.find((c) => c.type === 'Failed');
  if (failed) {
    const why = [failed.reason, failed.message].filter((s) => typeof s === 'string' && s !== '').join(': ');
    return { state: 'failed', seen: `failed${why ? ` (${why})` : ''}` };
  }
  if (conditions.some((c) => c.type === 'Complete')) return { state: 'met', seen: 'complete' };
  const status = asRecord(object.status) ?? {};
  return {
    state: 'waiting',
    seen: `${numberOr(status.active, 0)} active, ${numberOr(status.succeeded, 0)} succeeded, ${numberOr(status.failed, 0)} failed pods`,
  };
}

function conditionsOf(object: ApiObject): Condition[] {
  const conditions = asRecord(object.status)?.conditions;
  return Array.isArray(conditions) ? (conditions as Condition[]) : [];
}

// ---------------------------------------------------------------------------------------------

/**
 * Combines the verdicts on several objects: met when all are, failed when any is. What it saw names
 * the objects that decide the outcome: the failed ones, else the ones still waited for.
 */
export function combineVerdicts(verdicts: readonly { name: string; verdict: Verdict }[]): Verdict {
  const failed = verdicts.filter((v) => v.verdict.state === 'failed');
  if (failed.length > 0) return { state: 'failed', seen: describeVerdicts(failed) };
  const waiting = verdicts.filter((v) => v.verdict.state === 'waiting');
  if (waiting.length === 0) return { state: 'met', seen: describeVerdicts(verdicts) };
  const met = verdicts.length - waiting.length;
  return {
    state: 'waiting',
    seen: describeVerdicts(waiting) + (met > 0 ? `; ${met} of ${verdicts.length} met` : ''),
  };
}

/** Objects named in what a wait saw; more are counted. */
export const MAX_OBJECTS_DESCRIBED = 5;

function describeVerdicts(verdicts: readonly { name: string; verdict: Verdict }[]): string {
  const shown = verdicts.slice(0, MAX_OBJECTS_DESCRIBED).map((v) => `${v.name}: ${v.verdict.seen}`);
  const more = verdicts.length - shown.length;
  return [...shown, ...(more > 0 ? [`${more} more`] : [])].join('; ');
}

function equalFold(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function numberOr<T>(value: unknown, fallback: T): number | T {
  return typeof value === 'number' ? value : fallback;
}

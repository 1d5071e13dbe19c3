// No secret anywhere (DESIGN.md section 5, issue 9). A run's Redactor knows the values it must
// never show: the params marked `secret: true`, and the inputs actions declare as credentials
// whatever the runbook says (`secretInputs`: exec's env, http.check's headers), those known before
// the run at its start and the rest as each step resolves them. Every event passes through it
// before the journal or any handler sees it (the runner stamps events through it), so the journal,
// report.json, the summary, the live and plain views, and whatever else renders events (Kubernetes
// Events) show `***` instead. What does not travel as an event (a plan, the text of a prompt, an
// error before the run) is masked by the same Redactor where it is printed.
//
// A value the runbook itself makes public, that of a param not marked secret (run.started shows it),
// is not masked when an input repeats it (`env: { NAMESPACE: "${{ params.namespace }}" }`):
// masking it would hide nothing and make every message about that namespace unreadable.
//
// Values are recognised as registered, never guessed from the words around them: a secret a command
// transforms (base64, URL-encoding, a hash) is not recognisable and is not masked. Two things are
// masked by their shape, whatever their value: the credentials of a URL (`https://user:***@host`,
// `https://***@host` for a lone token), and the field values a change record holds for a Secret's
// `data` and `stringData`.
import type { ActionSpec } from '../actions/action.ts';
import { findAction } from '../actions/registry.ts';
import { parseRunbookYaml } from '../runbook/parse.ts';
import type { Runbook } from '../runbook/schema.ts';
import { paramValues, secretParams } from '../runbook/semantic.ts';
import { resolveTemplate } from '../runbook/template.ts';
import type { ValidationResult } from '../runbook/validate.ts';
import type { RunEvent } from './events.ts';

/** What a masked value reads as. */
export const MASK = '***';

/**
 * A line of a multi-line secret (a key file) is masked on its own too, for output cut to its last
 * lines; shorter lines (braces, blank lines) are structure, and masking them everywhere would make
 * every message unreadable.
 */
const MIN_SECRET_LINE = 8;

/** scheme://user:password@ or scheme://token@; the password may hold a stray "@" or ":". */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:"'<>]*)(:[^\s/?#"'<>]*)?@/gi;

/** Field paths of a Secret whose values are its data. */
const SECRET_DATA = /^\/(data|stringData)(\/|$)/;

export class Redactor {
  readonly #values = new Set<string>();
  readonly #public: ReadonlySet<string>;
  #pattern: RegExp | undefined;

  /** `publicValues` are never masked: the values of the params not marked secret. */
  constructor(values: Iterable<string> = [], publicValues: Iterable<string> = []) {
    this.#public = new Set(publicValues);
    this.add(values);
  }

  /** Registers more values to mask from now on (an input a step has just resolved). */
  add(values: Iterable<string>): void {
    const before = this.#values.size;
    for (const value of values) {
      if (this.#public.has(value)) continue;
      for (const piece of [value, ...value.split(/\r?\n/).filter((line) => line.trim().length >= MIN_SECRET_LINE)]) {
        if (piece.trim() !== '' && piece !== MASK) this.#values.add(piece);
      }
    }
    if (this.#values.size === before) return;
    // One pass, longest first: a value inside another is masked with it, and a mask is never re-masked.
    const alternatives = [...this.#values].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.#pattern = new RegExp(alternatives.join('|'), 'g');
  }

  text(text: string): string {
    const masked = this.#pattern ? text.replace(this.#pattern, MASK) : text;
    return masked.replace(URL_CREDENTIALS, (_match, scheme: string, user: string, password: string | undefined) =>
      password === undefined ? `${scheme}${MASK}@` : `${scheme}${user}:${MASK}@`,
    );
  }

  /** Every string of a JSON-like value (keys too), in a copy. */
  value<T>(value: T): T {
    return this.#deep(value) as T;
  }

  #deep(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((item) => this.#deep(item));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [this.text(key), this.#deep(item)]));
    }
    return value;
  }

  /** An event as handlers may see it. */
  event(event: RunEvent): RunEvent {
    return this.value(event.type === 'undo.recorded' ? withoutSecretData(event) : event);
  }
}

/** A change to a Secret names its fields, never their values. */
function withoutSecretData(event: Extract<RunEvent, { type: 'undo.recorded' }>): RunEvent {
  const { change } = event;
  if (change.type !== 'fields' || change.object.kind !== 'Secret') return event;
  const mask = (value: unknown): unknown => (value === null ? null : MASK);
  const fields = change.fields.map((field) =>
    SECRET_DATA.test(field.path) ? { ...field, before: mask(field.before), after: mask(field.after) } : field,
  );
  return { ...event, change: { ...change, fields } };
}

/** The params with the secret ones' values masked, as run.started shows them. */
export function maskedParams(runbook: Runbook, params: Record<string, string>): Record<string, string> {
  const masked = { ...params };
  for (const name of secretParams(runbook)) if (Object.hasOwn(masked, name)) masked[name] = MASK;
  return masked;
}

/** The strings in an action's secret inputs: a string, or every string of a map or list. */
export function secretInputValues(action: ActionSpec | undefined, input: Readonly<Record<string, unknown>>): string[] {
  return (action?.secretInputs ?? []).flatMap((name) => stringsIn(input[name]));
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

/** A Redactor of a runbook's secret params alone; the runbook may be one validation refused. */
export function paramRedactor(runbook: unknown, params: Readonly<Record<string, string>>): Redactor {
  const secret = secretParams(runbook);
  const values = (names: string[]) => names.flatMap((name) => params[name] ?? []);
  return new Redactor(values(secret), values(Object.keys(params).filter((name) => !secret.includes(name))));
}

/**
 * A validation's problems with the runbook's secret params masked: a problem may quote a param's
 * value (`got "..."`). The runbook is read from its text, since an invalid one has no other form.
 */
export function maskedProblems(
  result: ValidationResult,
  source: string | undefined,
  set: Readonly<Record<string, string>>,
): ValidationResult {
  if (result.valid || source === undefined) return result;
  const parsed = parseRunbookYaml(source, result.file);
  const data = parsed.ok ? parsed.data : undefined;
  const redactor = paramRedactor(data, paramValues(data, set));
  return { ...result, problems: result.problems.map((p) => ({ ...p, message: redactor.text(p.message) })) };
}

/**
 * A run's Redactor as it starts: its secret params' values, and every step's secret inputs that
 * params alone resolve; those that use an earlier step's outputs are added when their step resolves them.
 */
export function runbookRedactor(
  runbook: Runbook,
  params: Record<string, string>,
  actions: (name: string) => ActionSpec | undefined = findAction,
): Redactor {
  const redactor = paramRedactor(runbook, params);
  for (const step of [...runbook.spec.steps, ...(runbook.spec.rollback ?? [])]) {
    for (const raw of secretInputValues(actions(step.action), step.with ?? {})) {
      try {
        const resolved = resolveTemplate(raw, { params, outputs: {} });
        redactor.add([typeof resolved === 'string' ? resolved : JSON.stringify(resolved)]);
      } catch {
        // It uses a step's outputs: added when that step resolves it.
      }
    }
  }
  return redactor;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

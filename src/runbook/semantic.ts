/**
 * Checks that need the runbook as a whole, beyond the schema: unique step ids, templates that refer
 * to declared params and to outputs of steps that have run by then, timeouts no shorter than
 * targets, `--set` params that exist.
 */
import { type Document, isAlias, isMap, isScalar, isSeq, type Node, type Scalar } from 'yaml';
import { findAction } from '../actions/registry.ts';
import { parseDuration } from './duration.ts';
import { DNS_LABEL_PATTERN } from './dns-label.ts';
import type { PropertyPath, SourcePositions } from './positions.ts';
import type { SourcePosition } from './problem.ts';
import { PARAM_NAME_PATTERN } from './schema.ts';
import { closest, didYouMean } from './suggest.ts';
import { scanTemplates, type TemplateReference } from './template.ts';
import { get, type StepRef, stepAt, stepName } from './vocabulary.ts';

export interface LocatedMessage {
  position: SourcePosition;
  message: string;
  /**
   * Where the value with this problem starts, when the problem explains any other complaint about
   * that value: a malformed template makes the value fail its schema too, as a mere symptom.
   */
  supersedes?: SourcePosition;
}

export interface SemanticInput {
  runbook: unknown;
  document: Document;
  positions: SourcePositions;
  source: string;
  /** `--set` values. */
  set: Readonly<Record<string, string>>;
  /** Report params that end up without a value (for `run`; `validate` leaves them to run time). */
  requireParams: boolean;
}

type StepList = 'steps' | 'rollback';

export function checkSemantics(input: SemanticInput): LocatedMessage[] {
  const problems: LocatedMessage[] = [];
  const report: Reporter = (position, message, supersedes) =>
    problems.push({ position, message, ...(supersedes ? { supersedes } : {}) });
  const steps = [...listSteps(input.runbook, 'steps'), ...listSteps(input.runbook, 'rollback')];
  checkParams(input, report);
  checkStepIds(input, steps, report);
  for (const step of steps) checkTimeoutAgainstTarget(input, step, report);
  checkRollbackExists(input, steps, report);
  checkTemplates(input, steps, report);
  checkSpans(input, steps, report);
  return problems;
}

/** Spans name steps of the run (not rollback steps), `to` not before `from`, each name once. */
function checkSpans(input: SemanticInput, steps: StepRef[], report: Reporter): void {
  const spans = get(input.runbook, ['spec', 'spans']);
  if (!Array.isArray(spans)) return;
  const ids = steps.flatMap((step) => (step.list === 'steps' && step.id !== undefined ? [step.id] : []));
  const names = new Map<string, number>();
  spans.forEach((span: unknown, index) => {
    const path = ['spec', 'spans', index];
    const value = (key: string): unknown => get(span, [key]);
    const name = value('name');
    if (typeof name === 'string') {
      const first = names.get(name);
      if (first === undefined) names.set(name, input.positions.ofValue([...path, 'name']).line);
      else
        report(
          input.positions.ofValue([...path, 'name']),
          `duplicate span name "${name}"; it is also used on line ${first}`,
        );
    }
    const order: Record<string, number> = {};
    for (const end of ['from', 'to'] as const) {
      const id = value(end);
      if (typeof id !== 'string') continue;
      const at = ids.indexOf(id);
      if (at === -1) {
        const rollback = steps.some((step) => step.list === 'rollback' && step.id === id);
        const why = rollback ? ': spans measure the steps of the run, not rollback steps' : didYouMean(id, ids);
        report(input.positions.ofValue([...path, end]), `span ${end}: unknown step "${id}"${why}`);
      } else order[end] = at;
    }
    if (order.from !== undefined && order.to !== undefined && order.to < order.from) {
      report(
        input.positions.ofValue([...path, 'to']),
        `span to: step "${String(value('to'))}" runs before "${String(value('from'))}"; a span ends at or after its start`,
      );
    }
  });
}

type Reporter = (position: SourcePosition, message: string, supersedes?: SourcePosition) => void;

function listSteps(runbook: unknown, list: StepList): StepRef[] {
  const items = get(runbook, ['spec', list]);
  return Array.isArray(items) ? items.map((_, index) => stepAt(runbook, list, index)) : [];
}

function stepPath(step: StepRef): PropertyPath {
  return ['spec', step.list, step.index];
}

export function declaredParams(runbook: unknown): string[] {
  return Object.keys(asRecord(get(runbook, ['spec', 'params'])));
}

/** The params marked `secret: true`, whose values are masked wherever they would be shown. */
export function secretParams(runbook: unknown): string[] {
  return declaredParams(runbook).filter((name) => get(runbook, ['spec', 'params', name, 'secret']) === true);
}

/**
 * The value of every param that has one: its default, unless `--set` overrides it. Keyed by names
 * from the runbook, so without a prototype: a param named `__proto__` or `constructor` is a param.
 */
export function paramValues(runbook: unknown, set: Readonly<Record<string, string>>): Record<string, string> {
  const values = Object.create(null) as Record<string, string>;
  for (const name of declaredParams(runbook)) {
    const fallback = get(runbook, ['spec', 'params', name, 'default']);
    if (Object.hasOwn(set, name)) values[name] = set[name] ?? '';
    else if (['string', 'number', 'boolean'].includes(typeof fallback)) values[name] = String(fallback);
  }
  return values;
}

function checkParams(input: SemanticInput, report: Reporter): void {
  const { runbook, positions, set } = input;
  const declared = declaredParams(runbook);
  for (const name of declared) {
    const path = ['spec', 'params', name];
    const required = get(runbook, [...path, 'required']) === true;
    const hasDefault = get(runbook, [...path, 'default']) !== undefined;
    if (required && hasDefault) {
      report(positions.ofKey([...path, 'required']), `param "${name}" is required, so it cannot have a default`);
    }
    if (input.requireParams && !hasDefault && !Object.hasOwn(set, name)) {
      report(positions.ofKey(path), `param "${name}" has no value; pass --set ${name}=VALUE`);
    }
  }
  const paramsAt = positions.ofKey(get(runbook, ['spec', 'params']) === undefined ? ['spec'] : ['spec', 'params']);
  for (const name of Object.keys(set)) {
    if (declared.includes(name)) continue;
    const advice = didYouMean(name, declared) || (declared.length === 0 ? '; the runbook declares no params' : '');
    report(paramsAt, `unknown param "${name}" in --set${advice}`);
  }
}

function checkStepIds(input: SemanticInput, steps: StepRef[], report: Reporter): void {
  const firstUse = new Map<string, SourcePosition>();
  for (const step of steps) {
    if (step.id === undefined) continue;
    const position = input.positions.ofValue([...stepPath(step), 'id']);
    const first = firstUse.get(step.id);
    if (first) report(position, `duplicate step id "${step.id}"; it is also used on line ${first.line}`);
    else firstUse.set(step.id, position);
  }
}

function checkTimeoutAgainstTarget(input: SemanticInput, step: StepRef, report: Reporter): void {
  const target = get(input.runbook, [...stepPath(step), 'target']);
  const timeout = get(input.runbook, [...stepPath(step), 'timeout']);
  if (typeof target !== 'string' || typeof timeout !== 'string') return;
  const targetMs = parseDuration(target);
  const timeoutMs = parseDuration(timeout);
  if (targetMs.ok && timeoutMs.ok && timeoutMs.ms < targetMs.ms) {
    report(
      input.positions.ofValue([...stepPath(step), 'timeout']),
      `timeout ${timeout} is shorter than target ${target}; the step would fail before missing its target`,
    );
  }
}

function checkRollbackExists(input: SemanticInput, steps: StepRef[], report: Reporter): void {
  if (steps.some((step) => step.list === 'rollback')) return;
  const specKeys = Object.keys(asRecord(get(input.runbook, ['spec'])));
  if (specKeys.some((key) => closest(key, ['rollback']) !== undefined)) return; // misspelt, reported as such
  for (const step of steps) {
    if (get(input.runbook, [...stepPath(step), 'onFailure']) === 'rollback') {
      report(
        input.positions.ofValue([...stepPath(step), 'onFailure']),
        'onFailure is "rollback" but the runbook has no rollback steps',
      );
    }
  }
}

/** Which step outputs a string may use: none (abortIf) or those of steps that run before it. */
type OutputScope = { kind: 'none' } | { kind: 'before'; step: StepRef };

/**
 * What templates can refer to. When the runbook's params or steps are themselves broken (a param
 * with an invalid name, a step without a valid id), references to them are not reported again.
 */
interface ReferenceTargets {
  params: string[];
  steps: StepRef[];
  paramsIntact: boolean;
  stepsIntact: boolean;
}

function checkTemplates(input: SemanticInput, steps: StepRef[], report: Reporter): void {
  const params = declaredParams(input.runbook);
  const mainSteps = steps.filter((step) => step.list === 'steps');
  const isValidId = (step: StepRef) => step.id !== undefined && new RegExp(DNS_LABEL_PATTERN).test(step.id);
  const targets: ReferenceTargets = {
    params,
    steps,
    paramsIntact: params.every((name) => new RegExp(PARAM_NAME_PATTERN).test(name)),
    stepsIntact: mainSteps.length > 0 && mainSteps.every(isValidId),
  };
  const checkString = (scalar: Scalar, text: string, scope: OutputScope) => {
    const { expressions, errors } = scanTemplates(text);
    const at = (index: number, snippet: string) =>
      input.positions.ofOffset(sourceOffset(input.source, scalar, text, index, snippet));
    const valueStart = input.positions.ofNode(scalar);
    for (const error of errors) {
      report(at(error.start, text.slice(error.start, error.end)), error.message, valueStart);
    }
    for (const expression of expressions) {
      const message = checkReference(expression.reference, scope, targets);
      if (message !== undefined) report(at(expression.start, expression.text), message);
    }
  };
  for (const step of steps) {
    for (const key of ['name', 'context', 'when', 'with']) {
      forEachString(input, [...stepPath(step), key], (scalar, text) =>
        checkString(scalar, text, { kind: 'before', step }),
      );
    }
  }
  forEachString(input, ['spec', 'abortIf'], (scalar, text) => checkString(scalar, text, { kind: 'none' }));
}

function checkReference(reference: TemplateReference, scope: OutputScope, targets: ReferenceTargets) {
  if (reference.kind === 'param') {
    const { params } = targets;
    if (params.includes(reference.name) || !targets.paramsIntact) return undefined;
    const declared = params.length === 0 ? 'spec.params declares none' : `declared: ${quoteList(params)}`;
    const advice = didYouMean(reference.name, params) || `; ${declared}`;
    return `unknown param "${reference.name}"${advice}`;
  }
  if (scope.kind === 'none') return 'abortIf conditions can only use params, not step outputs';
  const target = targets.steps.find((step) => step.id === reference.step);
  if (target === undefined) {
    if (!targets.stepsIntact) return undefined;
    const ids = targets.steps.flatMap((step) => (step.id === undefined ? [] : [step.id]));
    return `unknown step "${reference.step}"${didYouMean(reference.step, ids)}`;
  }
  const current = scope.step;
  if (target.list === current.list && target.index === current.index) {
    return `${stepName(target)} cannot use its own outputs`;
  }
  if (target.list === 'rollback' && current.list === 'steps') {
    return `${stepName(target)} runs only on rollback, so only later rollback steps can use its outputs`;
  }
  if (target.list === current.list && target.index > current.index) {
    return `${stepName(target)} runs after ${stepName(current)}, so its outputs are not available yet`;
  }
  const action = target.action === undefined ? undefined : findAction(target.action);
  if (action === undefined || Object.hasOwn(action.outputs, reference.output)) return undefined;
  const outputs = Object.keys(action.outputs);
  if (outputs.length === 0) return `${stepName(target)} (${action.name}) has no outputs`;
  const advice = didYouMean(reference.output, outputs) || `; it has ${quoteList(outputs)}`;
  return `${stepName(target)} (${action.name}) has no output "${reference.output}"${advice}`;
}

function quoteList(names: string[]): string {
  return names.map((name) => `"${name}"`).join(', ');
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Calls `visit` for every string value (not key) at or below `path`. */
function forEachString(input: SemanticInput, path: PropertyPath, visit: (scalar: Scalar, text: string) => void) {
  const walk = (node: Node | null | undefined): void => {
    if (isAlias(node)) return;
    if (isScalar(node) && typeof node.value === 'string') visit(node, node.value);
    if (isMap(node)) for (const pair of node.items) walk(pair.value as Node | null);
    if (isSeq(node)) for (const item of node.items) walk(item as Node | null);
  };
  walk(input.positions.nodeAt(path));
}

/**
 * Where the character at `index` of a scalar's value is in the file. Quotes, escapes and folded
 * lines make value and source differ, so the snippet is looked up in the scalar's source text,
 * counting earlier occurrences; if that fails, the scalar's start is close enough.
 */
function sourceOffset(source: string, scalar: Scalar, value: string, index: number, snippet: string): number {
  const [start = 0, end = start] = scalar.range ?? [];
  const raw = source.slice(start, end);
  let ordinal = 0;
  for (let at = value.indexOf(snippet); at !== -1 && at < index; at = value.indexOf(snippet, at + 1)) ordinal++;
  let found = -1;
  for (let count = 0; count <= ordinal; count++) {
    found = raw.indexOf(snippet, found + 1);
    if (found === -1) return start;
  }
  return start + found;
}

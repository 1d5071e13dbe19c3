/** How validation messages name the parts of a runbook: `step "cordon"`, `nodes.drain`, `"replicas"`. */
import { findAction } from '../actions/registry.ts';
import { RollbackStepSchema, RunbookSchema, StepSchema } from './schema.ts';
import type { Path, Vocabulary } from './schema-check.ts';
import { resolveTemplate, type TemplateContext } from './template.ts';

const STEP_KEYS = Object.keys(StepSchema.properties);
const ROLLBACK_STEP_KEYS = Object.keys(RollbackStepSchema.properties);
const SPEC_KEYS = Object.keys(RunbookSchema.properties.spec.properties);
const TOP_LEVEL_KEYS = Object.keys(RunbookSchema.properties);

/** A step as far as naming goes: the raw data, whatever shape it has. */
export interface StepRef {
  list: 'steps' | 'rollback';
  index: number;
  id?: string;
  action?: string;
}

export function stepAt(runbook: unknown, list: 'steps' | 'rollback', index: number): StepRef {
  const step = get(runbook, ['spec', list, index]);
  const id = get(step, ['id']);
  const action = get(step, ['action']);
  return {
    list,
    index,
    ...(typeof id === 'string' ? { id } : {}),
    ...(typeof action === 'string' ? { action } : {}),
  };
}

export function stepName(step: StepRef): string {
  const noun = step.list === 'steps' ? 'step' : 'rollback step';
  return step.id === undefined ? `${noun} ${step.index + 1}` : `${noun} "${step.id}"`;
}

/** Reads a path from plain data; undefined where the data has another shape. */
export function get(value: unknown, path: Path): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

export function runbookVocabulary(runbook: unknown, params: TemplateContext['params']): Vocabulary {
  /** The step a path is in, and the rest of the path inside that step. */
  const inStep = (path: Path): { step: StepRef; rest: Path } | undefined => {
    const [spec, list, index, ...rest] = path;
    if (spec !== 'spec' || (list !== 'steps' && list !== 'rollback') || typeof index !== 'number') return undefined;
    return { step: stepAt(runbook, list, index), rest };
  };

  return {
    value(path) {
      const last = path.at(-1);
      if (last === undefined) return 'the runbook';
      if (typeof last === 'string') return `"${last}"`;
      const step = inStep(path);
      if (step?.rest.length === 0) return stepName({ ...step.step, id: undefined });
      const parent = path.at(-2);
      if (path.length === 3 && parent === 'abortIf') return `abortIf condition ${last + 1}`;
      return `item ${last + 1} of "${String(parent)}"`;
    },

    mapping(path) {
      const step = inStep(path);
      if (step?.rest.length === 0) return { member: 'key', where: `in ${stepName(step.step)}` };
      if (step?.rest.length === 1 && step.rest[0] === 'with') {
        const action = step.step.action === undefined ? undefined : findAction(step.step.action);
        return { member: 'input', where: action ? `for ${action.name}` : `in ${stepName(step.step)}` };
      }
      const [top, section, entry, condition] = path;
      if (top === undefined) return { member: 'key', where: 'in the runbook' };
      if (section === undefined) return { member: 'key', where: `in ${top}` };
      if (section === 'params' && entry === undefined) return { member: 'param', where: 'in params' };
      if (section === 'params' && path.length === 3) return { member: 'key', where: `in param "${entry}"` };
      if (section === 'abortIf' && typeof entry === 'number') {
        const where = condition === undefined ? `in abortIf condition ${entry + 1}` : `in the ${condition} condition`;
        return { member: 'key', where };
      }
      const last = path.at(-1);
      return { member: 'key', where: typeof last === 'number' ? `in item ${last + 1}` : `in "${last}"` };
    },

    enumNoun(path) {
      return inStep(path)?.rest.join('.') === 'action' ? 'action' : undefined;
    },

    unknownKeyHint(path, key) {
      if (path.length === 0 && SPEC_KEYS.includes(key)) {
        return { hint: '; it belongs under "spec"', belongsUnder: 'spec' };
      }
      if (path.length === 1 && path[0] === 'spec' && STEP_KEYS.includes(key)) {
        return { hint: '; it is a step key: check the indentation of the steps' };
      }
      if (path.length === 1 && path[0] === 'metadata' && TOP_LEVEL_KEYS.includes(key)) {
        return { hint: '; it belongs at the top level: check the indentation' };
      }
      const step = inStep(path);
      if (step?.rest.length === 0) {
        const action = step.step.action === undefined ? undefined : findAction(step.step.action);
        if (action && key in action.input.properties) {
          return {
            hint: `; it is an input of ${action.name}, so it belongs under "with"`,
            belongsUnder: 'with',
          };
        }
      }
      if (step?.rest.length === 1 && step.rest[0] === 'with') {
        const keys = step.step.list === 'steps' ? STEP_KEYS : ROLLBACK_STEP_KEYS;
        if (keys.includes(key)) return { hint: '; it is a step key, so it belongs next to "with", not under it' };
      }
      return { hint: '' };
    },

    resolveParams(text) {
      try {
        const resolved = resolveTemplate(text, { params, outputs: {} });
        return typeof resolved === 'string' ? resolved : undefined;
      } catch {
        // Refers to a step output or an undeclared param; the template checks report that.
        return undefined;
      }
    },
  };
}

/**
 * What `kubectl drill explain` and `kubectl drill actions` say about an action, made from the very
 * schema that validates a runbook's `with:` (each action's TypeBox input, its outputs and its
 * permissions), so the help can never disagree with validation. Types are named as a runbook
 * writes them (`duration`, `[]string`, `map[string]string`); object-level rules (`exactly one of`,
 * what a strategy requires) are read from the same keywords editors use. Permissions depend on the
 * inputs, so they are given for the action's examples, which the schema carries too.
 */
import { actionNames, actions, findAction } from '../actions/registry.ts';
import type { ActionSpec } from '../actions/action.ts';
import { describePermission } from '../kube/access.ts';
import { DURATION_PATTERN, POSITIVE_DURATION_PATTERN } from './duration.ts';
import { type JsonSchema, toJsonSchema } from './json-schema-types.ts';
import { closest } from './suggest.ts';

export interface FieldDoc {
  name: string;
  /** As a runbook writes it: `string`, `duration`, `integer`, `[]string`, `map[string]string`, `Object`. */
  type: string;
  required: boolean;
  default?: unknown;
  /** The values an enum allows. */
  values?: unknown[];
  description: string;
  examples?: unknown[];
  /** Rules over the fields of an object: `exactly one of selector, nodes`. */
  rules: string[];
  fields: FieldDoc[];
}

export interface ExampleDoc {
  /** The step's `with:`. */
  with: Record<string, unknown>;
  /** What that step needs, as the preflight checks it (NAMESPACE: the context's namespace). */
  permissions: string[];
}

export interface ActionDoc {
  name: string;
  summary: string;
  /** Changes the cluster: asks before it runs (without --yes) and journals what it changes. */
  mutating: boolean;
  inputs: FieldDoc[];
  rules: string[];
  outputs: { name: string; description: string }[];
  /** Inputs whose values are masked as credentials whatever the runbook says. */
  secretInputs: string[];
  examples: ExampleDoc[];
}

export type Explained = { kind: 'action'; action: ActionDoc } | { kind: 'field'; action: string; field: FieldDoc };

/** Stands for the context's namespace in the permissions of an example. */
export const NAMESPACE_PLACEHOLDER = 'NAMESPACE';

export class ExplainError extends Error {}

export function actionDocs(): ActionDoc[] {
  return actions.map(actionDoc);
}

/** `nodes.drain`, `nodes.drain.parallelism`, `traffic.drain.measure.source`. */
export function explain(target: string): Explained {
  const name = [...actionNames]
    .sort((a, b) => b.length - a.length)
    .find((n) => target === n || target.startsWith(`${n}.`));
  const spec = name === undefined ? undefined : findAction(name);
  if (!spec || name === undefined) {
    const guess = closest(target.split('.').slice(0, 2).join('.'), actionNames);
    throw new ExplainError(
      `no action "${target}"${guess ? `: did you mean ${guess}?` : ''} (kubectl drill actions lists them)`,
    );
  }
  const doc = actionDoc(spec);
  const path = target === name ? [] : target.slice(name.length + 1).split('.');
  if (path.length === 0) return { kind: 'action', action: doc };
  let fields = doc.inputs;
  let field: FieldDoc | undefined;
  for (const [index, segment] of path.entries()) {
    field = fields.find((f) => f.name === segment);
    if (!field) {
      const at = [name, ...path.slice(0, index)].join('.');
      const guess = closest(
        segment,
        fields.map((f) => f.name),
      );
      throw new ExplainError(
        `${at} has no field "${segment}"` +
          (guess ? `: did you mean ${guess}?` : '') +
          (fields.length > 0 ? ` (fields: ${fields.map((f) => f.name).join(', ')})` : ''),
      );
    }
    fields = field.fields;
  }
  return { kind: 'field', action: name, field: field as FieldDoc };
}

function actionDoc(spec: ActionSpec): ActionDoc {
  const input = toJsonSchema(spec.input);
  return {
    name: spec.name,
    summary: spec.summary,
    mutating: spec.mutating,
    inputs: fieldsOf(input),
    rules: rulesOf(input),
    outputs: Object.entries(spec.outputs).map(([name, description]) => ({ name, description })),
    secretInputs: [...(spec.secretInputs ?? [])],
    examples: (input.examples ?? []).map((example) => {
      const inputs = example as Record<string, unknown>;
      return {
        with: inputs,
        permissions: [
          ...new Set((spec.permissions?.(inputs as never, NAMESPACE_PLACEHOLDER) ?? []).map(describePermission)),
        ],
      };
    }),
  };
}

function fieldsOf(schema: JsonSchema): FieldDoc[] {
  const object = objectBranch(schema);
  const required = new Set(object?.required ?? []);
  return Object.entries(object?.properties ?? {}).map(([name, property]) =>
    fieldDoc(name, property, required.has(name)),
  );
}

function fieldDoc(name: string, schema: JsonSchema, required: boolean): FieldDoc {
  const element = schema.type === 'array' && schema.items ? schema.items : schema;
  const values = schema.enum ?? (schema.const === undefined ? undefined : [schema.const]);
  return {
    name,
    type: typeOf(schema),
    required,
    ...(schema.default === undefined ? {} : { default: schema.default }),
    ...(values ? { values } : {}),
    description: schema.description ?? element.description ?? '',
    ...(schema.examples ? { examples: schema.examples } : {}),
    rules: rulesOf(element),
    fields: fieldsOf(element),
  };
}

/** The branch of a schema that has fields: itself, or the object in a union (`patch`: mapping or list). */
function objectBranch(schema: JsonSchema): JsonSchema | undefined {
  if (schema.properties) return schema;
  return schema.anyOf?.find((branch) => branch.properties);
}

export function typeOf(schema: JsonSchema): string {
  if (schema.anyOf) return [...new Set(schema.anyOf.map(typeOf))].join(' | ');
  if (schema.enum) return typeof schema.enum[0] === 'string' ? 'string' : 'enum';
  if (schema.const !== undefined) return typeof schema.const;
  if (
    schema.type === 'string' &&
    (schema.pattern === DURATION_PATTERN || schema.pattern === POSITIVE_DURATION_PATTERN)
  ) {
    return 'duration';
  }
  if (schema.type === 'array') return `[]${schema.items ? typeOf(schema.items) : 'any'}`;
  if (schema.type === 'object' || schema.properties || schema.patternProperties) {
    if (schema.properties) return 'Object';
    const values = Object.values(schema.patternProperties ?? {})[0];
    return `map[string]${values ? typeOf(values) : 'any'}`;
  }
  return schema.type ?? 'any';
}

/** Object-level rules in words, from the keywords editors understand too. */
function rulesOf(schema: JsonSchema): string[] {
  const rules: string[] = [];
  const oneOfRequired = (branches: JsonSchema[] | undefined) => {
    const keys = branches?.map((b) => (b.required?.length === 1 ? b.required[0] : undefined));
    if (keys && keys.length > 1 && keys.every((k) => k !== undefined)) rules.push(`exactly one of: ${keys.join(', ')}`);
  };
  oneOfRequired(schema.oneOf);
  for (const part of schema.allOf ?? []) {
    oneOfRequired(part.oneOf);
    const when = Object.entries(part.if?.properties ?? {})[0];
    const needs = part.then?.required;
    if (when && needs && needs.length > 0 && when[1].const !== undefined) {
      const value = when[1].const;
      rules.push(
        `with ${when[0]}: ${typeof value === 'string' ? value : JSON.stringify(value)}, requires: ${needs.join(', ')}`,
      );
    }
  }
  for (const [key, needs] of Object.entries(schema.dependentRequired ?? {})) {
    rules.push(`${key} requires: ${needs.join(', ')}`);
  }
  return rules;
}

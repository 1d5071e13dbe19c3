/**
 * Action inputs as written in a runbook, where any value may come from a template.
 *
 * An action's own input schema describes resolved values (`replicas: 3`). In a runbook the same input
 * may be `"${{ params.replicas }}"`, so each value also admits a template: a string input may contain
 * templates anywhere (its pattern is checked once they are resolved); any other input only a template
 * that is the whole value, since `3${{ params.x }}` can never be a number.
 */
import type { JsonSchema } from './json-schema-types.ts';
import { CONTAINS_TEMPLATE_PATTERN, WHOLE_TEMPLATE_PATTERN } from './template.ts';

const TEMPLATE_IN_STRING: JsonSchema = {
  type: 'string',
  pattern: CONTAINS_TEMPLATE_PATTERN,
  description: 'A string with templates, checked once they are resolved.',
};
const WHOLE_TEMPLATE: JsonSchema = {
  type: 'string',
  pattern: WHOLE_TEMPLATE_PATTERN,
  patternErrorMessage: 'must be a single template like ${{ params.name }}',
  description: 'A template for the whole value, like ${{ params.name }}.',
};

export function isTemplateBranch(schema: JsonSchema): boolean {
  return schema.pattern === CONTAINS_TEMPLATE_PATTERN || schema.pattern === WHOLE_TEMPLATE_PATTERN;
}

/** The input schema of an action, with templates admitted in every value. */
export function allowTemplates(input: JsonSchema): JsonSchema {
  return { ...input, ...templatedMembers(input) };
}

function templatedMembers(schema: JsonSchema): JsonSchema {
  const members: JsonSchema = {};
  if (schema.properties) members.properties = mapValues(schema.properties, templatedValue);
  if (schema.patternProperties) members.patternProperties = mapValues(schema.patternProperties, templatedValue);
  if (schema.items) members.items = templatedValue(schema.items);
  return members;
}

function templatedValue(schema: JsonSchema): JsonSchema {
  if (acceptsAnyString(schema)) return schema;
  const { title, description, default: defaultValue, examples, ...constraints } = schema;
  const annotations: JsonSchema = { title, description, default: defaultValue, examples };
  for (const key of Object.keys(annotations) as (keyof JsonSchema)[]) {
    if (annotations[key] === undefined) delete annotations[key];
  }
  if (Object.keys(constraints).length === 0) return schema;
  if (constraints.anyOf) {
    const branches = constraints.anyOf.map((branch) => ({ ...branch, ...templatedMembers(branch) }));
    if (!branches.some(acceptsAnyString)) {
      branches.push(branches.some(isStringLike) ? TEMPLATE_IN_STRING : WHOLE_TEMPLATE);
    }
    return { ...annotations, anyOf: branches };
  }
  const inner = { ...constraints, ...templatedMembers(constraints) };
  return { ...annotations, anyOf: [inner, isStringLike(schema) ? TEMPLATE_IN_STRING : WHOLE_TEMPLATE] };
}

function acceptsAnyString(schema: JsonSchema): boolean {
  return (
    schema.type === 'string' &&
    schema.pattern === undefined &&
    schema.format === undefined &&
    schema.maxLength === undefined &&
    schema.enum === undefined &&
    schema.const === undefined
  );
}

function isStringLike(schema: JsonSchema): boolean {
  if (schema.type === 'string') return true;
  const values = schema.enum ?? (schema.const === undefined ? [] : [schema.const]);
  return values.length > 0 && values.every((value) => typeof value === 'string');
}

function mapValues<T, U>(record: Record<string, T>, map: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}

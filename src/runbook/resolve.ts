/**
 * A step's inputs at run time: templates resolved, values given the types the action expects,
 * defaults filled in, and the result checked against the action's input schema.
 */
import { Value } from 'typebox/value';
import { Document } from 'yaml';
import type { ActionInput, ActionSpec } from '../actions/action.ts';
import { type JsonSchema, toJsonSchema } from './json-schema-types.ts';
import { coerceResolvedTemplate, SchemaChecker, type Vocabulary } from './schema-check.ts';
import { isWholeTemplate, resolveTemplates, type TemplateContext } from './template.ts';

/**
 * Resolves a step's `with` for its action. A whole-value template in a non-string input becomes a
 * value of that input's type (`"${{ params.replicas }}"` with replicas=3 becomes 3); templates inside
 * free-form values (a patch, say) stay text. Throws if a reference cannot be resolved or the result
 * does not fit the action's inputs, with a message naming the offending input.
 */
export function resolveStepInput<Spec extends ActionSpec>(
  action: Spec,
  input: Readonly<Record<string, unknown>>,
  context: TemplateContext,
): ActionInput<Spec> {
  const schema = toJsonSchema(action.input);
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const result = resolveTemplates(value, context);
    const propertySchema = schema.properties?.[key];
    const isTemplatedScalar = typeof value === 'string' && isWholeTemplate(value) && typeof result === 'string';
    resolved[key] = isTemplatedScalar && propertySchema ? coerceResolvedTemplate(result, propertySchema) : result;
  }
  const problems = describeMismatches(resolved, schema, action.name);
  if (problems.length > 0) throw new Error(`inputs of ${action.name}: ${problems.join('; ')}`);
  const withDefaults = Value.Default(action.input, resolved);
  if (!Value.Check(action.input, withDefaults)) throw new Error(`inputs of ${action.name} do not fit its schema`);
  return withDefaults as ActionInput<Spec>;
}

/** The same wording as `validate`, for values that exist only at run time. */
function describeMismatches(value: Record<string, unknown>, schema: JsonSchema, actionName: string): string[] {
  const vocabulary: Vocabulary = {
    value: (path) => {
      const last = path.at(-1);
      return typeof last === 'number' ? `item ${last + 1} of "${String(path.at(-2))}"` : `"${String(last)}"`;
    },
    mapping: (path) =>
      path.length === 0
        ? { member: 'input', where: `for ${actionName}` }
        : { member: 'key', where: `in "${path.at(-1)}"` },
    enumNoun: () => undefined,
    unknownKeyHint: () => ({ hint: '' }),
    resolveParams: () => undefined,
  };
  const problems: string[] = [];
  new SchemaChecker(new Document(value), schema, vocabulary).check((_, message) => problems.push(message));
  return problems;
}

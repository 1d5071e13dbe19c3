/**
 * TypeBox's verdict on a runbook against the runbook JSON Schema, which has the last word on what is
 * valid. Run from source, the validator is compiled on first use. In dist/ (scripts/build.ts) this
 * module is replaced by the same check generated at build time from the same schema, so `validate`
 * and `run` skip compiling it, and loading the compiler, at every start.
 */
import Compile from 'typebox/compile';
import type { JsonSchema } from './json-schema-types.ts';

type Validator = ReturnType<typeof Compile>;

let validator: Validator | undefined;

/** The schema problems in `value`: none when it is valid. `schema` is runbookJsonSchema(). */
export function schemaErrors(schema: JsonSchema, value: unknown): ReturnType<Validator['Errors']> {
  validator ??= Compile(schema);
  return validator.Errors(value);
}

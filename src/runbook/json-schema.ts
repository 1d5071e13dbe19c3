/** The published JSON Schema of runbooks: `schema/runbook.schema.json` is this document, verbatim. */
import { type JsonSchema, toJsonSchema } from './json-schema-types.ts';
import { actionInputDefinitions, RunbookSchema } from './schema.ts';

export const RUNBOOK_SCHEMA_ID = 'urn:kubectl-drill:schema:runbook:drill/v1';

export function runbookJsonSchema(): JsonSchema {
  const { title: _title, ...runbook } = toJsonSchema(RunbookSchema);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: RUNBOOK_SCHEMA_ID,
    title: 'kubectl-drill runbook',
    description: 'A timed, ordered incident-response runbook for `kubectl drill`.',
    ...runbook,
    $defs: actionInputDefinitions(),
  };
}

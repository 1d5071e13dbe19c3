/**
 * What a starter runbook for `kubectl drill init` is: a name to pick it by, a line for `--help`,
 * and its YAML for a given runbook name. The text says in comments what to change; the editor
 * schema comment is put above it by init (runbook/starter.ts), which knows where the schema is.
 */
export interface RunbookTemplate {
  readonly name: string;
  readonly summary: string;
  text(runbookName: string): string;
}

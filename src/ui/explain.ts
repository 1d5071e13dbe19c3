/**
 * Renders `kubectl drill explain` and `kubectl drill actions` in the shape of `kubectl explain`:
 * upper-case headings, each field as `name <type>` with its description indented under it. The
 * words come from the explain model (runbook/explain.ts), never from here, so the text says what
 * the schema says. Descriptions are wrapped to 80 columns, as kubectl does.
 */
import { stringify } from 'yaml';
import type { ActionDoc, Explained, FieldDoc } from '../runbook/explain.ts';
import { NAMESPACE_PLACEHOLDER } from '../runbook/explain.ts';

const WIDTH = 80;

export function renderExplained(explained: Explained): string[] {
  return explained.kind === 'action' ? renderAction(explained.action) : renderField(explained.action, explained.field);
}

/** One line per action: name, whether it changes the cluster, summary. */
export function renderActionList(docs: readonly ActionDoc[]): string[] {
  const width = Math.max(...docs.map((d) => d.name.length));
  return [
    `${'NAME'.padEnd(width)}  CHANGES  SUMMARY`,
    ...docs.map((d) => `${d.name.padEnd(width)}  ${(d.mutating ? 'yes' : 'no').padEnd(7)}  ${d.summary}`),
    '',
    'kubectl drill explain ACTION[.FIELD] describes an action or one of its inputs.',
  ];
}

function renderAction(doc: ActionDoc): string[] {
  const lines = [
    `ACTION:     ${doc.name}`,
    `CHANGES:    ${doc.mutating ? 'yes (asks first unless --yes; every change is journaled for rollback)' : 'no'}`,
    '',
    'DESCRIPTION:',
    ...wrap(doc.summary, 4),
    '',
    'INPUTS (with:):',
    ...doc.inputs.flatMap((field) => fieldLines(field, 4)),
  ];
  if (doc.rules.length > 0) lines.push('', 'RULES:', ...doc.rules.map((rule) => `    ${rule}`));
  if (doc.secretInputs.length > 0) {
    lines.push('', 'SECRET INPUTS (masked as *** everywhere):', `    ${doc.secretInputs.join(', ')}`);
  }
  lines.push('', 'OUTPUTS (${{ steps.<id>.outputs.<name> }}):');
  if (doc.outputs.length === 0) lines.push('    (none)');
  for (const output of doc.outputs) lines.push(`    ${output.name}`, ...wrap(output.description, 6));
  for (const example of doc.examples) {
    lines.push('', `PERMISSIONS (of the example; ${NAMESPACE_PLACEHOLDER}: the context's namespace):`);
    if (example.permissions.length === 0) lines.push('    (none)');
    for (const permission of example.permissions) lines.push(`    ${permission}`);
    lines.push('', 'EXAMPLE:', ...exampleLines(doc.name, example.with));
  }
  return lines;
}

function renderField(action: string, field: FieldDoc): string[] {
  const lines = [
    `ACTION:     ${action}`,
    `FIELD:      ${field.name} <${field.type}>${field.required ? ' (required)' : ''}`,
  ];
  if (field.values) lines.push(`VALUES:     ${field.values.map(String).join(', ')}`);
  if (field.default !== undefined) lines.push(`DEFAULT:    ${JSON.stringify(field.default)}`);
  if (field.examples) lines.push(`EXAMPLES:   ${field.examples.map((e) => JSON.stringify(e)).join(', ')}`);
  lines.push('', 'DESCRIPTION:', ...wrap(field.description, 4));
  if (field.fields.length > 0) lines.push('', 'FIELDS:', ...field.fields.flatMap((f) => fieldLines(f, 4)));
  if (field.rules.length > 0) lines.push('', 'RULES:', ...field.rules.map((rule) => `    ${rule}`));
  return lines;
}

function fieldLines(field: FieldDoc, indent: number): string[] {
  const facts = [
    field.required ? 'required' : undefined,
    field.default === undefined ? undefined : `default: ${JSON.stringify(field.default)}`,
    field.values ? `one of: ${field.values.map(String).join(', ')}` : undefined,
  ].filter((fact) => fact !== undefined);
  return [
    `${' '.repeat(indent)}${field.name}\t<${field.type}>${facts.length > 0 ? `  ${facts.join(', ')}` : ''}`,
    ...wrap(field.description, indent + 2),
  ];
}

function exampleLines(action: string, inputs: Record<string, unknown>): string[] {
  const step = [{ id: action.replaceAll('.', '-'), action, with: inputs }];
  return stringify(step, { lineWidth: 0 })
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`);
}

function wrap(text: string, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.map((l) => `${' '.repeat(indent)}${l}`);
}

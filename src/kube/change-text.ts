// Changes in words, for the journal's readers. A module apart from changes.ts, which writes and undoes
// them, so that the plain view prints them without loading the Kubernetes access.
import type { Change, ChangedObject } from './changes.ts';

export function describeChanged(object: Pick<ChangedObject, 'kind' | 'namespace' | 'name' | 'subresource'>): string {
  const sub = object.subresource ? `/${object.subresource}` : '';
  return `${object.kind} ${object.namespace ? `${object.namespace}/` : ''}${object.name}${sub}`;
}

/** One line: what a change does, for the journal's readers (plain lines, rollback output). */
export function summarizeChange(change: Change): string {
  if (change.type === 'irreversible') return `cannot be undone: ${change.what}`;
  const what = describeChanged(change.object);
  if (change.type === 'created') return `create ${what}`;
  return `${what}: ${change.fields.map((f) => `${f.path} ${show(f.before)} -> ${show(f.after)}`).join(', ')}`;
}

/** A field's value as the journal shows it: JSON, or (absent). */
export function show(value: unknown): string {
  return value === null ? '(absent)' : JSON.stringify(value);
}

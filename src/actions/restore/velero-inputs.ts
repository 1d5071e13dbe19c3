// What restore.velero and backup.velero share: where Velero runs, the usual scope fields of its
// Backup and Restore specs (same names as Velero's), and accepting a partial result.
import Type from 'typebox';
import { defaultOf, ObjectName } from '../../runbook/inputs.ts';

const names = (description: string) => Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description }));

export const veleroInputs = {
  veleroNamespace: Type.Optional(
    ObjectName({ default: 'velero', description: 'Where Velero runs and keeps its Backups and Restores.' }),
  ),
  includedNamespaces: names('Namespaces to include (default: all).'),
  excludedNamespaces: names('Namespaces to leave out.'),
  includedResources: names('Resources to include, like `deployments` or `configmaps` (default: all).'),
  excludedResources: names('Resources to leave out.'),
  labelSelector: Type.Optional(
    Type.Record(Type.String(), Type.String(), { description: 'Only objects with these labels.' }),
  ),
  allowPartial: Type.Optional(
    Type.Boolean({ default: false, description: 'Accept PartiallyFailed as success (its errors are reported).' }),
  ),
};

export function veleroNamespaceOf(input: { veleroNamespace?: string }): string {
  return input.veleroNamespace ?? defaultOf(veleroInputs.veleroNamespace);
}

export function allowPartialOf(input: { allowPartial?: boolean }): boolean {
  return input.allowPartial ?? defaultOf(veleroInputs.allowPartial);
}

/** The scope fields as Velero's spec has them. */
export function scopeSpec(input: {
  includedNamespaces?: string[];
  excludedNamespaces?: string[];
  includedResources?: string[];
  excludedResources?: string[];
  labelSelector?: Record<string, string>;
}): Record<string, unknown> {
  return {
    includedNamespaces: input.includedNamespaces,
    excludedNamespaces: input.excludedNamespaces,
    includedResources: input.includedResources,
    excludedResources: input.excludedResources,
    labelSelector: input.labelSelector ? { matchLabels: input.labelSelector } : undefined,
  };
}

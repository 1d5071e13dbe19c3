// backup.velero: take a Velero Backup and time it, so a drill can back up first and then restore
// what it just saved. A backup changes nothing in the cluster; the Backup stays in its storage
// location (journaled as such: deleting the object would only bring it back with Velero's sync).
import Type from 'typebox';
import type { Permission } from '../../kube/access.ts';
import { runVelero, VELERO_API_VERSION, veleroPermissions } from '../../kube/velero.ts';
import { Duration, ObjectName, WaitTimeout } from '../../runbook/inputs.ts';
import { defineAction, waitLimitMs } from '../action.ts';
import { allowPartialOf, scopeSpec, veleroInputs, veleroNamespaceOf } from '../restore/velero-inputs.ts';

const backupInput = Type.Object(
  {
    ...veleroInputs,
    storageLocation: Type.Optional(
      ObjectName({ description: "The BackupStorageLocation (default: Velero's default)." }),
    ),
    ttl: Type.Optional(Duration({ description: "How long Velero keeps the Backup (default: Velero's, 30 days)." })),
    snapshotVolumes: Type.Optional(Type.Boolean({ description: 'Snapshot persistent volumes too.' })),
    timeout: WaitTimeout('the Backup to finish'),
  },
  {
    additionalProperties: false,
    examples: [{ includedNamespaces: ['shop'], ttl: '72h' }],
  },
);

export default defineAction({
  name: 'backup.velero',
  summary: "Take a Velero Backup and wait for it to finish; timed by our clock and Velero's.",
  mutating: true,
  input: backupInput,
  outputs: {
    backup: 'Name of the Backup, for a later restore.velero `backupName`.',
    phase: "The Backup's terminal phase: Completed, or PartiallyFailed with allowPartial.",
    itemsBackedUp: "Items backed up, as Velero's progress reports them.",
    totalItems: 'Items in the Backup.',
    warnings: 'Warnings Velero reported.',
    errors: 'Errors Velero reported.',
    timeToBackup:
      "{ ms, veleroMs }: by our clock (the step), and from the Backup's startTimestamp to its completionTimestamp.",
  },
  plan: (input) =>
    Promise.resolve({
      summary: `create a Velero Backup of ${input.includedNamespaces?.join(', ') ?? 'every namespace'}`,
    }),
  permissions: (input): Permission[] => veleroPermissions(veleroNamespaceOf(input), 'backups'),
  execute: async (input, context) => {
    const cluster = await context.cluster();
    const namespace = veleroNamespaceOf(input);
    const started = performance.now();
    const outcome = await runVelero(
      cluster,
      {
        kind: 'Backup',
        namespace,
        prefix: context.step.id,
        spec: {
          ...scopeSpec(input),
          storageLocation: input.storageLocation,
          ttl: input.ttl,
          snapshotVolumes: input.snapshotVolumes,
        },
        allowPartial: allowPartialOf(input),
        limitMs: waitLimitMs(input.timeout, context.timeoutMs),
      },
      {
        signal: context.signal,
        progress: (message) => {
          context.progress(message);
        },
        recordCreated: (name) => {
          context.record({
            type: 'irreversible',
            what: `Velero Backup ${namespace}/${name} stays in its storage location`,
            objects: [{ apiVersion: VELERO_API_VERSION, kind: 'Backup', namespace, name }],
          });
        },
      },
    );
    return {
      outputs: {
        backup: outcome.name,
        phase: outcome.phase,
        itemsBackedUp: outcome.items,
        totalItems: outcome.totalItems,
        warnings: outcome.warnings,
        errors: outcome.errors,
        timeToBackup: { ms: Math.round(performance.now() - started), veleroMs: outcome.veleroMs },
      },
    };
  },
});

// restore.velero: a Velero Restore from a named Backup, a Schedule's latest Completed Backup, or the
// newest Completed Backup matching a selector, followed to its terminal phase and timed by our clock
// and by Velero's. The Backup is chosen (and checked) before anything is created; its name goes in
// the Restore, so the journal says exactly what was restored from.
import Type, { type Static } from 'typebox';
import type { Permission } from '../../kube/access.ts';
import {
  type BackupChoice,
  chooseBackup,
  runVelero,
  VELERO_API_VERSION,
  VELERO_GROUP,
  veleroPermissions,
} from '../../kube/velero.ts';
import { exactlyOneOf, LabelSelector, ObjectName, WaitTimeout } from '../../runbook/inputs.ts';
import { defineAction, waitLimitMs } from '../action.ts';
import { allowPartialOf, scopeSpec, veleroInputs, veleroNamespaceOf } from './velero-inputs.ts';

const restoreInput = Type.Object(
  {
    backupName: Type.Optional(
      ObjectName({ description: 'The Backup to restore from; or `scheduleName`, or `backupSelector`.' }),
    ),
    scheduleName: Type.Optional(ObjectName({ description: "Restore from this Schedule's newest Completed Backup." })),
    backupSelector: Type.Optional(
      LabelSelector('Restore from the newest Completed Backup matching this label selector.'),
    ),
    ...veleroInputs,
    namespaceMapping: Type.Optional(
      Type.Record(Type.String(), Type.String(), { description: 'Restore namespace A into B: `{ A: B }`.' }),
    ),
    existingResourcePolicy: Type.Optional(
      Type.Enum(['none', 'update'], {
        description: 'What to do with objects that already exist: leave them, or update them.',
      }),
    ),
    restorePVs: Type.Optional(Type.Boolean({ description: 'Restore persistent volumes from snapshots.' })),
    timeout: WaitTimeout('the Restore to finish'),
  },
  {
    additionalProperties: false,
    ...exactlyOneOf('backupName', 'scheduleName', 'backupSelector'),
    examples: [{ scheduleName: 'shop-nightly', includedNamespaces: ['shop'], timeout: '10m' }],
  },
);

type Input = Static<typeof restoreInput>;

function choiceOf(input: Input): BackupChoice {
  if (input.backupName !== undefined) return { backupName: input.backupName };
  if (input.scheduleName !== undefined) return { scheduleName: input.scheduleName };
  return { backupSelector: input.backupSelector ?? '' };
}

export default defineAction({
  name: 'restore.velero',
  summary:
    "Restore from a Velero Backup and wait for the Restore to finish; time-to-restore by our clock and Velero's.",
  mutating: true,
  input: restoreInput,
  outputs: {
    restore: 'Name of the Velero Restore.',
    backup: 'Name of the Backup it restored from.',
    phase: "The Restore's terminal phase: Completed, or PartiallyFailed with allowPartial.",
    itemsRestored: "Items restored, as Velero's progress reports them.",
    totalItems: 'Items in the Restore.',
    warnings: 'Warnings Velero reported.',
    errors: 'Errors Velero reported.',
    timeToRestore:
      "{ ms, veleroMs }: by our clock (the step), and from the Restore's startTimestamp to its completionTimestamp.",
  },
  check: async (input, context) => {
    const backup = await chooseBackup(await context.cluster(), veleroNamespaceOf(input), choiceOf(input));
    return `restore from Backup ${backup.metadata?.name ?? ''}`;
  },
  plan: async (input, context) => {
    const backup = await chooseBackup(await context.cluster(), veleroNamespaceOf(input), choiceOf(input));
    const scope = input.includedNamespaces ? ` namespaces ${input.includedNamespaces.join(', ')}` : '';
    const mapping = input.namespaceMapping
      ? ` into ${Object.entries(input.namespaceMapping)
          .map(([from, to]) => `${from} -> ${to}`)
          .join(', ')}`
      : '';
    return {
      summary: `create a Velero Restore of${scope || ' everything in'} Backup ${backup.metadata?.name ?? ''}${mapping}`,
      details: [`Backup completed at ${backup.status?.completionTimestamp ?? 'an unknown time'}`],
    };
  },
  permissions: (input): Permission[] => [
    ...veleroPermissions(veleroNamespaceOf(input), 'restores'),
    ...['get', 'list'].map((verb) => ({
      verb,
      group: VELERO_GROUP,
      resource: 'backups',
      namespace: veleroNamespaceOf(input),
    })),
    { verb: 'list', group: VELERO_GROUP, resource: 'schedules', namespace: veleroNamespaceOf(input) },
  ],
  execute: async (input, context) => {
    const cluster = await context.cluster();
    const namespace = veleroNamespaceOf(input);
    const backup = await chooseBackup(cluster, namespace, choiceOf(input));
    const backupName = backup.metadata?.name ?? '';
    context.progress(`restoring from Backup ${namespace}/${backupName}`, { backup: backupName });
    const started = performance.now();
    const outcome = await runVelero(
      cluster,
      {
        kind: 'Restore',
        namespace,
        prefix: `${context.step.id}-${backupName}`,
        spec: {
          backupName,
          ...scopeSpec(input),
          namespaceMapping: input.namespaceMapping,
          existingResourcePolicy: input.existingResourcePolicy,
          restorePVs: input.restorePVs,
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
            type: 'created',
            object: { apiVersion: VELERO_API_VERSION, kind: 'Restore', namespace, name },
          });
          context.record({
            type: 'irreversible',
            what: `the objects Velero Restore ${namespace}/${name} creates stay (deleting the Restore leaves them)`,
            objects: [],
          });
        },
      },
    );
    return {
      outputs: {
        restore: outcome.name,
        backup: backupName,
        phase: outcome.phase,
        itemsRestored: outcome.items,
        totalItems: outcome.totalItems,
        warnings: outcome.warnings,
        errors: outcome.errors,
        timeToRestore: { ms: Math.round(performance.now() - started), veleroMs: outcome.veleroMs },
      },
    };
  },
});

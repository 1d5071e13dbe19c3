// Velero (velero.io/v1) as a drill drives it: finding the Backup to restore from, creating a Backup
// or a Restore, and following its `status.phase` by watch to a terminal phase. Only the phase
// decides the outcome; `status.progress` is shown but never trusted for completion (Velero fills
// it in on a best-effort basis). Velero's own clock (startTimestamp, completionTimestamp) is
// reported beside ours: it is what Velero's metrics and its users see.
import type { Permission } from './access.ts';
import type { Cluster } from './cluster.ts';
import type { ApiObject, Verdict } from './conditions.ts';
import { apiErrorMessage, isNotFound } from './errors.ts';
import { apiRequest, describeObject, waitForObjects } from './objects.ts';
import { generatedName } from './generated-name.ts';

export const VELERO_API_VERSION = 'velero.io/v1';
export const VELERO_GROUP = 'velero.io';
export const SCHEDULE_LABEL = 'velero.io/schedule-name';

/** How each phase of a Backup or Restore counts; phases not listed are still in progress. */
const PHASES: Readonly<Record<string, 'succeeded' | 'partial' | 'failed'>> = {
  Completed: 'succeeded',
  PartiallyFailed: 'partial',
  Failed: 'failed',
  FailedValidation: 'failed',
};

export interface VeleroStatus {
  phase?: string;
  failureReason?: string;
  validationErrors?: string[];
  warnings?: number;
  errors?: number;
  startTimestamp?: string;
  completionTimestamp?: string;
  progress?: { totalItems?: number; itemsRestored?: number; itemsBackedUp?: number };
}

export interface VeleroObject extends ApiObject {
  spec?: Record<string, unknown>;
  status?: VeleroStatus;
}

export interface VeleroOutcome {
  name: string;
  phase: string;
  items?: number;
  totalItems?: number;
  warnings: number;
  errors: number;
  /** Velero's own time, from startTimestamp to completionTimestamp (whole seconds). */
  veleroMs?: number;
}

/** What creating one kind of Velero object and following it needs (delete: its undo). */
export function veleroPermissions(namespace: string, resource: 'backups' | 'restores'): Permission[] {
  return ['create', 'get', 'list', 'watch', 'delete'].map((verb) => ({
    verb,
    group: VELERO_GROUP,
    resource,
    namespace,
  }));
}

function collection(namespace: string, resource: 'backups' | 'restores' | 'schedules'): string {
  return `/apis/${VELERO_API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${resource}`;
}

async function list(cluster: Cluster, namespace: string, resource: 'backups' | 'schedules', labelSelector?: string) {
  const query = labelSelector ? { labelSelector } : undefined;
  const { object } = await apiRequest(cluster, 'GET', collection(namespace, resource), { query });
  return (object as { items?: VeleroObject[] }).items ?? [];
}

function completedAt(backup: VeleroObject): string {
  return backup.status?.completionTimestamp ?? backup.status?.startTimestamp ?? '';
}

/** What a restore restores from: a named Backup, a Schedule's latest, or the newest matching a selector. */
export type BackupChoice = { backupName: string } | { scheduleName: string } | { backupSelector: string };

/**
 * The Backup a restore will use, checked before anything is created: it must exist and have
 * Completed. A Schedule's or a selector's newest Completed Backup is looked up here, so the
 * Restore names the exact Backup and the journal says which one it was.
 */
export async function chooseBackup(cluster: Cluster, namespace: string, choice: BackupChoice): Promise<VeleroObject> {
  if ('backupName' in choice) {
    try {
      const { object } = await apiRequest(cluster, 'GET', `${collection(namespace, 'backups')}/${choice.backupName}`);
      const backup = object as VeleroObject;
      const phase = backup.status?.phase ?? 'New';
      if (PHASES[phase] !== 'succeeded') {
        throw new Error(`Backup ${namespace}/${choice.backupName} is ${phase}, not Completed: nothing to restore from`);
      }
      return backup;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const known = (await list(cluster, namespace, 'backups')).map((b) => b.metadata?.name).slice(0, 8);
      throw new Error(
        `no Backup "${choice.backupName}" in namespace ${namespace}` +
          (known.length > 0 ? ` (found: ${known.join(', ')})` : ' (it has no Backups)'),
        { cause: error },
      );
    }
  }
  let candidates: VeleroObject[];
  let what: string;
  if ('scheduleName' in choice) {
    what = `Schedule "${choice.scheduleName}"`;
    const schedules = await list(cluster, namespace, 'schedules');
    if (!schedules.some((s) => s.metadata?.name === choice.scheduleName)) {
      const known = schedules.map((s) => s.metadata?.name);
      throw new Error(
        `no ${what} in namespace ${namespace}` +
          (known.length > 0 ? ` (found: ${known.join(', ')})` : ' (it has none)'),
      );
    }
    candidates = await list(cluster, namespace, 'backups', `${SCHEDULE_LABEL}=${choice.scheduleName}`);
  } else {
    what = `selector "${choice.backupSelector}"`;
    candidates = await list(cluster, namespace, 'backups', choice.backupSelector);
  }
  const completed = candidates
    .filter((b) => PHASES[b.status?.phase ?? ''] === 'succeeded')
    .sort((a, b) => completedAt(b).localeCompare(completedAt(a)));
  const [newest] = completed;
  if (!newest) {
    throw new Error(
      `${what} has no Completed Backup in namespace ${namespace} (${candidates.length} Backups, none Completed)`,
    );
  }
  return newest;
}

/** The verdict on a Backup or Restore: the phase decides, the progress only says how far it got. */
export function veleroVerdict(object: VeleroObject, allowPartial: boolean): Verdict {
  const status = object.status ?? {};
  const phase = status.phase ?? 'New';
  const progress = status.progress;
  const done = progress?.itemsRestored ?? progress?.itemsBackedUp;
  const items = progress?.totalItems === undefined ? '' : `, ${done ?? 0}/${progress.totalItems} items`;
  const counts = `${status.warnings ?? 0} warnings, ${status.errors ?? 0} errors`;
  switch (PHASES[phase]) {
    case 'succeeded':
      return { state: 'met', seen: `${phase}${items}, ${counts}` };
    case 'partial':
      return allowPartial
        ? { state: 'met', seen: `${phase}${items}, ${counts} (allowPartial)` }
        : { state: 'failed', seen: `${phase}${items}, ${counts}; set allowPartial: true to accept a partial result` };
    case 'failed': {
      const why = [status.failureReason, ...(status.validationErrors ?? [])].filter(Boolean).join('; ');
      return { state: 'failed', seen: `${phase}${why ? `: ${why}` : ''}` };
    }
    default:
      return { state: 'waiting', seen: `${phase}${items}` };
  }
}

/**
 * Creates a Backup or Restore (recorded first, as `record` says) under a name of its own, and
 * waits for its terminal phase.
 */
export async function runVelero(
  cluster: Cluster,
  request: {
    kind: 'Backup' | 'Restore';
    namespace: string;
    /** Prefix of the object's name; a random suffix makes each run's its own. */
    prefix: string;
    spec: Record<string, unknown>;
    allowPartial: boolean;
    limitMs?: number;
  },
  options: {
    signal: AbortSignal;
    progress: (message: string) => void;
    /** Journals what creating the object leaves behind, before it is created. */
    recordCreated: (name: string) => void;
  },
): Promise<VeleroOutcome> {
  const name = generatedName(request.prefix);
  const resource = request.kind === 'Backup' ? 'backups' : 'restores';
  const what = describeObject({ kind: request.kind, namespace: request.namespace, name });
  options.recordCreated(name);
  try {
    await apiRequest(cluster, 'POST', collection(request.namespace, resource), {
      body: {
        apiVersion: VELERO_API_VERSION,
        kind: request.kind,
        metadata: { name, namespace: request.namespace, labels: { 'app.kubernetes.io/managed-by': 'kubectl-drill' } },
        spec: request.spec,
      },
      signal: options.signal,
    });
  } catch (error) {
    options.signal.throwIfAborted();
    throw new Error(`creating ${what}: ${apiErrorMessage(error)}`, { cause: error });
  }
  options.progress(`created ${what}`);
  let last: VeleroObject | undefined;
  await waitForObjects(cluster, {
    what: `${what} to finish`,
    query: {
      apiVersion: VELERO_API_VERSION,
      kind: request.kind,
      namespace: request.namespace,
      fieldSelector: `metadata.name=${name}`,
    },
    check: (objects) => {
      last = objects[0];
      return last ? veleroVerdict(last, request.allowPartial) : { state: 'waiting', seen: 'not found yet' };
    },
    limitMs: request.limitMs,
    signal: options.signal,
    onChange: (seen) => {
      options.progress(`${what}: ${seen}`);
    },
  });
  const status = last?.status ?? {};
  const start = status.startTimestamp ? Date.parse(status.startTimestamp) : NaN;
  const end = status.completionTimestamp ? Date.parse(status.completionTimestamp) : NaN;
  return {
    name,
    phase: status.phase ?? '',
    items: status.progress?.itemsRestored ?? status.progress?.itemsBackedUp,
    totalItems: status.progress?.totalItems,
    warnings: status.warnings ?? 0,
    errors: status.errors ?? 0,
    veleroMs: Number.isNaN(start) || Number.isNaN(end) ? undefined : end - start,
  };
}

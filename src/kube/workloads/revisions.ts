// Revisions as kubectl's rollback and history see them, whatever kind keeps them: which revision a
// rollback goes to, when two pod templates are the same, how a revision is numbered and named. All
// pure; each kind's file says where its revisions come from and the patch that restores one.
import type { V1ObjectMeta, V1PodTemplateSpec } from '@kubernetes/client-node';
import type { WorkloadPatch } from './kind.ts';

export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';
/** Added by the Deployment controller to its ReplicaSets' templates; never part of a Deployment's. */
const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

export interface Revision {
  revision: number;
  /** The pod template the revision runs, as JSON, without the pod-template-hash label. */
  template: V1PodTemplateSpec;
  changeCause?: string;
  /** The patch that brings the workload back to this revision, as kubectl builds it. */
  restore: WorkloadPatch;
}

/**
 * The revision a rollback goes to, and the current one (the highest). `toRevision` 0 means the
 * previous revision: the highest below the current one. Throws, naming the workload, when there
 * is none.
 */
export function chooseRevision<T extends { revision: number }>(
  history: readonly T[],
  toRevision: number,
  workload: string,
): { current: T; target: T } {
  const [current, previous] = [...history].sort((a, b) => b.revision - a.revision);
  if (!current) throw new Error(`${workload} has no rollout history`);
  if (toRevision === 0) {
    if (!previous) {
      throw new Error(
        `${workload} has no previous revision to roll back to (revision ${current.revision} is its only one)`,
      );
    }
    return { current, target: previous };
  }
  const target = history.find((h) => h.revision === toRevision);
  if (!target) {
    const known = history.map((h) => h.revision).sort((a, b) => a - b);
    throw new Error(`${workload} has no revision ${toRevision} (its revisions: ${known.join(', ')})`);
  }
  return { current, target };
}

/** A copy of a template as the JSON the API exchanges, without the pod-template-hash label. */
export function withoutHashLabel(template: V1PodTemplateSpec): V1PodTemplateSpec {
  const json = JSON.parse(JSON.stringify(template)) as V1PodTemplateSpec;
  if (json.metadata?.labels) delete json.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  return json;
}

/**
 * Whether two pod templates are the same, ignoring pod-template-hash (kubectl's equalIgnoreHash).
 * Like apimachinery's semantic equality, a missing value, null, an empty list and an empty map are
 * all the same thing.
 */
export function sameTemplate(a: V1PodTemplateSpec | undefined, b: V1PodTemplateSpec | undefined): boolean {
  return sameJson(a && withoutHashLabel(a), b && withoutHashLabel(b));
}

function sameJson(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => sameJson(a[key], b[key]));
  }
  return a === b;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isRecord(value) && Object.keys(value).length === 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value of a revision annotation; like kubectl, anything but a whole number is no revision. */
export function parseRevision(text: string | undefined): number | undefined {
  return text !== undefined && /^[0-9]+$/.test(text) ? Number(text) : undefined;
}

/** Whether `object`'s controller is `owner`: how a workload's revisions are told from others'. */
export function isControlledBy(object: { metadata?: V1ObjectMeta }, owner: { metadata?: V1ObjectMeta }): boolean {
  const controller = object.metadata?.ownerReferences?.find((o) => o.controller);
  return controller !== undefined && controller.uid === owner.metadata?.uid;
}

export function imagesOf(template: V1PodTemplateSpec | undefined): string {
  const images = (template?.spec?.containers ?? []).map((c) => c.image ?? `${c.name} (no image)`);
  return `${images.length === 1 ? 'image' : 'images'} ${images.join(', ')}`;
}

/** `revision 2 (image registry/checkout:1.9.0, "release 1.9.0")`. */
export function describeRevision(revision: Revision): string {
  const cause = revision.changeCause ? `, "${revision.changeCause}"` : '';
  return `revision ${revision.revision} (${imagesOf(revision.template)}${cause})`;
}

/** `kubectl rollout restart`'s patch: a new template annotation makes a new revision, for every kind. */
export function restartPatch(now: Date): WorkloadPatch {
  return {
    strategy: 'application/strategic-merge-patch+json',
    body: { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: now.toISOString() } } } } },
  };
}

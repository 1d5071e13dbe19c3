// The `patch` strategy: any JSON or merge patch of any object (external-dns weights, an Istio
// VirtualService, a GSLB's custom resource), with the patch that undoes it: the runbook's, or one
// computed from the object as it was just before the patch.
import { recordedPatch, type WriteContext } from '../changes.ts';
import type { Cluster } from '../cluster.ts';
import { apiErrorMessage } from '../errors.ts';
import {
  describeObject,
  getObject,
  type ObjectReference,
  parseYaml,
  type ResolvedObject,
  resolveObject,
} from '../objects.ts';
import { type JsonPatchOperation, reverseJsonPatch, reverseMergePatch } from './json-patch.ts';

export type PatchType = 'json' | 'merge';

export interface PatchRestore {
  strategy: 'patch';
  target: ObjectReference;
  type: PatchType;
  /** The patch that undoes the drain's. */
  patch: unknown;
}

/** A patch given as data or as YAML/JSON text, checked against its type. */
export function patchBody(patch: unknown, type: PatchType, what: string): unknown {
  const body = typeof patch === 'string' ? parseYaml(patch, what) : patch;
  if (type === 'json' && !Array.isArray(body)) {
    throw new Error(
      `${what}: a JSON patch is a list of operations, like [{op: replace, path: /spec/replicas, value: 3}]`,
    );
  }
  if (type === 'merge' && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    throw new Error(`${what}: a merge patch is a mapping of the fields to change`);
  }
  return body;
}

/** The patch that undoes `patch` on `object`. */
export function reversePatchOf(object: unknown, type: PatchType, patch: unknown): unknown {
  return type === 'json' ? reverseJsonPatch(object, patch as JsonPatchOperation[]) : reverseMergePatch(object, patch);
}

export interface PatchDrainOptions {
  target: ObjectReference;
  namespace: string;
  type: PatchType;
  patch: unknown;
  reversePatch?: unknown;
}

export async function drainByPatch(
  cluster: Cluster,
  options: PatchDrainOptions,
  writes: WriteContext,
): Promise<PatchRestore> {
  const object = await resolveObject(cluster, options.target, options.namespace);
  const patch = patchBody(options.patch, options.type, 'the patch');
  const before = await getObject(cluster, object);
  if (!before) throw new Error(`${describeObject(object)} does not exist`);
  const reverse =
    options.reversePatch === undefined
      ? reversePatchOf(before, options.type, patch)
      : patchBody(options.reversePatch, options.type, 'the reverse patch');
  await sendPatch(cluster, object, options.type, patch, writes);
  const { path: _, ...target } = object;
  return { strategy: 'patch', target, type: options.type, patch: reverse };
}

export async function restorePatch(cluster: Cluster, restore: PatchRestore, writes: WriteContext): Promise<string[]> {
  const object = await resolveObject(cluster, restore.target, restore.target.namespace ?? '');
  await sendPatch(cluster, object, restore.type, restore.patch, writes);
  return [`patched ${describeObject(object)} back`];
}

/** Any object, any patch: its effect is recorded from the server's dry run of it. */
async function sendPatch(
  cluster: Cluster,
  object: ResolvedObject,
  type: PatchType,
  body: unknown,
  { signal, record }: WriteContext,
): Promise<void> {
  const contentType = type === 'json' ? cluster.lib.PatchStrategy.JsonPatch : cluster.lib.PatchStrategy.MergePatch;
  try {
    await recordedPatch(cluster, object, object.path, { contentType, body }, record, signal);
  } catch (error) {
    signal.throwIfAborted();
    throw new Error(`patching ${describeObject(object)}: ${apiErrorMessage(error)}`, { cause: error });
  }
}

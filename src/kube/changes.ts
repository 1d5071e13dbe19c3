// What a drill changes in a cluster, recorded before it changes it, and how each change is undone.
//
// Every write a drill makes goes through here, so that one mechanism gives every action its undo
// record (DESIGN.md, compensation). A change names the object (with its uid) and, for each field,
// the value before and the value set, as JSON Pointers into the object; `null` stands for an
// absent field, which is what the API server stores for one. The record is handed to the caller's
// `record` callback (the engine journals it, fsynced) before the write is sent, so a crash between
// the two leaves a record whose undo finds the field "already as before".
//
// Writes and undos are JSON Patches that `test` the value they expect, so the API server itself
// refuses a write that would overwrite a change someone made between our read and our write.
// Undo is compare-and-restore: a field still holding the value we set gets its value before; a
// field already holding its value before is left; anything else is a conflict, reported and left.
import { isDeepStrictEqual } from 'node:util';
import type { Cluster } from './cluster.ts';
import { describeChanged, show } from './change-text.ts';
import { apiErrorMessage, isConflict, isInvalid, isNotFound } from './errors.ts';
import type { ApiObject } from './conditions.ts';
import { apiRequest } from './objects.ts';
import { collectionPath } from './watch.ts';

/** An object as the journal names it; `subresource` when the change went through one (scale). */
export interface ChangedObject {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
  subresource?: 'scale';
}

/** One field: a JSON Pointer, its value before the change and the value the change sets (null: absent). */
export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

export type Change =
  /** Fields of an existing object, each undone on its own. */
  | { type: 'fields'; object: ChangedObject; fields: FieldChange[] }
  /** An object the drill created: undone by deleting it. */
  | { type: 'created'; object: ChangedObject }
  /** What no undo can bring back: an eviction, a delete, a restart, a command run. */
  | { type: 'irreversible'; what: string; objects: ChangedObject[] };

/** Called with each change before it is made; it must have stored the change when it returns. */
export type RecordChange = (change: Change) => void;

/** What a function that writes needs: when to stop, and where each change is recorded first. */
export interface WriteContext {
  readonly signal: AbortSignal;
  readonly record: RecordChange;
}

/** Records what `after` (a patch's result, computed before sending it) changes of `live`. */
export function recordEffect(
  identity: { apiVersion: string; kind: string },
  live: LiveObject,
  after: unknown,
  record: RecordChange,
): void {
  const fields = diffFields(live, after);
  if (fields.length > 0) record({ type: 'fields', object: changedObject(live, identity), fields });
}

export type UndoResult = 'restored' | 'unchanged' | 'conflict' | 'irreversible';

export interface UndoOutcome {
  result: UndoResult;
  /** One line per field or object: what was put back, found as before, or left because it changed. */
  lines: string[];
}

/** A field to set; `value: null` removes it. */
export interface FieldValue {
  path: string;
  value: unknown;
}

type PatchOperation = { op: 'test' | 'add' | 'replace'; path: string; value: unknown } | { op: 'remove'; path: string };

/** Fields the server keeps for itself: never part of a change, never compared. */
const SERVER_FIELDS = [
  '/status',
  '/metadata/managedFields',
  '/metadata/resourceVersion',
  '/metadata/generation',
  '/metadata/creationTimestamp',
  '/metadata/uid',
  '/metadata/selfLink',
];

/** Attempts at a write whose `test` failed because the object changed between read and write. */
const WRITE_ATTEMPTS = 5;

/** Any object read from the API: typed models and plain JSON alike. */
export interface LiveObject {
  metadata?: { name?: string; namespace?: string; uid?: string };
}

export function changedObject(
  object: LiveObject,
  identity: { apiVersion: string; kind: string; subresource?: 'scale' },
): ChangedObject {
  return {
    apiVersion: identity.apiVersion,
    kind: identity.kind,
    namespace: object.metadata?.namespace,
    name: object.metadata?.name ?? '',
    uid: object.metadata?.uid,
    subresource: identity.subresource,
  };
}

// ---------------------------------------------------------------------------------------------
// JSON Pointers (RFC 6901)

export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

export function pointerOf(tokens: readonly string[]): string {
  return tokens.map((token) => `/${token.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** The value at a pointer, or null where the field (or any parent) is absent. */
export function valueAtPointer(document: unknown, pointer: string): unknown {
  let value: unknown = document;
  for (const token of pointerTokens(pointer)) {
    if (typeof value !== 'object' || value === null) return null;
    value = (value as Record<string, unknown>)[token];
  }
  return value ?? null;
}

// ---------------------------------------------------------------------------------------------
// Diffs and patches (pure)

/**
 * Whether two field values mean the same to the API server. An absent field and its zero value are
 * one thing on the wire (Go's `omitempty`: a Scale of 0 replicas has no `spec.replicas`), so they
 * compare equal.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(zeroAsAbsent(a), zeroAsAbsent(b));
}

function zeroAsAbsent(value: unknown): unknown {
  if (value === undefined || value === 0 || value === false || value === '') return null;
  if (Array.isArray(value) && value.length === 0) return null;
  if (isMapping(value) && Object.keys(value).length === 0) return null;
  return value;
}

/**
 * The fields that differ between two versions of an object, as leaf changes. Lists that change
 * length are one change of the whole list: positions in them mean nothing once items come or go.
 */
export function diffFields(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (SERVER_FIELDS.includes(path)) return [];
  if (sameValue(before, after)) return [];
  const bothObjects = isMapping(before) && isMapping(after);
  const sameLengthLists = Array.isArray(before) && Array.isArray(after) && before.length === after.length;
  if (bothObjects) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((key) => diffFields(before[key], after[key], `${path}${pointerOf([key])}`));
  }
  if (sameLengthLists) {
    return before.flatMap((item, index) => diffFields(item, after[index], `${path}/${index}`));
  }
  return [{ path, before: before ?? null, after: after ?? null }];
}

/** The changes setting `values` on `live` would make; fields already at their value are left out. */
export function fieldChanges(live: unknown, values: readonly FieldValue[]): FieldChange[] {
  return values
    .map(({ path, value }) => ({ path, before: valueAtPointer(live, path), after: value ?? null }))
    .filter((field) => !sameValue(field.before, field.after));
}

/**
 * A JSON Patch taking each field from `from` to `to`, testing `from` first so that the server
 * refuses it if the field changed since `live` was read. An absent parent (a first annotation) is
 * added whole.
 */
export function patchOperations(live: unknown, moves: readonly { path: string; from: unknown; to: unknown }[]) {
  const operations: PatchOperation[] = [];
  for (const { path, from, to } of moves) {
    if (from !== null) operations.push({ op: 'test', path, value: from });
    if (to === null) {
      if (from !== null) operations.push({ op: 'remove', path });
      continue;
    }
    if (from !== null) {
      operations.push({ op: 'replace', path, value: to });
      continue;
    }
    const tokens = pointerTokens(path);
    let depth = 1;
    while (depth < tokens.length && isMapping(valueAtPointer(live, pointerOf(tokens.slice(0, depth))))) depth++;
    // tokens[0..depth-1) exist as mappings; wrap the value in the mappings that do not.
    const value = tokens
      .slice(depth)
      .reverse()
      .reduce<unknown>((inner, token) => ({ [token]: inner }), to);
    operations.push({ op: 'add', path: pointerOf(tokens.slice(0, depth)), value });
  }
  return operations;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Writes

/** URL path of a changed object (and its subresource), through API discovery. */
export async function changedObjectPath(cluster: Cluster, object: ChangedObject): Promise<string> {
  const collection = await collectionPath(cluster, object);
  return `${collection}/${encodeURIComponent(object.name)}${object.subresource ? `/${object.subresource}` : ''}`;
}

async function readLive(cluster: Cluster, path: string, signal?: AbortSignal): Promise<ApiObject | undefined> {
  try {
    return (await apiRequest(cluster, 'GET', path, { signal })).object;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function sendJsonPatch(cluster: Cluster, path: string, operations: PatchOperation[], signal?: AbortSignal) {
  return apiRequest(cluster, 'PATCH', path, {
    contentType: cluster.lib.PatchStrategy.JsonPatch,
    body: operations,
    signal,
  });
}

/** The server refused a patch's `test` (422) or a precondition (409): the object moved under us. */
export function objectMoved(error: unknown): boolean {
  return isInvalid(error) || isConflict(error);
}

/**
 * Sets fields of an object, recording the change first. `live` is the object as last read (it
 * gives the values before); if it changed since, the object is read again and the change
 * recomputed. Returns the object as written, or `live` when every field already had its value.
 */
export async function writeFields(
  cluster: Cluster,
  identity: { apiVersion: string; kind: string; subresource?: 'scale' },
  live: LiveObject,
  values: readonly FieldValue[],
  record: RecordChange,
  signal?: AbortSignal,
): Promise<LiveObject> {
  let current: LiveObject = live;
  const object = changedObject(current, identity);
  const path = await changedObjectPath(cluster, object);
  for (let attempt = 1; ; attempt++) {
    const fields = fieldChanges(current, values);
    if (fields.length === 0) return current;
    record({ type: 'fields', object: changedObject(current, identity), fields });
    const moves = fields.map(({ path: field, before, after }) => ({ path: field, from: before, to: after }));
    try {
      return (await sendJsonPatch(cluster, path, patchOperations(current, moves), signal)).object;
    } catch (error) {
      if (!objectMoved(error) || attempt >= WRITE_ATTEMPTS) throw error;
      const reread = await readLive(cluster, path, signal);
      if (!reread) throw error;
      current = reread;
    }
  }
}

/**
 * Any patch (strategic merge, merge, JSON, apply), recorded first: the server applies it as a dry
 * run, the difference between the object and that result is the change recorded, then the patch
 * is sent for real. Only for patches whose effect is not known beforehand.
 */
export async function recordedPatch(
  cluster: Cluster,
  identity: { apiVersion: string; kind: string },
  path: string,
  patch: { contentType: string; body: unknown; query?: Record<string, string> },
  record: RecordChange,
  signal?: AbortSignal,
): Promise<{ object: ApiObject; created: boolean }> {
  const live = await readLive(cluster, path, signal);
  const send = (dryRun: boolean) =>
    apiRequest(cluster, 'PATCH', path, {
      query: { ...patch.query, ...(dryRun ? { dryRun: 'All' } : {}) },
      contentType: patch.contentType,
      body: patch.body,
      signal,
    });
  const preview = await send(true);
  if (live) {
    const fields = diffFields(live, preview.object);
    if (fields.length > 0) record({ type: 'fields', object: changedObject(live, identity), fields });
  } else {
    // A dry run's uid is made up: the object is known by its name until it exists.
    record({ type: 'created', object: { ...changedObject(preview.object, identity), uid: undefined } });
  }
  const written = await send(false);
  return { object: written.object, created: written.status === 201 };
}

// ---------------------------------------------------------------------------------------------
// Undo

/** Undoes one recorded change, never overwriting a field that someone else changed since. */
export async function undoChange(cluster: Cluster, change: Change, signal?: AbortSignal): Promise<UndoOutcome> {
  if (change.type === 'irreversible') {
    return { result: 'irreversible', lines: [`cannot be undone: ${change.what}`] };
  }
  const what = describeChanged(change.object);
  const path = await changedObjectPath(cluster, change.object);
  if (change.type === 'created') return undoCreated(cluster, change.object, path, signal);
  for (let attempt = 1; ; attempt++) {
    const live = await readLive(cluster, path, signal);
    if (!live) return { result: 'conflict', lines: [`${what} no longer exists: nothing to put back`] };
    const uid = live.metadata?.uid;
    if (change.object.uid && !change.object.subresource && uid !== change.object.uid) {
      return { result: 'conflict', lines: [`${what} was deleted and created again (uid ${uid}): left alone`] };
    }
    const lines: string[] = [];
    const moves: { path: string; from: unknown; to: unknown }[] = [];
    let conflict = false;
    for (const field of change.fields) {
      const now = valueAtPointer(live, field.path);
      if (sameValue(now, field.after)) {
        // From the value as it is, which may be the absent form of the value set.
        moves.push({ path: field.path, from: now, to: field.before });
        lines.push(`${what} ${field.path}: ${show(field.after)} -> ${show(field.before)}`);
      } else if (sameValue(now, field.before)) {
        lines.push(`${what} ${field.path}: already ${show(field.before)}`);
      } else {
        conflict = true;
        lines.push(
          `${what} ${field.path}: CONFLICT, now ${show(now)}, the drill set ${show(field.after)}, ` +
            `before it ${show(field.before)}: left alone`,
        );
      }
    }
    if (moves.length > 0) {
      try {
        await sendJsonPatch(cluster, path, patchOperations(live, moves), signal);
      } catch (error) {
        if (objectMoved(error) && attempt < WRITE_ATTEMPTS) continue;
        throw new Error(`restoring ${what}: ${apiErrorMessage(error)}`, { cause: error });
      }
    }
    const result: UndoResult = conflict ? 'conflict' : moves.length > 0 ? 'restored' : 'unchanged';
    return { result, lines };
  }
}

async function undoCreated(
  cluster: Cluster,
  object: ChangedObject,
  path: string,
  signal?: AbortSignal,
): Promise<UndoOutcome> {
  const what = describeChanged(object);
  const live = await readLive(cluster, path, signal);
  if (!live) return { result: 'unchanged', lines: [`${what}: already gone`] };
  const uid = live.metadata?.uid;
  if (object.uid && uid !== object.uid) {
    return { result: 'conflict', lines: [`${what} is another object than the drill created (uid ${uid}): left alone`] };
  }
  try {
    await apiRequest(cluster, 'DELETE', path, {
      // Background, as kubectl deletes: a Job's pods go with it rather than being orphaned.
      body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', preconditions: { uid } },
      signal,
    });
  } catch (error) {
    if (isNotFound(error)) return { result: 'unchanged', lines: [`${what}: already gone`] };
    throw new Error(`deleting ${what}: ${apiErrorMessage(error)}`, { cause: error });
  }
  return { result: 'restored', lines: [`${what}: created by the drill, deleted`] };
}

// Reverse patches: given an object and a patch, the patch that puts the object back as it was. A
// drain records it so restore undoes exactly what the drain changed, and nothing else.
//
// JSON patches (RFC 6902) are applied and diffed by rfc6902: the reverse of a JSON patch is the
// diff from the patched object back to the object. What is ours: a failed operation read as one
// line, and the reverse of a merge patch (RFC 7386), which no library computes.
import { applyPatch, createPatch, type Operation, Pointer } from 'rfc6902';

export type JsonPatchOperation = Operation;

/** A JSON pointer to the given keys, each escaped (a label such as `drill.dev/x` is one key). */
export function formatPointer(tokens: readonly string[]): string {
  return new Pointer(['', ...tokens]).toString();
}

/** Applies a JSON patch to a copy of the document; the first operation that fails throws. */
export function applyJsonPatch(document: unknown, operations: readonly JsonPatchOperation[]): unknown {
  const patched = structuredClone(document);
  const errors = applyPatch(patched, structuredClone([...operations]));
  const failed = errors.findIndex((error) => error !== null);
  const operation = operations[failed];
  if (operation) {
    throw new Error(operation.op === 'test' ? `test failed at ${operation.path}` : String(errors[failed]?.message));
  }
  return patched;
}

/** The JSON patch that undoes `operations` on `document`. */
export function reverseJsonPatch(document: unknown, operations: readonly JsonPatchOperation[]): JsonPatchOperation[] {
  return createPatch(applyJsonPatch(document, operations), document);
}

/**
 * The merge patch (RFC 7386) that undoes `patch` on `document`: for every key the patch sets, the
 * value it had, or null where it had none (null deletes in a merge patch).
 */
export function reverseMergePatch(document: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(document);
  const before = isPlainObject(document) ? document : {};
  const reverse: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    const had = Object.hasOwn(before, key);
    if (value === null) {
      if (had) reverse[key] = structuredClone(before[key]);
    } else if (!had) {
      reverse[key] = null;
    } else if (isPlainObject(value) && isPlainObject(before[key])) {
      reverse[key] = reverseMergePatch(before[key], value);
    } else {
      reverse[key] = structuredClone(before[key]);
    }
  }
  return reverse;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

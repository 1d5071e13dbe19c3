// Reverse patches: given an object and a patch, the patch that puts the object back as it was. A
// drain records it so restore undoes exactly what the drain changed, and nothing else.

export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer "${pointer}" must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

export function formatPointer(tokens: readonly string[]): string {
  return tokens.map((token) => `/${token.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

/** The value at a pointer, or `found: false`. */
export function valueAt(document: unknown, pointer: string): { found: boolean; value?: unknown } {
  let current: unknown = document;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(current)) {
      const index = Number(token);
      if (!/^(0|[1-9][0-9]*)$/.test(token) || index >= current.length) return { found: false };
      current = current[index];
    } else if (isPlainObject(current) && Object.hasOwn(current, token)) {
      current = current[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}

/** Applies a JSON patch (RFC 6902) to a copy of the document. */
export function applyJsonPatch(document: unknown, operations: readonly JsonPatchOperation[]): unknown {
  let result = structuredClone(document);
  for (const operation of operations) result = applyOperation(result, operation);
  return result;
}

function applyOperation(document: unknown, operation: JsonPatchOperation): unknown {
  switch (operation.op) {
    case 'test': {
      const at = valueAt(document, operation.path);
      if (!at.found || !deepEqual(at.value, operation.value)) throw new Error(`test failed at ${operation.path}`);
      return document;
    }
    case 'remove':
      return removeAt(document, operation.path);
    case 'add':
      return addAt(document, operation.path, structuredClone(operation.value));
    case 'replace':
      return addAt(removeAt(document, operation.path), operation.path, structuredClone(operation.value));
    case 'move': {
      const at = valueAt(document, operation.from);
      if (!at.found) throw new Error(`nothing at ${operation.from} to move`);
      return addAt(removeAt(document, operation.from), operation.path, at.value);
    }
    case 'copy': {
      const at = valueAt(document, operation.from);
      if (!at.found) throw new Error(`nothing at ${operation.from} to copy`);
      return addAt(document, operation.path, structuredClone(at.value));
    }
  }
}

function parentOf(document: unknown, path: string): { parent: Container; key: string } {
  const tokens = parsePointer(path);
  const key = tokens.pop();
  if (key === undefined) throw new Error('the whole document cannot be patched here');
  const parent = valueAt(document, formatPointer(tokens));
  if (!parent.found || !isContainer(parent.value)) throw new Error(`no object or list at ${formatPointer(tokens)}`);
  return { parent: parent.value, key };
}

function addAt(document: unknown, path: string, value: unknown): unknown {
  const { parent, key } = parentOf(document, path);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw new Error(`bad index at ${path}`);
    parent.splice(index, 0, value);
  } else {
    parent[key] = value;
  }
  return document;
}

function removeAt(document: unknown, path: string): unknown {
  if (!valueAt(document, path).found) throw new Error(`nothing at ${path} to remove`);
  const { parent, key } = parentOf(document, path);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete parent[key];
  return document;
}

/**
 * The JSON patch that undoes `operations` on `document`: each operation's inverse, computed against
 * the document as it was just before that operation, in reverse order.
 */
export function reverseJsonPatch(document: unknown, operations: readonly JsonPatchOperation[]): JsonPatchOperation[] {
  const reverse: JsonPatchOperation[] = [];
  let current = structuredClone(document);
  for (const operation of operations) {
    reverse.unshift(...inverseOf(current, operation));
    current = applyOperation(current, operation);
  }
  return reverse;
}

function inverseOf(before: unknown, operation: JsonPatchOperation): JsonPatchOperation[] {
  switch (operation.op) {
    case 'test':
      return [];
    case 'add': {
      const { parent } = parentOf(before, operation.path);
      const existing = valueAt(before, operation.path);
      // Adding to an object's existing member replaces it; adding to a list inserts.
      if (!Array.isArray(parent) && existing.found)
        return [{ op: 'replace', path: operation.path, value: existing.value }];
      const path =
        Array.isArray(parent) && operation.path.endsWith('/-')
          ? `${operation.path.slice(0, -1)}${parent.length}`
          : operation.path;
      return [{ op: 'remove', path }];
    }
    case 'remove':
      return [{ op: 'add', path: operation.path, value: valueAt(before, operation.path).value }];
    case 'replace':
      return [{ op: 'replace', path: operation.path, value: valueAt(before, operation.path).value }];
    case 'copy':
      return inverseOf(before, { op: 'add', path: operation.path, value: valueAt(before, operation.from).value });
    case 'move': {
      const removed = applyOperation(structuredClone(before), { op: 'remove', path: operation.from });
      const value = valueAt(before, operation.from).value;
      return [
        ...inverseOf(removed, { op: 'add', path: operation.path, value }),
        { op: 'add', path: operation.from, value },
      ];
    }
  }
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

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
    );
  }
  return false;
}

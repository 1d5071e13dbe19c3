// Names of the objects a drill creates (a Velero Backup or Restore, a restore Job). The API server's
// generateName would pick the suffix itself, but only on creation: the name has to be known before, to
// be journaled before the object exists (write-ahead). Web Crypto's global, unlike node:crypto, loads
// only when a name is made, not with every action's module for `validate`.

/** `prefix` (cut to leave room in a 63-character name) and five random lowercase hex digits. */
export function generatedName(prefix: string): string {
  return `${prefix.slice(0, 56)}-${crypto.randomUUID().slice(0, 5)}`;
}

// --set name=value, turned into params: shared by every command that takes --set, and by validate's
// parse without oclif (src/validate-fast.ts), which is why it lives apart from the oclif flags.
export type SetFlags = { ok: true; set: Record<string, string> } | { ok: false; error: string };

/**
 * --set name=value pairs; a malformed or repeated one is a usage error for the caller to report. The
 * names are the user's, so they are only ever keys: the record has no prototype, and `__proto__`
 * or `error` is a param name like any other (unknown unless the runbook declares it). Errors quote
 * the name, never the value, which may be a secret.
 */
export function parseSetFlags(values: readonly string[]): SetFlags {
  const set = Object.create(null) as Record<string, string>;
  for (const value of values) {
    const separator = value.indexOf('=');
    if (separator === -1) return { ok: false, error: `--set "${value}": expected name=value` };
    const name = value.slice(0, separator);
    if (name === '') return { ok: false, error: '--set "=...": the param name before "=" is missing' };
    if (Object.hasOwn(set, name)) return { ok: false, error: `--set ${name}: given more than once` };
    set[name] = value.slice(separator + 1);
  }
  return { ok: true, set };
}

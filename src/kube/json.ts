/** JSON.parse for bodies that may not be JSON (an error page, say): undefined instead of a throw. */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

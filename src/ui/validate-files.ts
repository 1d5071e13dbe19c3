// What `kubectl drill validate` prints for its files and whether they all passed: shared by the oclif
// command (src/commands/validate.ts) and its start without oclif (src/validate-fast.ts), so the two
// cannot print differently. The schema machinery is imported on first use, not at the top, so that
// other commands that load this module's chunk start without it.
import { readFileSync } from 'node:fs';

export type ValidateOutput = 'text' | 'json';

/** The lines to print, in order, and whether every file is valid. */
export async function validateFiles(
  files: readonly string[],
  set: Record<string, string>,
  output: ValidateOutput,
): Promise<{ lines: string[]; valid: boolean }> {
  const { formatResult, validateRunbook, validateRunbookFile } = await import('../runbook/validate.ts');
  const { maskedProblems } = await import('../engine/redact.ts');
  const results = [];
  for (const file of files) {
    // A problem may quote a value given with --set: a secret param's is masked.
    const source = readIfReadable(file);
    const result =
      source === undefined ? await validateRunbookFile(file, { set }) : validateRunbook(source, file, { set });
    results.push(maskedProblems(result, source, set));
  }
  const valid = results.every((result) => result.valid);
  if (output === 'json') {
    const json = results.map(({ file, valid, problems }) => ({
      file,
      valid,
      problems: problems.map(({ position, message }) => ({ ...position, message })),
    }));
    return { lines: [JSON.stringify({ valid, files: json }, null, 2)], valid };
  }
  return { lines: results.flatMap((result) => formatResult(result)), valid };
}

/**
 * The file's text, or undefined if it cannot be read (validateRunbookFile then says why). Read at once:
 * node:fs/promises would be one more module to load for a command that reads a few small files.
 */
function readIfReadable(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

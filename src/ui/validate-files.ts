// What `kubectl drill validate` prints for its files and whether they all passed: shared by the oclif
// command (src/commands/validate.ts) and its start without oclif (src/validate-fast.ts), so the two
// cannot print differently. The schema machinery is imported on first use, not at the top, so that
// other commands that load this module's chunk start without it.

export type ValidateOutput = 'text' | 'json';

/** The lines to print, in order, and whether every file is valid. */
export async function validateFiles(
  files: readonly string[],
  set: Record<string, string>,
  output: ValidateOutput,
): Promise<{ lines: string[]; valid: boolean }> {
  const { readFile } = await import('node:fs/promises');
  const { formatResult, validateRunbook, validateRunbookFile } = await import('../runbook/index.ts');
  const { maskedProblems } = await import('../engine/redact.ts');
  const results = [];
  for (const file of files) {
    // A problem may quote a value given with --set: a secret param's is masked.
    const source = await readFile(file, 'utf8').catch(() => undefined);
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

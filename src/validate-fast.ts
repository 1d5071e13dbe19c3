// `kubectl drill validate` without loading oclif, which costs about as much as validating a runbook:
// editors and CI run validate on every save and push. Only the plain shapes of its command line are
// parsed here: file arguments, `--set name=value` (or `--set=`) and `-o`/`--output` text|json (`-o json`,
// `-ojson`, `-o=json`, `--output=json`), with no file after a --set, which oclif would read as another
// --set value. Anything else (another flag, `--`, `--help`, a value starting with "-", an unknown
// output, a --set oclif would refuse, no file) returns false before anything is printed, and oclif
// parses and runs the command as always: its errors and messages stay oclif's own. What is printed and
// the exit code come from the same code as the oclif command's (src/ui/validate-files.ts).
import { loadCachedBundle } from './cached-bundle.ts';
import { writeStdout } from './stdout.ts';
import { parseSetFlags } from './ui/set-flags.ts';
import type * as validateFilesModule from './ui/validate-files.ts';
import type { ValidateOutput } from './ui/validate-files.ts';

/** Exit code for usage and validation errors (DESIGN.md section 4), as src/commands/validate.ts's. */
const EXIT_INVALID = 2;
const OUTPUTS: readonly string[] = ['text', 'json'] satisfies ValidateOutput[];

interface ValidateArgs {
  files: string[];
  set: string[];
  output?: string;
}

/** validate's arguments (after `validate`) when they have one of the plain shapes, else undefined. */
export function plainValidateArgs(argv: readonly string[]): ValidateArgs | undefined {
  const parsed: ValidateArgs = { files: [], set: [] };
  // oclif gives a --set every following argument that is not a flag.
  let afterSet = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    const next = (): string | undefined => {
      const value = argv[++index];
      return value === undefined || value.startsWith('-') ? undefined : value;
    };
    let value: string | undefined;
    if (!arg.startsWith('-')) {
      if (afterSet) return undefined;
      parsed.files.push(arg);
    } else if (arg === '--set' || arg.startsWith('--set=')) {
      value = arg === '--set' ? next() : arg.slice('--set='.length);
      if (value === undefined || value.startsWith('-')) return undefined;
      parsed.set.push(value);
      afterSet = true;
    } else if (arg === '-o' || arg === '--output' || arg.startsWith('--output=') || /^-o[^-]/.test(arg)) {
      if (arg === '-o' || arg === '--output') value = next();
      else value = arg.startsWith('--output=') ? arg.slice('--output='.length) : arg.slice(arg[2] === '=' ? 3 : 2);
      if (value === undefined || !OUTPUTS.includes(value) || parsed.output !== undefined) return undefined;
      parsed.output = value;
      afterSet = false;
    } else {
      return undefined;
    }
  }
  return parsed.files.length > 0 ? parsed : undefined;
}

/**
 * Runs validate with `argv` (after `validate`) and returns true, or returns false for oclif to run it.
 * validate-files.ts is run from its CommonJS bundle in `dist` (dist/validate-files.cjs), through a code
 * cache kept in `cacheDir` (src/cached-bundle.ts).
 */
export async function validateWithoutOclif(argv: readonly string[], dist: URL, cacheDir: string): Promise<boolean> {
  const args = plainValidateArgs(argv);
  if (!args) return false;
  const set = parseSetFlags(args.set);
  if (!set.ok) return false;
  const bundle = loadCachedBundle<typeof validateFilesModule>(new URL('validate-files.cjs', dist), cacheDir);
  const output = (args.output ?? 'text') as ValidateOutput;
  const { lines, valid } = await bundle.exports.validateFiles(args.files, set.set, output);
  // What oclif's Command.log writes for each line.
  for (const line of lines) writeStdout(`${line}\n`);
  if (!valid) process.exitCode = EXIT_INVALID;
  bundle.save('used');
  return true;
}

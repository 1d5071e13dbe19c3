/**
 * Shell completion through kubectl's plugin completion (kubectl >= 1.26): kubectl runs
 * `kubectl_complete-drill` with the words after `drill`, the last being the word under the cursor
 * (empty after a space), and relays what it prints in cobra's `__complete` format: one candidate a
 * line (`value<TAB>description`), then `:<directive>`, cobra's ShellCompDirective bits.
 *
 * Commands and flags are read from oclif.manifest.json (the build writes it from the commands
 * themselves), never by loading oclif or the commands, so a TAB costs little more than Node's
 * start. What a value can be is looked up by flag name and by command (two tables below); a new
 * command or flag that needs completing is one line in one of them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Candidate,
  contexts,
  explainTargets,
  type LineContext,
  paramAssignments,
  runbookFiles,
  runIds,
  stepIds,
} from './sources.ts';

/** cobra's ShellCompDirective (spf13/cobra completions.go). */
export const Directive = {
  default: 0,
  error: 1,
  noSpace: 2,
  noFileComp: 4,
  filterFileExt: 8,
  filterDirs: 16,
  keepOrder: 32,
} as const;

interface Source {
  candidates(prefix: string, line: LineContext): Candidate[] | Promise<Candidate[]>;
  directive: number;
  /** What to print when there is no candidate (instead of nothing with `directive`). */
  otherwise?: { values: string[]; directive: number };
}

const runbook: Source = {
  candidates: runbookFiles,
  directive: Directive.noFileComp,
  // No runbook found here: let the shell complete .yaml and .yml files and folders.
  otherwise: { values: ['yaml', 'yml'], directive: Directive.filterFileExt },
};
const runId: Source = { candidates: runIds, directive: Directive.noFileComp | Directive.keepOrder };
const step: Source = { candidates: stepIds, directive: Directive.noFileComp | Directive.keepOrder };

/** Values of flags, by long name. */
const flagValues: Record<string, Source> = {
  from: step,
  only: step,
  set: { candidates: paramAssignments, directive: Directive.noFileComp | Directive.noSpace },
  context: { candidates: contexts, directive: Directive.noFileComp },
  kubeconfig: { candidates: () => [], directive: Directive.default },
  'journal-dir': { candidates: () => [], directive: Directive.filterDirs },
};

/** Positional arguments, by command. */
const argValues: Record<string, Source> = {
  run: runbook,
  plan: runbook,
  validate: runbook,
  rollback: runId,
  resume: runId,
  report: runId,
  explain: { candidates: explainTargets, directive: Directive.noFileComp },
};

interface ManifestFlag {
  name: string;
  char?: string;
  type: 'option' | 'boolean';
  options?: string[];
  allowNo?: boolean;
  description?: string;
}
interface ManifestCommand {
  summary?: string;
  flags: Record<string, ManifestFlag>;
}
export interface Manifest {
  commands: Record<string, ManifestCommand>;
}

export function readManifest(root: string): Manifest {
  try {
    return JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as Manifest;
  } catch {
    return { commands: {} };
  }
}

/** The words after `drill` as kubectl passes them; returns what to print. */
export async function complete(
  words: readonly string[],
  environment: Omit<LineContext, 'flags' | 'args'>,
  manifest: Manifest,
): Promise<string> {
  const before = words.slice(0, -1);
  const current = words.at(-1) ?? '';
  const parsed = parseLine(before, manifest);
  const line: LineContext = { ...environment, flags: parsed.flags, args: parsed.args };
  const command = parsed.command === undefined ? undefined : manifest.commands[parsed.command];

  if (parsed.pending) return valuesOf(parsed.pending, current, '', line);
  if (command && current.startsWith('--') && current.includes('=')) {
    const name = current.slice(2, current.indexOf('='));
    const flag = command.flags[name];
    if (flag) return valuesOf(flag, current.slice(name.length + 3), `--${name}=`, line);
  }
  if (current.startsWith('-')) {
    return render(command ? flagNames(command).filter((c) => c.value.startsWith(current)) : [], Directive.noFileComp);
  }
  if (!command) {
    if (parsed.command !== undefined) return render([], Directive.noFileComp);
    const names = Object.entries(manifest.commands).map(([value, c]) => ({ value, description: c.summary }));
    return render(
      names.filter((c) => c.value.startsWith(current)),
      Directive.noFileComp,
    );
  }
  const source = argValues[parsed.command ?? ''];
  if (!source) return render([], Directive.noFileComp);
  return fromSource(source, current, '', line);
}

interface ParsedLine {
  command?: string;
  args: string[];
  flags: Record<string, string[]>;
  /** A flag that takes a value and is the last word before the cursor: the cursor is on its value. */
  pending?: ManifestFlag;
}

function parseLine(words: readonly string[], manifest: Manifest): ParsedLine {
  const parsed: ParsedLine = { args: [], flags: {} };
  const flagsOf = () => (parsed.command ? (manifest.commands[parsed.command]?.flags ?? {}) : {});
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    let flag: ManifestFlag | undefined;
    let value: string | undefined;
    if (word.startsWith('--') && word.length > 2) {
      const eq = word.indexOf('=');
      flag = flagsOf()[word.slice(2, eq < 0 ? undefined : eq)];
      if (eq >= 0) value = word.slice(eq + 1);
    } else if (word.startsWith('-') && word.length > 1) {
      flag = Object.values(flagsOf()).find((f) => f.char === word[1]);
      if (word.length > 2) value = word.slice(2).replace(/^=/, '');
    } else if (parsed.command === undefined) {
      parsed.command = word;
      continue;
    } else {
      parsed.args.push(word);
      continue;
    }
    if (flag?.type !== 'option') continue;
    if (value === undefined) {
      if (i + 1 === words.length) {
        parsed.pending = flag;
        break;
      }
      value = words[++i] ?? '';
    }
    (parsed.flags[flag.name] ??= []).push(value);
  }
  return parsed;
}

function flagNames(command: ManifestCommand): Candidate[] {
  return Object.values(command.flags).flatMap((flag) => [
    { value: `--${flag.name}`, description: flag.description },
    ...(flag.allowNo ? [{ value: `--no-${flag.name}`, description: flag.description }] : []),
  ]);
}

async function valuesOf(flag: ManifestFlag, current: string, prefix: string, line: LineContext): Promise<string> {
  if (flag.options) {
    const values = flag.options.map((value) => ({ value }));
    return render(restrict(values, current, prefix), Directive.noFileComp);
  }
  const source = flagValues[flag.name];
  if (!source) return render([], Directive.noFileComp);
  return fromSource(source, current, prefix, line);
}

async function fromSource(source: Source, current: string, prefix: string, line: LineContext): Promise<string> {
  const found = restrict(await source.candidates(current, line), current, prefix);
  if (found.length === 0 && source.otherwise) {
    return render(
      source.otherwise.values.map((value) => ({ value })),
      source.otherwise.directive,
    );
  }
  return render(found, source.directive);
}

/** The candidates that extend what is typed, with the `--flag=` the word began with put back. */
function restrict(candidates: readonly Candidate[], current: string, prefix: string): Candidate[] {
  return candidates.filter((c) => c.value.startsWith(current)).map((c) => ({ ...c, value: `${prefix}${c.value}` }));
}

function render(candidates: readonly Candidate[], directive: number): string {
  const lines = candidates.map(({ value, description }) => {
    // cobra shows one line of description; a tab or newline in it would break the format.
    const text = description?.split('\n')[0]?.replaceAll('\t', ' ').trim();
    return text ? `${value}\t${text}` : value;
  });
  return `${[...lines, `:${directive}`].join('\n')}\n`;
}

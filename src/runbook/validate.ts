/**
 * Validation of a runbook file: YAML syntax, the schema, then whole-runbook checks. Every problem is
 * reported at once, sorted by position, each at the exact key or value it is about.
 */
import { runbookJsonSchema } from './json-schema.ts';
import type { JsonSchema } from './json-schema-types.ts';
import { parseRunbookYaml } from './parse.ts';
import type { SourcePositions } from './positions.ts';
import { formatProblem, type Problem, type SourcePosition, sortProblems } from './problem.ts';
import type { Runbook } from './schema.ts';
import { SchemaChecker } from './schema-check.ts';
import { schemaErrors } from './schema-errors.ts';
import { checkSemantics, paramValues } from './semantic.ts';
import { didYouMean } from './suggest.ts';
import { runbookVocabulary } from './vocabulary.ts';

export interface ValidateOptions {
  /** `--set` values; names that are not declared params are problems. */
  set?: Readonly<Record<string, string>>;
  /** Treat params without a value as problems, as `run` must; `validate` does not. */
  requireParams?: boolean;
}

export type ValidationResult =
  | { valid: true; file: string; runbook: Runbook; positions: SourcePositions; problems: [] }
  | { valid: false; file: string; problems: Problem[] };

let schemaDocument: JsonSchema | undefined;

/** Validates runbook source text; `file` is only used to label problems. */
export function validateRunbook(source: string, file: string, options: ValidateOptions = {}): ValidationResult {
  const set = options.set ?? {};
  const parsed = parseRunbookYaml(source, file);
  if (!parsed.ok) return invalid(file, parsed.problems);
  const { document, positions, data: runbook } = parsed;
  const problemAt = (position: SourcePosition, message: string): Problem => ({ file, position, message });

  const schemaProblems: Problem[] = [];
  schemaDocument ??= runbookJsonSchema();
  const vocabulary = runbookVocabulary(runbook, paramValues(runbook, set));
  new SchemaChecker(document, schemaDocument, vocabulary).check((anchor, message) =>
    schemaProblems.push(problemAt(positions.ofNode(anchor), message)),
  );
  const requireParams = options.requireParams ?? false;
  const semantic = checkSemantics({ runbook, document, positions, source, set, requireParams });
  const superseded = new Set(semantic.flatMap(({ supersedes }) => (supersedes ? [positionKey(supersedes)] : [])));
  const problems = [
    ...parsed.problems,
    ...schemaProblems.filter(({ position }) => !position || !superseded.has(positionKey(position))),
    ...semantic.map(({ position, message }) => problemAt(position, message)),
  ];

  // The walker above explains problems; TypeBox's validator has the last word on what is valid.
  if (problems.length === 0) {
    for (const error of schemaErrors(schemaDocument, runbook)) {
      const path = error.instancePath.split('/').slice(1).map(decodePointerSegment);
      problems.push(problemAt(positions.ofValue(path), `${error.instancePath}: ${error.message}`));
    }
  }
  if (problems.length > 0) return invalid(file, problems);
  return { valid: true, file, runbook: runbook as Runbook, positions, problems: [] };
}

/** Reads and validates a runbook file; an unreadable file is a problem, not an exception. */
export async function validateRunbookFile(file: string, options: ValidateOptions = {}): Promise<ValidationResult> {
  let source: string;
  try {
    // Imported here: `validate` reads its files itself (src/ui/validate-files.ts), and comes here only
    // to have a file it could not read described.
    const { readFile } = await import('node:fs/promises');
    source = await readFile(file, 'utf8');
  } catch (error) {
    return invalid(file, [{ file, message: `cannot read the file: ${describeReadError(error)}` }]);
  }
  return validateRunbook(source, file, options);
}

/** For `--from STEP` and `--only STEP`: a problem message if the runbook has no such step. */
export function checkStepReference(runbook: Runbook, id: string): string | undefined {
  const ids = runbook.spec.steps.map((step) => step.id);
  return ids.includes(id) ? undefined : `unknown step "${id}"${didYouMean(id, ids)}`;
}

export function formatResult(result: ValidationResult): string[] {
  return result.valid ? [`${result.file}: valid`] : result.problems.map(formatProblem);
}

function invalid(file: string, problems: Problem[]): ValidationResult {
  const unique = new Map(problems.map((problem) => [formatProblem(problem), problem]));
  return { valid: false, file, problems: sortProblems([...unique.values()]) };
}

function positionKey({ line, col }: SourcePosition): string {
  return `${line}:${col}`;
}

function decodePointerSegment(segment: string): string | number {
  const text = segment.replaceAll('~1', '/').replaceAll('~0', '~');
  return /^[0-9]+$/.test(text) ? Number(text) : text;
}

function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

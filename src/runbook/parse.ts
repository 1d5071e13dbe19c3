/** Reads a runbook's YAML, keeping every node's position. */
import { type Document, isScalar, LineCounter, parseAllDocuments, visit } from 'yaml';
import { SourcePositions } from './positions.ts';
import type { Problem, SourcePosition } from './problem.ts';
import { describeSyntaxErrors } from './yaml-syntax.ts';

export type ParsedYaml =
  | { ok: true; document: Document; positions: SourcePositions; data: unknown; problems: Problem[] }
  /** The YAML is too broken to look at its content. */
  | { ok: false; problems: Problem[] };

interface LocatedMessage {
  offset: number;
  message: string;
}

/** Anchors and aliases are expanded; an alias of an alias of ... stops here (a "billion laughs" file). */
const MAX_ALIAS_COUNT = 1000;

export function parseRunbookYaml(source: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // uniqueKeys: false, because duplicate keys are found below with a better message than the parser's.
  const parsed = parseAllDocuments(source, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  const problemsAt = (messages: LocatedMessage[]): Problem[] =>
    messages.map(({ offset, message }) => ({ file, position: at(offset), message }));

  const documents = Array.isArray(parsed) ? parsed : [];
  const [document, second] = documents;
  const contents = document?.contents;
  if (document === undefined || contents === null || (isScalar(contents) && contents.source === '')) {
    return {
      ok: false,
      problems: problemsAt([{ offset: 0, message: 'the file is empty; expected a runbook' }]),
    };
  }
  const syntaxErrors = documents.flatMap((doc) => doc.errors);
  if (syntaxErrors.length > 0) return { ok: false, problems: problemsAt(describeSyntaxErrors(source, syntaxErrors)) };
  const unresolvedAliases = findUnresolvedAliases(document);
  if (unresolvedAliases.length > 0) return { ok: false, problems: problemsAt(unresolvedAliases) };

  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, problems: problemsAt([{ offset: 0, message: `cannot expand the YAML: ${reason}` }]) };
  }
  const problems = problemsAt(findDuplicateKeys(document, (offset) => at(offset).line));
  if (second !== undefined) {
    problems.push(
      ...problemsAt([{ offset: second.range[0], message: 'a second YAML document; a file holds one runbook' }]),
    );
  }
  return { ok: true, document, positions: new SourcePositions(document, lineCounter), data, problems };
}

function findDuplicateKeys(document: Document, lineOf: (offset: number) => number): LocatedMessage[] {
  const duplicates: LocatedMessage[] = [];
  visit(document, {
    Map(_, map) {
      const firstOffsets = new Map<unknown, number>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const offset = pair.key.range?.[0] ?? 0;
        const first = firstOffsets.get(pair.key.value);
        if (first === undefined) {
          firstOffsets.set(pair.key.value, offset);
        } else {
          const key = String(pair.key.value);
          duplicates.push({
            offset,
            message: `duplicate key "${key}"; it is already set on line ${lineOf(first)}`,
          });
        }
      }
    },
  });
  return duplicates;
}

function findUnresolvedAliases(document: Document): LocatedMessage[] {
  const unresolved: LocatedMessage[] = [];
  visit(document, {
    Alias(_, alias) {
      if (alias.resolve(document) === undefined) {
        const name = alias.source;
        const message = `unknown anchor "${name}"; define it with &${name} before using *${name}`;
        unresolved.push({ offset: alias.range?.[0] ?? 0, message });
      }
    },
  });
  return unresolved;
}

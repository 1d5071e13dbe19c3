/**
 * YAML syntax errors, reworded. The `yaml` library's messages describe its parser ("Nested mappings
 * are not allowed in compact mappings") and often point at the line after the mistake; people need
 * to hear "bad indentation of "with"" at the key they mis-indented.
 */
import type { YAMLError } from 'yaml';

export interface SyntaxProblem {
  offset: number;
  message: string;
}

interface Line {
  start: number;
  text: string;
}

export function describeSyntaxErrors(source: string, errors: readonly YAMLError[]): SyntaxProblem[] {
  const lines = splitLines(source);
  // After the first error the parser is out of step with the author, so what it reports next is
  // mostly an echo of that error. Tabs are the exception: each one is a mistake of its own.
  const [first, ...rest] = errors;
  if (first === undefined) return [];
  const problems = [describe(source, lines, first)];
  const reportedLines = new Set(problems.map((problem) => lineIndexAt(lines, problem.offset)));
  for (const error of rest.filter((error) => error.code === 'TAB_AS_INDENT')) {
    const problem = describe(source, lines, error);
    const line = lineIndexAt(lines, problem.offset);
    if (!reportedLines.has(line)) problems.push(problem);
    reportedLines.add(line);
  }
  return problems;
}

function describe(source: string, lines: Line[], error: YAMLError): SyntaxProblem {
  const [offset] = error.pos;
  const lineIndex = lineIndexAt(lines, offset);
  const line = lines[lineIndex] ?? { start: 0, text: '' };
  const missingSpace = /^((?:\s*-)*\s*)([A-Za-z0-9_.-]+):(?=[^\s/:])/.exec(line.text);
  if (error.code !== 'TAB_AS_INDENT' && missingSpace?.[1] !== undefined && missingSpace[2] !== undefined) {
    return {
      offset: line.start + missingSpace[1].length,
      message: `missing space after "${missingSpace[2]}:"`,
    };
  }
  switch (error.code) {
    case 'TAB_AS_INDENT':
      return { offset, message: 'tab character in indentation; YAML indents with spaces only' };
    case 'BAD_INDENT':
      if (/flow (map|sequence|collection)/i.test(error.message)) return unclosedFlow(source, offset, error.message);
      return badIndentation(lines, lineIndex);
    case 'MISSING_CHAR':
      if (/quote/i.test(error.message)) return unclosedQuote(source, offset, error.message);
      if (/flow (map|sequence|collection)/i.test(error.message) || /[}\]]/.test(error.message)) {
        return unclosedFlow(source, offset, error.message);
      }
      if (/sequence item without/i.test(error.message)) return badIndentation(lines, lineIndex);
      break;
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY': {
      const rest = line.text.slice(offset - line.start);
      if (/:\s/.test(rest) && error.code === 'BLOCK_AS_IMPLICIT_KEY') {
        return {
          offset,
          message: 'unexpected ": " inside a value; put a nested key on its own indented line, or quote the value',
        };
      }
      const next = nextContentLine(lines, lineIndex);
      if (next !== undefined) return badIndentation(lines, next);
      break;
    }
    case 'UNEXPECTED_TOKEN': {
      const char = source.charAt(offset);
      if ('{}[],'.includes(char) && char !== '') {
        return { offset, message: `unexpected "${char}"; quote values that contain {, }, [, ] or ","` };
      }
      break;
    }
    default:
      break;
  }
  return { offset, message: reword(error.message) };
}

function reword(message: string): string {
  const text = message.replace(/\.$/, '');
  return `YAML syntax error: ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}

/** A key that lines up with no mapping: name the keys it could line up with. */
function badIndentation(lines: Line[], lineIndex: number): SyntaxProblem {
  const line = lines[lineIndex] ?? { start: 0, text: '' };
  const indent = leadingSpaces(line.text);
  const key = keyAt(line.text, indent);
  if (/^-[^\s-]/.test(key)) {
    return {
      offset: line.start + indent,
      message: `missing space after "-"; a list item is written "- ${key.slice(1)}"`,
    };
  }
  const { levels, itemColumns } = enclosingLevels(lines, lineIndex);
  const deeper = levels.filter((level) => level.col > indent).sort((a, b) => a.col - b.col)[0];
  const shallower = levels.filter((level) => level.col < indent).sort((a, b) => b.col - a.col)[0];
  const options = [deeper, shallower]
    .filter((level) => level !== undefined)
    .map((level) => `"${level.key}" (column ${level.col + 1})`);
  const alignment = options.length > 0 ? `; line it up with ${options.join(' or ')}` : '';
  const newItem = itemColumns.has(indent) ? ', or start a new list item with "- "' : '';
  return { offset: line.start + indent, message: `bad indentation of "${key}"${alignment}${newItem}` };
}

interface Level {
  col: number;
  key: string;
}

/**
 * The keys of the mappings that enclose a line, found by walking up to ever smaller indentation, and
 * the columns of the list items ("- ") on the way.
 */
function enclosingLevels(lines: Line[], lineIndex: number): { levels: Level[]; itemColumns: Set<number> } {
  const levels: Level[] = [];
  const itemColumns = new Set<number>();
  let limit = Number.POSITIVE_INFINITY;
  for (let index = lineIndex - 1; index >= 0 && limit > 0; index--) {
    const text = lines[index]?.text ?? '';
    if (/^\s*(#|$)/.test(text)) continue;
    let col = leadingSpaces(text);
    const itemStart = col;
    if (text.startsWith('-', col) && col <= limit) itemColumns.add(col);
    while (text.startsWith('- ', col)) col = col + 2 + leadingSpaces(text.slice(col + 2));
    if (col < limit && !text.startsWith('-', col)) {
      levels.push({ col, key: keyAt(text, col) });
      limit = col;
    }
    limit = Math.min(limit, itemStart === col ? limit : itemStart);
  }
  return { levels, itemColumns };
}

function unclosedQuote(source: string, offset: number, message: string): SyntaxProblem {
  const quote = message.includes("'") && !message.includes('"') ? "'" : '"';
  const opening = /(?:^|[:\-[{,]\s*)(["'])/gm;
  let start = offset;
  for (const match of source.slice(0, offset).matchAll(opening)) {
    if (match[1] === quote) start = match.index + match[0].length - 1;
  }
  return { offset: start, message: `unclosed quote: this ${quote} has no closing ${quote}` };
}

function unclosedFlow(source: string, offset: number, message: string): SyntaxProblem {
  const isMap = /map|\}/i.test(message);
  const [open, close] = isMap ? ['{', '}'] : ['[', ']'];
  const start = source.lastIndexOf(open, Math.max(0, offset - 1));
  return { offset: start === -1 ? offset : start, message: `"${open}" is never closed with "${close}"` };
}

function splitLines(source: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  for (const text of source.split('\n')) {
    lines.push({ start, text: text.replace(/\r$/, '') });
    start += text.length + 1;
  }
  return lines;
}

function lineIndexAt(lines: Line[], offset: number): number {
  let index = 0;
  while (index + 1 < lines.length && (lines[index + 1]?.start ?? Number.POSITIVE_INFINITY) <= offset) index++;
  return index;
}

function nextContentLine(lines: Line[], lineIndex: number): number | undefined {
  for (let index = lineIndex + 1; index < lines.length; index++) {
    if (!/^\s*(#|$)/.test(lines[index]?.text ?? '')) return index;
  }
  return undefined;
}

function leadingSpaces(text: string): number {
  return text.length - text.trimStart().length;
}

function keyAt(text: string, col: number): string {
  const match = /^(- )*([^:#]*?)\s*(:(\s|$)|$)/.exec(text.slice(col));
  return (match?.[2] ?? text.slice(col)).trim() || text.trim();
}

/**
 * Runbook templates: `${{ params.<name> }}` and `${{ steps.<id>.outputs.<name> }}`, nothing else.
 * There is deliberately no expression language: a runbook can never make the tool run code.
 */
import { didYouMean } from './suggest.ts';

export type TemplateReference = { kind: 'param'; name: string } | { kind: 'output'; step: string; output: string };

export interface TemplateExpression {
  /** Offset of `${{` in the scanned string. */
  start: number;
  /** Offset just after `}}`. */
  end: number;
  /** The whole expression, `${{ ... }}` included. */
  text: string;
  reference: TemplateReference;
}

export interface TemplateSyntaxError {
  start: number;
  end: number;
  message: string;
}

export interface TemplateScan {
  expressions: TemplateExpression[];
  errors: TemplateSyntaxError[];
}

const OPEN = '${{';
const CLOSE = '}}';
const NAME = '[A-Za-z_][A-Za-z0-9_-]*';
// Looser than a step id, so that a reference to a malformed id reads as an unknown step, with a suggestion.
const STEP_ID = '[A-Za-z0-9_-]+';
const PARAM_EXPRESSION = new RegExp(`^params\\.(${NAME})$`);
const OUTPUT_EXPRESSION = new RegExp(`^steps\\.(${STEP_ID})\\.outputs\\.(${NAME})$`);
const ROOTS = ['params', 'steps'];
const FORMS = '${{ params.<name> }} or ${{ steps.<id>.outputs.<name> }}';

/**
 * Look-alikes from other template languages (`${params.x}`, `{{ params.x }}`, `$(params.x)`), which
 * would otherwise pass through as literal text. Limited to `params.`/`steps.` so that shell
 * variables stay legal.
 */
const LOOKALIKE =
  /\$\{(?!\{)\s*((?:params|steps)\.[^}]*?)\s*\}|(?<!\$)\{\{\s*((?:params|steps)\.[^}]*?)\s*\}\}|\$\(\s*((?:params|steps)\.[^)]*?)\s*\)/g;
/** A whole value that names a param or output but lacks `${{ }}`, like `namespace: params.namespace`. */
const BARE_REFERENCE = new RegExp(`^\\s*(params\\.${NAME}|steps\\.${STEP_ID}\\.outputs\\.${NAME})\\s*$`);

/** JSON Schema pattern: a string that contains a template somewhere. */
export const CONTAINS_TEMPLATE_PATTERN = '\\$\\{\\{';
/** JSON Schema pattern: a string that is exactly one template. */
export const WHOLE_TEMPLATE_PATTERN = '^\\$\\{\\{[^{}]*\\}\\}$';

export function containsTemplate(text: string): boolean {
  return text.includes(OPEN);
}

/** True if the string is one template and nothing else, so it may stand for a non-string value. */
export function isWholeTemplate(text: string): boolean {
  return new RegExp(WHOLE_TEMPLATE_PATTERN).test(text);
}

/** Finds every template in a string, with offsets, and every malformed one. */
export function scanTemplates(text: string): TemplateScan {
  const scan: TemplateScan = { expressions: [], errors: [] };
  for (let start = text.indexOf(OPEN); start !== -1;) {
    const close = text.indexOf(CLOSE, start + OPEN.length);
    if (close === -1) {
      const shown = text.slice(start, start + 40).split('\n')[0];
      scan.errors.push({
        start,
        end: text.length,
        message: `unterminated template "${shown}"; missing "}}"`,
      });
      break;
    }
    const end = close + CLOSE.length;
    const expression = text.slice(start, end);
    const inner = text.slice(start + OPEN.length, close).trim();
    const parsed = parseExpression(inner, expression);
    if ('message' in parsed) scan.errors.push({ start, end, message: parsed.message });
    else scan.expressions.push({ start, end, text: expression, reference: parsed });
    start = text.indexOf(OPEN, end);
  }
  for (const match of text.matchAll(LOOKALIKE)) {
    const inner = match[1] ?? match[2] ?? match[3] ?? '';
    scan.errors.push({
      start: match.index,
      end: match.index + match[0].length,
      message: `"${match[0]}" is not a template; write "\${{ ${inner} }}"`,
    });
  }
  const bare = scan.expressions.length === 0 ? BARE_REFERENCE.exec(text) : null;
  if (bare?.[1] !== undefined) {
    const start = text.indexOf(bare[1]);
    const message = `"${bare[1]}" is not a template; write "\${{ ${bare[1]} }}"`;
    scan.errors.push({ start, end: start + bare[1].length, message });
  }
  scan.errors.sort((a, b) => a.start - b.start);
  return scan;
}

function parseExpression(inner: string, expression: string): TemplateReference | { message: string } {
  // As JSON: an expression left open runs over lines, and a problem is one line.
  const quoted = JSON.stringify(expression);
  if (inner === '') return { message: `empty template ${quoted}; use ${FORMS}` };
  const param = PARAM_EXPRESSION.exec(inner);
  if (param?.[1] !== undefined) return { kind: 'param', name: param[1] };
  const output = OUTPUT_EXPRESSION.exec(inner);
  if (output?.[1] !== undefined && output[2] !== undefined) {
    return { kind: 'output', step: output[1], output: output[2] };
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(inner)) {
    return { message: `unsupported template ${quoted}; only ${FORMS} are allowed` };
  }
  const [root = '', ...rest] = inner.split('.');
  if (!ROOTS.includes(root)) {
    return { message: `unknown template source "${root}" in ${quoted}${didYouMean(root, ROOTS)}` };
  }
  if (root === 'params') return { message: `malformed template ${quoted}; expected \${{ params.<name> }}` };
  if (rest.length >= 2 && rest[1] !== 'outputs') {
    const hint = didYouMean(rest[1] ?? '', ['outputs']) || '; expected "outputs"';
    return { message: `malformed template ${quoted}: "${rest[1]}" after the step id${hint}` };
  }
  return { message: `malformed template ${quoted}; expected \${{ steps.<id>.outputs.<name> }}` };
}

export interface TemplateContext {
  params: Readonly<Record<string, string>>;
  /** Outputs of the steps that have run, by step id. */
  outputs: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** Every reference made by the templates in a value's strings (a step's `with`, a whole step). */
export function templateReferences(value: unknown): TemplateReference[] {
  if (typeof value === 'string') return scanTemplates(value).expressions.map((e) => e.reference);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(templateReferences);
  return [];
}

/**
 * Resolves the templates in one string. A string that is exactly one template yields the referenced
 * value unchanged (a list of node names stays a list); otherwise values are spliced in as text, lists
 * and mappings as JSON. Throws if the string is malformed or refers to something the context lacks.
 */
export function resolveTemplate(text: string, context: TemplateContext): unknown {
  const { expressions, errors } = scanTemplates(text);
  const [firstError] = errors;
  if (firstError) throw new Error(firstError.message);
  const [first] = expressions;
  if (first && expressions.length === 1 && first.start === 0 && first.end === text.length) {
    return lookup(first.reference, context);
  }
  let resolved = '';
  let from = 0;
  for (const expression of expressions) {
    resolved += text.slice(from, expression.start) + asText(lookup(expression.reference, context));
    from = expression.end;
  }
  return resolved + text.slice(from);
}

/** Resolves templates in every string of a value (a step's `with`, for instance). */
export function resolveTemplates(value: unknown, context: TemplateContext): unknown {
  if (typeof value === 'string') return resolveTemplate(value, context);
  if (Array.isArray(value)) return value.map((item) => resolveTemplates(item, context));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveTemplates(v, context)]));
  }
  return value;
}

function lookup(reference: TemplateReference, context: TemplateContext): unknown {
  if (reference.kind === 'param') {
    if (!Object.hasOwn(context.params, reference.name)) throw new Error(`param "${reference.name}" has no value`);
    return context.params[reference.name];
  }
  const outputs = Object.hasOwn(context.outputs, reference.step) ? context.outputs[reference.step] : undefined;
  if (outputs === undefined) throw new Error(`step "${reference.step}" has not run`);
  if (!Object.hasOwn(outputs, reference.output)) {
    throw new Error(`step "${reference.step}" produced no output "${reference.output}"`);
  }
  return outputs[reference.output];
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Label selectors (`app=web,tier!=db`, `env in (prod,staging)`, `!canary`, `rank>2`), parsed as
 * Kubernetes parses them (k8s.io/apimachinery/pkg/labels: Lexer, Parser, NewRequirement), so that
 * `validate` refuses what the API server would refuse, before the run and not in the middle of it.
 *
 * It follows the Go code's grammar and its quirks on purpose (`in`/`notin` are keywords only where an
 * operator may stand, `x=` means "x has the empty value", `()` is the set of the empty value), and
 * differs in one thing: a selector without any requirement is refused, because it selects every
 * object, which no drill step means (`selector: " "` would cordon the whole cluster).
 */
import { labelKeyProblem, labelValueProblem } from './labels.ts';
import type { Syntax } from './syntax.ts';

type TokenKind = 'end' | ')' | ',' | '!' | '==' | '=' | '>' | 'identifier' | 'in' | '<' | '!=' | 'notin' | '(';

interface Token {
  kind: TokenKind;
  text: string;
  /** 0-based offset in the selector. */
  at: number;
}

const SYMBOLS = new Set(['=', '!', '(', ')', ',', '>', '<']);
const TWO_CHARACTER_SYMBOLS = new Set(['==', '!=']);
const KEYWORDS = new Set(['in', 'notin']);
const BINARY_OPERATORS = '=, ==, !=, in, notin, >, <';

class SelectorError extends Error {
  readonly at: number;
  constructor(message: string, at: number) {
    super(message);
    this.at = at;
  }
}

const isWhitespace = (char: string) => char === ' ' || char === '\t' || char === '\r' || char === '\n';

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  for (;;) {
    while (at < text.length && isWhitespace(text.charAt(at))) at++;
    if (at >= text.length) {
      tokens.push({ kind: 'end', text: '', at });
      return tokens;
    }
    const start = at;
    if (SYMBOLS.has(text.charAt(at))) {
      const pair = text.slice(at, at + 2);
      const symbol = TWO_CHARACTER_SYMBOLS.has(pair) ? pair : text.charAt(at);
      at += symbol.length;
      tokens.push({ kind: symbol as TokenKind, text: symbol, at: start });
      continue;
    }
    while (at < text.length && !SYMBOLS.has(text.charAt(at)) && !isWhitespace(text.charAt(at))) at++;
    const word = text.slice(start, at);
    tokens.push({ kind: KEYWORDS.has(word) ? (word as TokenKind) : 'identifier', text: word, at: start });
  }
}

/** Where a value may stand, `in` and `notin` are plain words (Go: the Values parser context). */
type Context = 'operator' | 'values';

class SelectorParser {
  readonly #tokens: Token[];
  #position = 0;

  constructor(text: string) {
    this.#tokens = lex(text);
  }

  #peek(context: Context): Token {
    return asContext(this.#tokens[this.#position] ?? this.#endToken(), context);
  }

  #next(context: Context): Token {
    const token = this.#peek(context);
    this.#position = Math.min(this.#position + 1, this.#tokens.length - 1);
    return token;
  }

  #endToken(): Token {
    return this.#tokens.at(-1) as Token;
  }

  /** The number of requirements; throws a SelectorError at the first problem. */
  parse(): number {
    let requirements = 0;
    for (;;) {
      const token = this.#peek('values');
      if (token.kind === 'end') return requirements;
      if (token.kind !== 'identifier' && token.kind !== '!') {
        throw new SelectorError(`found ${quote(token)}, expected: !, a label key, or the end`, token.at);
      }
      this.#requirement();
      requirements++;
      const after = this.#next('values');
      if (after.kind === 'end') return requirements;
      if (after.kind !== ',') throw new SelectorError(`found ${quote(after)}, expected: "," or the end`, after.at);
      const following = this.#peek('values');
      if (following.kind !== 'identifier' && following.kind !== '!') {
        throw new SelectorError(`found ${quote(following)}, expected: a label key after ","`, following.at);
      }
    }
  }

  #requirement(): void {
    let token = this.#next('values');
    const negated = token.kind === '!';
    if (negated) token = this.#next('values');
    if (token.kind !== 'identifier') throw new SelectorError(`found ${quote(token)}, expected: a label key`, token.at);
    const key = token.text;
    const keyProblem = labelKeyProblem(key);
    if (keyProblem !== undefined) throw new SelectorError(keyProblem, token.at);
    const next = this.#peek('values');
    if (negated || next.kind === 'end' || next.kind === ',') return;

    const operator = this.#next('operator');
    if (operator.kind === 'in' || operator.kind === 'notin') {
      this.#valueSet(key);
    } else if (['=', '==', '!='].includes(operator.kind)) {
      this.#exactValue(key);
    } else if (operator.kind === '>' || operator.kind === '<') {
      const value = this.#exactValue(key);
      if (!isInt64(value.text)) {
        throw new SelectorError(
          `"${operator.text}" compares with an integer, got ${JSON.stringify(value.text)}`,
          value.at,
        );
      }
    } else {
      throw new SelectorError(`found ${quote(operator)}, expected: one of ${BINARY_OPERATORS}`, operator.at);
    }
  }

  /** `(a,b)`; Go's parser reads empty members (`(a,,b)`, `()`) as the empty value. */
  #valueSet(key: string): void {
    const open = this.#next('values');
    if (open.kind !== '(') throw new SelectorError(`found ${quote(open)}, expected: "("`, open.at);
    for (;;) {
      const token = this.#next('values');
      if (token.kind === ')') return;
      if (token.kind === 'identifier') {
        checkValue(key, token);
        const after = this.#peek('values');
        if (after.kind !== ',' && after.kind !== ')') {
          throw new SelectorError(`found ${quote(after)}, expected: "," or ")"`, after.at);
        }
      } else if (token.kind !== ',') {
        throw new SelectorError(`found ${quote(token)}, expected: "," ")" or a value`, token.at);
      }
    }
  }

  /** The value after `=`, `==`, `!=`, `>` or `<`; nothing before a "," or the end is the empty value. */
  #exactValue(key: string): Token {
    const token = this.#peek('values');
    if (token.kind === 'end' || token.kind === ',') return { ...token, text: '' };
    this.#next('values');
    if (token.kind !== 'identifier') throw new SelectorError(`found ${quote(token)}, expected: a value`, token.at);
    checkValue(key, token);
    return token;
  }
}

function asContext(token: Token, context: Context): Token {
  return context === 'values' && (token.kind === 'in' || token.kind === 'notin')
    ? { ...token, kind: 'identifier' }
    : token;
}

function checkValue(key: string, token: Token): void {
  const problem = labelValueProblem(token.text);
  if (problem !== undefined) throw new SelectorError(`${problem} (for key "${key}")`, token.at);
}

function quote(token: Token): string {
  return token.kind === 'end' ? 'the end' : `"${token.text}"`;
}

/** Go's strconv.ParseInt(text, 10, 64). */
function isInt64(text: string): boolean {
  if (!/^[+-]?[0-9]+$/.test(text)) return false;
  const value = BigInt(text);
  return value >= -(2n ** 63n) && value < 2n ** 63n;
}

export const labelSelector: Syntax = {
  name: 'label-selector',
  check(text) {
    try {
      if (new SelectorParser(text).parse() > 0) return undefined;
      return 'has no requirement, so it would select every object; write it like app=web,tier!=db';
    } catch (error) {
      if (!(error instanceof SelectorError)) throw error;
      const where = `character ${error.at + 1} of "${text}"`;
      return `is not a valid label selector: ${error.message} (${where}); write it like app=web,tier!=db`;
    }
  },
};

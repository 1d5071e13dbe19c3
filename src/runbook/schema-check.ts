/**
 * Checks a YAML tree against the runbook JSON Schema and reports every problem at the node that
 * causes it, worded for people.
 *
 * A generic validator is not used for this because its output is made for machines: it stops early,
 * explodes unions into one error per branch, and knows nothing of YAML positions. This walker
 * interprets the keywords listed in json-schema-types.ts, which is all the runbook schema uses, and
 * picks the branch of a union that the value was evidently meant to be.
 */
import { type Document, isAlias, isMap, isScalar, isSeq, type Node, type Pair, Scalar } from 'yaml';
import { DURATION_PATTERN, POSITIVE_DURATION_PATTERN, parseDuration } from './duration.ts';
import type { JsonSchema, JsonType } from './json-schema-types.ts';
import { closest, didYouMean } from './suggest.ts';
import { syntaxProblem } from './syntax/registry.ts';
import { containsTemplate, isWholeTemplate, WHOLE_TEMPLATE_PATTERN } from './template.ts';
import { isTemplateBranch } from './templated-schema.ts';

export type Path = readonly (string | number)[];

/** How the caller names things in messages; the walker knows schemas, not runbooks. */
export interface Vocabulary {
  /** The subject of a value problem: `"replicas"`, `step 2`. */
  value(path: Path): string;
  /** What the members of the mapping at `path` are called and how to refer to the mapping. */
  mapping(path: Path): { member: string; where: string };
  /** The noun for an unknown enum value, when a list of allowed values would be too long. */
  enumNoun(path: Path): string | undefined;
  /** Advice for an unknown key that is known elsewhere, like the sibling it belongs under. */
  unknownKeyHint(path: Path, key: string): { hint: string; belongsUnder?: string };
  /** A string with its templates resolved, when they refer only to params with known values. */
  resolveParams(text: string): string | undefined;
}

export type Report = (anchor: Node, message: string) => void;

interface Where {
  path: Path;
  /** The node problems are reported at: the value, or its key when the value is empty. */
  anchor: Node;
  /** Appended to messages about a value that came from resolving a template. */
  note: string;
  /** Keys the schema of this mapping defines, for keywords (allOf, oneOf) that see only part of it. */
  known?: readonly string[];
}

type YamlValue = Node | null | undefined;

/**
 * Thrown by a probe's report (SchemaChecker's #matches) to stop at the first problem. Not an Error: a
 * probe fails hundreds of times in a runbook, and an Error records the stack each time (6 µs apiece).
 */
class Mismatch {
  readonly probe = 'mismatch';
}

export class SchemaChecker {
  readonly #document: Document;
  readonly #root: JsonSchema;
  readonly #vocabulary: Vocabulary;
  /**
   * Per mapping, keys whose empty or missing value is explained by an unknown key that belongs under
   * them (`with:` followed by under-indented inputs), so that is not reported as well.
   */
  readonly #explainedEmpty = new WeakMap<Node, Set<string>>();
  /** Nesting depth of #matches: messages nobody reads need no hints (which call #matches again). */
  #probing = 0;

  constructor(document: Document, root: JsonSchema, vocabulary: Vocabulary) {
    this.#document = document;
    this.#root = root;
    this.#vocabulary = vocabulary;
  }

  /** Checks the whole document against the root schema. */
  check(report: Report): void {
    const contents = this.#document.contents;
    if (contents === null) return;
    this.#check(contents, this.#root, { path: [], anchor: contents, note: '' }, report);
  }

  /** Whether `value` matches `schema`; it stops at the first problem, since none is reported. */
  #matches(value: YamlValue, schema: JsonSchema, where: Where): boolean {
    let mismatch: Mismatch | undefined;
    this.#probing++;
    try {
      this.#check(value, schema, where, () => {
        mismatch = new Mismatch();
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- see Mismatch
        throw mismatch;
      });
      return true;
    } catch (error) {
      if (mismatch !== undefined && error === mismatch) return false;
      throw error;
    } finally {
      this.#probing--;
    }
  }

  /**
   * A test of one key's value, `{properties: {action: {const: "sleep"}}, required: ["action"]}` (how
   * the schema picks a step's inputs by its action, 21 tests a step), answered by looking the key up
   * instead of walking the mapping: for a mapping whose keys are all strings and that has the key, with
   * a value, which is when the walk's answer is just that comparison. Undefined otherwise, and the walk
   * decides.
   */
  #discriminated(value: YamlValue, test: JsonSchema): boolean | undefined {
    const [key, ...otherKeys] = test.required ?? [];
    const property = key === undefined ? undefined : test.properties?.[key];
    const shaped =
      otherKeys.length === 0 &&
      Object.keys(test).length === 2 &&
      Object.keys(test.properties ?? {}).length === 1 &&
      property !== undefined &&
      Object.keys(property).length === 1 &&
      property.const !== undefined;
    if (!shaped || !isMap(value)) return undefined;
    const values: YamlValue[] = [];
    for (const pair of value.items) {
      if (!isScalar(pair.key) || typeof pair.key.value !== 'string') return undefined;
      if (pair.key.value === key) values.push(pair.value as YamlValue);
    }
    if (values.length === 0 || values.some(isEmpty)) return undefined;
    return values.every((keyValue) => jsValue(this.#deref(keyValue)) === property.const);
  }

  #resolve(schema: JsonSchema): JsonSchema {
    if (schema.$ref === undefined) return schema;
    const prefix = '#/$defs/';
    const target = schema.$ref.startsWith(prefix) ? this.#root.$defs?.[schema.$ref.slice(prefix.length)] : undefined;
    if (target === undefined) throw new Error(`unresolvable $ref ${schema.$ref}`);
    return this.#resolve(target);
  }

  #deref(value: YamlValue): YamlValue {
    return isAlias(value) ? value.resolve(this.#document) : value;
  }

  #check(rawValue: YamlValue, rawSchema: JsonSchema, outerWhere: Where, report: Report): void {
    const value = this.#deref(rawValue);
    const schema = this.#resolve(rawSchema);
    const where = schema.properties ? { ...outerWhere, known: Object.keys(schema.properties) } : outerWhere;

    const type = typeOf(value);
    if (schema.type !== undefined && !isCompatible(type, schema.type)) {
      report(where.anchor, this.#typeMessage(value, schema, where));
      return;
    }
    if (schema.const !== undefined && jsValue(value) !== schema.const) {
      report(where.anchor, this.#constMessage(value, schema.const, where));
      return;
    }
    if (schema.enum && !schema.enum.includes(jsValue(value))) {
      report(where.anchor, this.#enumMessage(value, schema.enum, where));
      return;
    }
    const scalar: unknown = isScalar(value) ? value.value : undefined;
    if (typeof scalar === 'string') this.#checkString(scalar, schema, where, report);
    if (typeof scalar === 'number') this.#checkNumber(scalar, schema, where, report);
    if (isMap(value)) this.#checkMapping(value.items, value, schema, where, report);
    if (isSeq(value)) this.#checkList(value.items as YamlValue[], schema, where, report);

    // Combinators last, so that what the mapping's own keys revealed (see #explainedEmpty) is known.
    for (const part of schema.allOf ?? []) this.#check(value, part, where, report);
    if (schema.if) {
      const matches = this.#discriminated(value, schema.if) ?? this.#matches(value, schema.if, where);
      const branch = matches ? schema.then : schema.else;
      if (branch) this.#check(value, branch, where, report);
    }
    if (schema.anyOf) this.#checkAnyOf(value, schema.anyOf, where, report);
    if (schema.oneOf) this.#checkOneOf(value, schema.oneOf, where, report);
  }

  #checkString(text: string, schema: JsonSchema, where: Where, report: Report): void {
    const subject = (): string => this.#vocabulary.value(where.path) + where.note;
    const constrained =
      schema.pattern !== undefined ||
      schema.format !== undefined ||
      schema.enum !== undefined ||
      schema.const !== undefined;
    if (constrained && containsTemplate(text) && !isTemplateBranch(schema)) {
      report(where.anchor, `templates are not allowed in ${subject()}`);
      return;
    }
    if (schema.minLength !== undefined && text.length < schema.minLength) {
      report(where.anchor, text === '' ? `${subject()} must not be empty` : `${subject()} is too short`);
      return;
    }
    if (schema.maxLength !== undefined && text.length > schema.maxLength) {
      report(where.anchor, `${subject()} must be at most ${schema.maxLength} characters, got ${text.length}`);
      return;
    }
    if (schema.pattern === DURATION_PATTERN || schema.pattern === POSITIVE_DURATION_PATTERN) {
      const duration = parseDuration(text);
      const problem = duration.ok
        ? duration.ms === 0 && schema.pattern === POSITIVE_DURATION_PATTERN && 'must be greater than 0'
        : duration.error;
      if (problem) {
        report(where.anchor, `${subject()} ${problem}`);
        return;
      }
    }
    const syntax = schema.format === undefined ? undefined : syntaxProblem(schema.format, text);
    if (syntax !== undefined) {
      report(where.anchor, `${subject()} ${syntax}`);
      return;
    }
    if (schema.pattern !== undefined && !compiled(schema.pattern).test(text)) {
      const rule = schema.patternErrorMessage ?? `must match the pattern ${schema.pattern}`;
      report(where.anchor, `${subject()} ${rule}, got ${describeActual(text)}`);
    }
  }

  #checkNumber(number: number, schema: JsonSchema, where: Where, report: Report): void {
    const subject = (): string => this.#vocabulary.value(where.path) + where.note;
    if (schema.minimum !== undefined && number < schema.minimum) {
      report(where.anchor, `${subject()} must be at least ${schema.minimum}, got ${number}`);
    } else if (schema.maximum !== undefined && number > schema.maximum) {
      report(where.anchor, `${subject()} must be at most ${schema.maximum}, got ${number}`);
    }
  }

  #checkMapping(pairs: Pair[], mapping: Node, schema: JsonSchema, where: Where, report: Report): void {
    // What the mapping's members are called is needed only for a problem.
    const names = (): { member: string; where: string } => this.#vocabulary.mapping(where.path);
    const entries = pairs.flatMap((pair) => {
      const keyNode = pair.key as YamlValue;
      const key = isScalar(keyNode) ? keyNode.value : undefined;
      const keyAnchor = isScalar(keyNode) ? keyNode : mapping;
      if (typeof key === 'string') return [{ key, keyAnchor, valueNode: pair.value as YamlValue }];
      report(keyAnchor, `keys must be strings, got ${describeActual(jsValue(keyNode))} ${names().where}`);
      return [];
    });
    const patterns = Object.entries(schema.patternProperties ?? {});
    const patternSchemasOf = (key: string) =>
      patterns.filter(([pattern]) => compiled(pattern).test(key)).map(([, patternSchema]) => patternSchema);
    const isDefined = (key: string) => schema.properties?.[key] !== undefined || patternSchemasOf(key).length > 0;

    // Unknown keys first: a misspelt key must not be reported missing as well, and a key that belongs
    // under an empty sibling (`with:` followed by under-indented inputs) explains why it is empty.
    const suggested = new Set<string>();
    const explainedEmpty = this.#explainedEmpty.get(mapping) ?? new Set<string>();
    if (schema.additionalProperties === false) {
      const known = Object.keys(schema.properties ?? {});
      for (const { key, keyAnchor } of entries.filter(({ key }) => !isDefined(key))) {
        const { member, where: inMapping } = names();
        const suggestion = closest(key, known);
        if (suggestion !== undefined) {
          suggested.add(suggestion);
          report(keyAnchor, `unknown ${member} "${key}" ${inMapping}${didYouMean(key, known)}`);
          continue;
        }
        const { hint, belongsUnder } = this.#vocabulary.unknownKeyHint(where.path, key);
        if (belongsUnder !== undefined) {
          explainedEmpty.add(belongsUnder);
          this.#explainedEmpty.set(mapping, explainedEmpty);
        }
        report(keyAnchor, `unknown ${member} "${key}" ${inMapping}${hint}`);
      }
    }

    for (const { key, keyAnchor, valueNode } of entries) {
      const valueWhere: Where = {
        path: [...where.path, key],
        anchor: isEmpty(valueNode) ? keyAnchor : (valueNode as Node),
        note: '',
      };
      if (schema.propertyNames) {
        this.#checkKey(
          key,
          keyAnchor,
          schema.propertyNames,
          () => {
            const { member, where: inMapping } = names();
            return `invalid ${member} name "${key}" ${inMapping}`;
          },
          report,
        );
      }
      if (isEmpty(valueNode) && explainedEmpty.has(key)) continue;
      const propertySchema = schema.properties?.[key];
      if (propertySchema) this.#check(valueNode, propertySchema, valueWhere, report);
      const patternSchemas = patternSchemasOf(key);
      for (const patternSchema of patternSchemas) this.#check(valueNode, patternSchema, valueWhere, report);
      if (!propertySchema && patternSchemas.length === 0 && typeof schema.additionalProperties === 'object') {
        this.#check(valueNode, schema.additionalProperties, valueWhere, report);
      }
    }

    const present = new Set(entries.map(({ key }) => key));
    const isMissing = (key: string) => !present.has(key) && !suggested.has(key) && !explainedEmpty.has(key);
    for (const key of (schema.required ?? []).filter(isMissing)) {
      const { member, where: inMapping } = names();
      report(mapping, `missing required ${member} "${key}" ${inMapping}`);
    }
    for (const [key, dependencies] of Object.entries(schema.dependentRequired ?? {})) {
      if (!present.has(key)) continue;
      for (const dependency of dependencies.filter(isMissing)) {
        const { member, where: inMapping } = names();
        report(mapping, `missing ${member} "${dependency}" ${inMapping}, which "${key}" requires`);
      }
    }
  }

  #checkKey(key: string, anchor: Node, schema: JsonSchema, subject: () => string, report: Report): void {
    if (schema.pattern !== undefined && !compiled(schema.pattern).test(key)) {
      report(anchor, `${subject()}: ${schema.patternErrorMessage ?? `must match ${schema.pattern}`}`);
    }
  }

  #checkList(items: YamlValue[], schema: JsonSchema, where: Where, report: Report): void {
    const subject = (): string => this.#vocabulary.value(where.path);
    if (schema.minItems !== undefined && items.length < schema.minItems) {
      report(where.anchor, items.length === 0 ? `${subject()} must not be empty` : `${subject()} is too short`);
    }
    const seen = new Set<unknown>();
    items.forEach((item, index) => {
      const path = [...where.path, index];
      const itemWhere: Where = { path, anchor: item && !isEmpty(item) ? item : where.anchor, note: '' };
      if (schema.items) this.#check(item, schema.items, itemWhere, report);
      // Only scalars can repeat: a list or mapping item would be converted (deeply) for nothing.
      const scalar = this.#deref(item);
      if (!schema.uniqueItems || !isScalar(scalar)) return;
      if (seen.has(scalar.value)) report(itemWhere.anchor, `${subject()} lists ${describeActual(scalar.value)} twice`);
      seen.add(scalar.value);
    });
  }

  /**
   * A union. A template is accepted by a template branch (and, when it resolves from params alone,
   * its result is checked against the other branches). Otherwise the branch is chosen by the value's
   * type and, for mappings, by which keys it has, so that problems are reported against the branch
   * the author meant rather than as "matches none of".
   */
  #checkAnyOf(value: YamlValue, branches: JsonSchema[], where: Where, report: Report): void {
    const resolvedBranches = branches.map((branch) => this.#resolve(branch));
    const templateBranches = resolvedBranches.filter(isTemplateBranch);
    const valueBranches = resolvedBranches.filter((branch) => !isTemplateBranch(branch));
    const text = isScalar(value) && typeof value.value === 'string' ? value.value : undefined;
    const valueAcceptsText = text !== undefined && valueBranches.some((branch) => this.#matches(value, branch, where));
    if (text !== undefined && containsTemplate(text) && templateBranches.length > 0 && !valueAcceptsText) {
      if (!templateBranches.some((branch) => branch.pattern !== WHOLE_TEMPLATE_PATTERN) && !isWholeTemplate(text)) {
        const subject = this.#vocabulary.value(where.path);
        const expected = describeExpected({ anyOf: valueBranches });
        report(
          where.anchor,
          `${subject} takes ${expected}, so a template must be its whole value, got ${JSON.stringify(text)}`,
        );
        return;
      }
      this.#checkResolvedTemplate(text, valueBranches, where, report);
      return;
    }
    const type = typeOf(value);
    const candidates = valueBranches.filter((branch) => branchAccepts(branch, type));
    const [first] = candidates;
    if (first === undefined) {
      report(where.anchor, this.#typeMessage(value, { anyOf: valueBranches }, where));
      return;
    }
    if (candidates.length === 1 || candidates.some((branch) => this.#matches(value, branch, where))) {
      if (candidates.length === 1) this.#check(value, first, where, report);
      return;
    }
    if (isMap(value)) this.#checkMappingUnion(value.items, value, candidates, where, report);
    else this.#check(value, first, where, report);
  }

  #checkResolvedTemplate(text: string, branches: JsonSchema[], where: Where, report: Report): void {
    const resolved = this.#vocabulary.resolveParams(text);
    if (resolved === undefined || containsTemplate(resolved)) return;
    const value = new Scalar(coerceResolvedTemplate(resolved, { anyOf: branches }));
    this.#check(value, { anyOf: branches }, { ...where, note: ` (from "${text}")` }, report);
  }

  /** Mappings told apart by their keys, like `{prometheus: ...}` and `{http: ...}`. */
  #checkMappingUnion(pairs: Pair[], mapping: Node, branches: JsonSchema[], where: Where, report: Report): void {
    const keys = pairs.map((pair) => (isScalar(pair.key) ? String(pair.key.value) : ''));
    const overlap = (branch: JsonSchema) => keys.filter((key) => key in (branch.properties ?? {})).length;
    const best = branches.reduce((a, b) => (overlap(b) > overlap(a) ? b : a));
    if (overlap(best) > 0) {
      this.#check(mapping, best, where, report);
      return;
    }
    const discriminators = branches.flatMap((branch) => branch.required ?? []);
    const { member, where: inMapping } = this.#vocabulary.mapping(where.path);
    const choices = discriminators.map((key) => `"${key}"`).join(' or ');
    const [firstPair] = pairs;
    if (firstPair === undefined || !isScalar(firstPair.key)) {
      report(mapping, `missing ${choices} ${inMapping}`);
      return;
    }
    const key = String(firstPair.key.value);
    const suggestion = closest(key, discriminators);
    const advice = suggestion === undefined ? `; expected ${choices}` : `; did you mean "${suggestion}"?`;
    report(firstPair.key, `unknown ${member} "${key}" ${inMapping}${advice}`);
  }

  /**
   * `oneOf` as the runbook schema uses it: branches that each only require a key, meaning "exactly
   * one of these keys". Any other `oneOf` is checked as "at least one branch matches".
   */
  #checkOneOf(value: YamlValue, branches: JsonSchema[], where: Where, report: Report): void {
    const keySets = branches.map((branch) =>
      Object.keys(branch).length === 1 && branch.required ? branch.required : undefined,
    );
    if (!isMap(value) || keySets.some((keys) => keys === undefined)) {
      if (!branches.some((branch) => this.#matches(value, branch, where)))
        this.#checkAnyOf(value, branches, where, report);
      return;
    }
    const presentKeys = value.items.flatMap((pair) => (isScalar(pair.key) ? [String(pair.key.value)] : []));
    const alternatives = keySets.flatMap((keys) => keys ?? []);
    const used = alternatives.filter((key) => presentKeys.includes(key));
    const { member, where: inMapping } = this.#vocabulary.mapping(where.path);
    if (used.length === 0) {
      // A misspelt alternative (`selctor`) is already reported as an unknown key with a suggestion.
      const misspelt = presentKeys.some(
        (key) => !where.known?.includes(key) && closest(key, alternatives) !== undefined,
      );
      if (!misspelt) {
        const choices = alternatives.map((key) => `"${key}"`).join(' or ');
        report(value, `missing required ${member} ${choices} ${inMapping}`);
      }
      return;
    }
    for (const extra of used.slice(1)) {
      const pair = value.items.find((item) => isScalar(item.key) && item.key.value === extra);
      const anchor = isScalar(pair?.key) ? pair.key : value;
      report(anchor, `"${extra}" cannot be used together with "${used[0]}" ${inMapping}; use one of them`);
    }
  }

  #typeMessage(value: YamlValue, schema: JsonSchema, where: Where): string {
    const subject = this.#vocabulary.value(where.path) + where.note;
    const expected = describeExpected(schema);
    if (isEmpty(value)) return `${subject} is empty; expected ${expected}`;
    const actual = jsValue(value);
    if (typeof actual === 'number' && isDuration(schema)) {
      const duration = parseDuration(String(actual));
      if (!duration.ok) return `${subject} ${duration.error}`;
    }
    const hint = this.#quotingHint(value, schema, where);
    return `${subject} must be ${expected}, got ${describeActual(actual)}${hint}`;
  }

  /** `name: 42` is a number and `replicas: "3"` a string to YAML; say so when that is the mistake. */
  #quotingHint(value: YamlValue, schema: JsonSchema, where: Where): string {
    if (this.#probing > 0) return '';
    if (!isScalar(value)) return schema.type === 'array' && isMap(value) ? '; start each item with "- "' : '';
    const actual = value.value;
    if (typeof actual === 'number' || typeof actual === 'boolean') {
      const text = value.source ?? String(actual);
      return this.#matches(new Scalar(text), schema, where) ? `; quote it to make it a string: "${text}"` : '';
    }
    if (typeof actual === 'string' && value.type !== 'PLAIN') {
      const unquoted = coerceResolvedTemplate(actual, schema);
      return unquoted !== actual && this.#matches(new Scalar(unquoted), schema, where) ? '; remove the quotes' : '';
    }
    return '';
  }

  #constMessage(value: YamlValue, expected: unknown, where: Where): string {
    const subject = this.#vocabulary.value(where.path) + where.note;
    return `${subject} must be ${JSON.stringify(expected)}, got ${describeActual(jsValue(value))}`;
  }

  #enumMessage(value: YamlValue, allowed: unknown[], where: Where): string {
    const actual = jsValue(value);
    const names = allowed.map(String);
    const advice = typeof actual === 'string' ? didYouMean(actual, names) : '';
    const noun = this.#vocabulary.enumNoun(where.path);
    if (noun !== undefined) return `unknown ${noun} ${describeActual(actual)}${advice}`;
    const subject = this.#vocabulary.value(where.path) + where.note;
    return `${subject} must be one of ${names.join(', ')}, got ${describeActual(actual)}${advice}`;
  }
}

/**
 * Turns the text a template resolved to into the value it stands for, given the schema of the input:
 * `"3"` becomes 3 for an integer input, `"true"` becomes true for a boolean one; the runtime resolves
 * inputs the same way.
 */
export function coerceResolvedTemplate(text: string, schema: JsonSchema): unknown {
  if ((acceptsType(schema, 'number') || acceptsType(schema, 'integer')) && /^-?[0-9]+(\.[0-9]+)?$/.test(text)) {
    return Number(text);
  }
  if (acceptsType(schema, 'boolean') && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

function acceptsType(schema: JsonSchema, type: JsonType): boolean {
  if (schema.anyOf) return schema.anyOf.some((branch) => acceptsType(branch, type));
  return schema.type === type || (type === 'integer' && schema.type === 'number');
}

function isDuration(schema: JsonSchema): boolean {
  if (schema.anyOf) return schema.anyOf.some(isDuration);
  return schema.pattern === DURATION_PATTERN || schema.pattern === POSITIVE_DURATION_PATTERN;
}

/** The schema's few patterns, compiled once: validation runs them for every value and key. */
const compiledPatterns = new Map<string, RegExp>();
function compiled(pattern: string): RegExp {
  let regExp = compiledPatterns.get(pattern);
  if (regExp === undefined) {
    regExp = new RegExp(pattern, 'u');
    compiledPatterns.set(pattern, regExp);
  }
  return regExp;
}

function typeOf(value: YamlValue): JsonType {
  if (isMap(value)) return 'object';
  if (isSeq(value)) return 'array';
  const actual = jsValue(value);
  if (actual === null || actual === undefined) return 'null';
  if (typeof actual === 'boolean') return 'boolean';
  if (typeof actual === 'number') return Number.isInteger(actual) ? 'integer' : 'number';
  return 'string';
}

function isCompatible(actual: JsonType, expected: JsonType): boolean {
  return actual === expected || (actual === 'integer' && expected === 'number');
}

function branchAccepts(branch: JsonSchema, type: JsonType): boolean {
  if (branch.anyOf) return branch.anyOf.some((inner) => branchAccepts(inner, type));
  if (branch.type !== undefined) return isCompatible(type, branch.type);
  const values = branch.enum ?? (branch.const === undefined ? undefined : [branch.const]);
  if (values) return values.some((value) => typeOf(new Scalar(value)) === type);
  return true;
}

function isEmpty(value: YamlValue): boolean {
  return value === null || value === undefined || (isScalar(value) && value.value === null && value.source === '');
}

function jsValue(value: YamlValue): unknown {
  if (isScalar(value)) return value.value;
  if (isMap(value) || isSeq(value)) return value.toJSON();
  return null;
}

/** How a value reads in a message: `"3"`, `3`, `true`, `a mapping`. */
function describeActual(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return `"${shown.replaceAll('\n', '\\n')}"`;
  }
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

/** How a schema reads in a message: `an integer`, `a duration like 30s`, `true or false`. */
function describeExpected(schema: JsonSchema): string {
  if (schema.anyOf) {
    const phrases = schema.anyOf.filter((branch) => !isTemplateBranch(branch)).map(describeExpected);
    return [...new Set(phrases)].join(' or ');
  }
  if (schema.enum) return `one of ${schema.enum.map(String).join(', ')}`;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (isDuration(schema)) return 'a duration like 30s or 10m';
  switch (schema.type) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'boolean':
      return 'true or false';
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'null':
      return 'null';
    case 'string':
      return 'a string';
    default:
      return 'a value';
  }
}

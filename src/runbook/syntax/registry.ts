/**
 * Every syntax an input can have, by its `format` name. Registering them with TypeBox as well makes
 * its validator (the last word in validate.ts, and the run-time check of resolved inputs) accept
 * exactly what the walker's messages accept.
 */
import Format from 'typebox/format';
import { httpUrl } from './http-url.ts';
import { jsonPath } from './jsonpath.ts';
import { labelKey } from './label-key.ts';
import { labelSelector } from './label-selector.ts';
import { labelValue } from './label-value.ts';
import type { Syntax } from './syntax.ts';

const syntaxes: readonly Syntax[] = [labelSelector, labelKey, labelValue, jsonPath, httpUrl];

const byName = new Map(syntaxes.map((syntax) => [syntax.name, syntax]));
for (const syntax of syntaxes) Format.Set(syntax.name, (text) => syntax.check(text) === undefined);

/** What is wrong with `text` in the syntax named `format`; undefined if nothing is, or if the format is not ours. */
export function syntaxProblem(format: string, text: string): string | undefined {
  return byName.get(format)?.check(text);
}

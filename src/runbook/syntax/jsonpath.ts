/**
 * A JSONPath in kubectl's dialect, as far as our waits evaluate it: the parser is the one k8s.wait
 * runs (src/kube/conditions.ts), so `validate` accepts exactly what a wait can use, and says so for
 * what kubectl has but our waits do not (slices, recursive descent).
 */
import { JsonPathError, parseJsonPath } from '../../kube/conditions.ts';
import type { Syntax } from './syntax.ts';

export const jsonPath: Syntax = {
  name: 'jsonpath',
  check(text) {
    try {
      parseJsonPath(text);
      return undefined;
    } catch (error) {
      if (error instanceof JsonPathError) return `is not a JSONPath a wait can use: ${error.message}`;
      throw error;
    }
  },
};

/** A label value on its own, like `region: eu-west`, which ends up on the right of a selector's `=`. */
import { labelValueProblem } from './labels.ts';
import type { Syntax } from './syntax.ts';

export const labelValue: Syntax = {
  name: 'label-value',
  check(text) {
    const problem = labelValueProblem(text);
    return problem === undefined ? undefined : `is not a valid label value: ${problem}`;
  },
};

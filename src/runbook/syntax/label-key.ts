/** A label key on its own, like `regionLabel: topology.kubernetes.io/region`. */
import { labelKeyProblem } from './labels.ts';
import type { Syntax } from './syntax.ts';

export const labelKey: Syntax = {
  name: 'label-key',
  check(text) {
    const problem = labelKeyProblem(text);
    return problem === undefined ? undefined : `is not a valid label key: ${problem}`;
  },
};

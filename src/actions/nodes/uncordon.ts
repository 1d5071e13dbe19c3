import Type from 'typebox';
import { exactlyOneOf } from '../../runbook/inputs.ts';
import { defineAction } from '../action.ts';
import { nodeSetInputs, schedulingAction } from './node-set.ts';

export default defineAction({
  name: 'nodes.uncordon',
  summary: 'Mark nodes schedulable again.',
  mutating: true,
  input: Type.Object(
    {
      ...nodeSetInputs,
      all: Type.Optional(
        Type.Boolean({
          default: false,
          description:
            'Uncordon every selected node. By default only the nodes this run cordoned are uncordoned, so a node ' +
            'that was cordoned before the drill stays cordoned after it.',
        }),
      ),
    },
    {
      additionalProperties: false,
      ...exactlyOneOf('selector', 'nodes'),
      examples: [{ selector: 'topology.kubernetes.io/zone=eu-west-a' }],
    },
  ),
  ...schedulingAction(false),
  outputs: {
    nodes: 'Names of the selected nodes.',
    changed: 'Names of the nodes that were uncordoned.',
  },
});

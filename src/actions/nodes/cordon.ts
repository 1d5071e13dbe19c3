import Type from 'typebox';
import { exactlyOneOf } from '../../runbook/inputs.ts';
import { defineAction } from '../action.ts';
import { nodeSetInputs, schedulingAction } from './node-set.ts';

export default defineAction({
  name: 'nodes.cordon',
  summary: 'Mark nodes unschedulable so that no new pods land on them.',
  mutating: true,
  input: Type.Object(nodeSetInputs, {
    additionalProperties: false,
    ...exactlyOneOf('selector', 'nodes'),
    examples: [{ selector: 'topology.kubernetes.io/zone=eu-west-a' }],
  }),
  ...schedulingAction(true),
  outputs: {
    nodes: 'Names of the selected nodes.',
    changed: 'Names of the nodes that were cordoned (not already cordoned).',
  },
});

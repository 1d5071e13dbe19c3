import Type from 'typebox';
import { exactlyOneOf } from '../../runbook/inputs.ts';
import { defineAction } from '../action.ts';
import { nodeSetInputs, schedulingAction } from './node-set.ts';

export default defineAction({
  name: 'nodes.uncordon',
  summary: 'Mark nodes schedulable again.',
  mutating: true,
  input: Type.Object(nodeSetInputs, { additionalProperties: false, ...exactlyOneOf('selector', 'nodes') }),
  ...schedulingAction(false),
  outputs: { nodes: 'Names of the nodes that were uncordoned.' },
});

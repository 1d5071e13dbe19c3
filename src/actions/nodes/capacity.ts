// nodes.capacity: before a zone or region is emptied, whether the nodes that stay can take its
// pods (kube/capacity.ts says how that is judged). It changes nothing, so it can open a runbook
// and stop it (onFailure: abort) before the first cordon.
import Type from 'typebox';
import { checkCapacity, describeAmounts, type CapacityCheck } from '../../kube/capacity.ts';
import { selectNodes } from '../../kube/nodes.ts';
import { defaultOf, exactlyOneOf } from '../../runbook/inputs.ts';
import { defineAction } from '../action.ts';
import { describeNodes, nodeSetInputs, readNodes } from './node-set.ts';

const headroomInput = Type.Number({
  minimum: 0,
  exclusiveMaximum: 1,
  default: 0,
  description:
    "Share of the surviving nodes' allocatable that must still be free after the move: 0.2 keeps 20% spare for surges.",
});

function verdict(check: CapacityCheck): string {
  return (
    `needs ${describeAmounts(check.needed)}; ${check.surviving.length} surviving nodes have ${describeAmounts(check.free)} free` +
    (check.reserved.cpu > 0 ? ` (of which ${describeAmounts(check.reserved)} must stay free)` : '')
  );
}

export default defineAction({
  name: 'nodes.capacity',
  summary: 'Check that the other schedulable nodes have room (requests vs allocatable) for the pods of these nodes.',
  mutating: false,
  input: Type.Object(
    { ...nodeSetInputs, headroom: Type.Optional(headroomInput) },
    {
      additionalProperties: false,
      ...exactlyOneOf('selector', 'nodes'),
      examples: [{ selector: 'topology.kubernetes.io/zone=eu-west-a', headroom: 0.2 }],
    },
  ),
  outputs: {
    needed: '{ cpu, memory, pods }: requests of the pods that would move (cores, bytes, count).',
    free: '{ cpu, memory, pods }: allocatable less requests on the surviving nodes.',
    surviving: 'Names of the nodes that stay schedulable and Ready.',
  },
  permissions: () => [readNodes, { verb: 'list', group: '', resource: 'pods' }],
  plan: async (input, context) => {
    const cluster = await context.cluster();
    const leaving = await selectNodes(cluster, input);
    const check = await checkCapacity(cluster, leaving, input.headroom ?? defaultOf(headroomInput));
    return {
      summary: `check room for the pods of ${leaving.length} nodes (${describeNodes(leaving)}): ${verdict(check)}`,
      warnings: check.short.map((r) => `not enough ${r}: the check would fail`),
    };
  },
  execute: async (input, context) => {
    const cluster = await context.cluster();
    const leaving = await selectNodes(cluster, input);
    const check = await checkCapacity(cluster, leaving, input.headroom ?? defaultOf(headroomInput));
    if (check.short.length > 0) {
      throw new Error(`not enough room for ${check.short.join(', ')}: ${verdict(check)}`);
    }
    context.progress(verdict(check));
    return { outputs: { needed: check.needed, free: check.free, surviving: check.surviving } };
  },
});

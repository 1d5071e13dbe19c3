// The `patch` strategy's inputs, read as options of src/kube/traffic/patch.ts: any JSON or merge
// patch of any object, for drains no other strategy knows (a GSLB's weights, an Istio
// VirtualService). Without the drain's record, restore needs the runbook's reversePatch.
import Type from 'typebox';
import { groupOf, guessResource } from '../../../kube/objects.ts';
import { drainByPatch, type PatchRestore, patchBody, restorePatch } from '../../../kube/traffic/patch.ts';
import { ApiVersion, defaultOf, Kind, Namespace, ObjectName } from '../../../runbook/inputs.ts';
import { namespaceOf, notARecord, type StrategyInput, type TrafficStrategy, verbs } from './strategy.ts';

const patchInput = (description: string) =>
  Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Array(Type.Unknown()), Type.String({ minLength: 1 })], {
    description,
  });

const inputs = {
  target: Type.Optional(
    Type.Object(
      {
        apiVersion: ApiVersion(),
        kind: Kind(),
        name: ObjectName({ description: 'Name of the object.' }),
        namespace: Type.Optional(Namespace("Namespace of the object; defaults to the step's namespace.")),
      },
      { additionalProperties: false, description: '`patch`: the object to patch.' },
    ),
  ),
  type: Type.Optional(
    Type.Enum(['json', 'merge'], {
      default: 'merge',
      description: '`patch`: the patch type, `json` (RFC 6902) or `merge` (RFC 7386).',
    }),
  ),
  patch: Type.Optional(patchInput('`patch`: the patch, as a mapping, a list of JSON patch operations, or YAML text.')),
  reversePatch: Type.Optional(
    patchInput('`patch`: the patch that undoes it; default: computed from the object before the patch.'),
  ),
};

type Input = StrategyInput<typeof inputs>;

const typeOf = (input: Input) => input.type ?? defaultOf(inputs.type);

export const patch: TrafficStrategy<typeof inputs, PatchRestore> = {
  summary: 'any patch of any object',
  inputs,
  requires: ['target', 'patch'],
  describe: (input) => `${typeOf(input)} patch of ${input.target?.kind} ${input.target?.name}`,
  permissions: (input, namespace) => {
    const target = input.target;
    if (!target) return [];
    return verbs(['get', 'patch'], {
      group: groupOf(target.apiVersion),
      resource: guessResource(target.kind),
      namespace: target.namespace ?? namespace,
      name: target.name,
    });
  },
  drain: (cluster, input, context) => {
    if (!input.target || input.patch === undefined) throw new Error('the patch strategy needs target and patch');
    return drainByPatch(
      cluster,
      {
        target: input.target,
        namespace: namespaceOf(input, cluster),
        type: typeOf(input),
        patch: input.patch,
        reversePatch: input.reversePatch,
      },
      context,
    );
  },
  changed: ({ target }) => [`patched ${target.kind} ${target.namespace ? `${target.namespace}/` : ''}${target.name}`],
  parse: (record) => {
    if (typeof record.target !== 'object' || record.target === null) notARecord('target is missing');
    if (record.type !== 'json' && record.type !== 'merge') notARecord('type must be json or merge');
    return record as unknown as PatchRestore;
  },
  restore: restorePatch,
  restoreFromInputs: (cluster, input, context) => {
    if (!input.target || input.reversePatch === undefined) {
      throw new Error(
        "restoring a patch needs the drain's record (restore: ${{ steps.<id>.outputs.restore }}) or reversePatch",
      );
    }
    const type = typeOf(input);
    return restorePatch(
      cluster,
      {
        strategy: 'patch',
        target: { ...input.target, namespace: input.target.namespace ?? namespaceOf(input, cluster) },
        type,
        patch: patchBody(input.reversePatch, type, 'the reverse patch'),
      },
      context,
    );
  },
};

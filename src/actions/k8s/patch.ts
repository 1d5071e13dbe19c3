import Type, { type Static } from 'typebox';
import type { Permission } from '../../kube/access.ts';
import type { Cluster } from '../../kube/cluster.ts';
import { recordedPatch } from '../../kube/changes.ts';
import { apiErrorMessage } from '../../kube/errors.ts';
import {
  apiRequest,
  describeObject,
  getObject,
  groupOf,
  guessResource,
  parseYaml,
  type ResolvedObject,
  resolveObject,
} from '../../kube/objects.ts';
import { defineAction } from '../action.ts';
import { objectReferenceInputs } from './object-ref.ts';

const patchInput = Type.Object(
  {
    ...objectReferenceInputs,
    type: Type.Optional(
      Type.Enum(['json', 'merge', 'strategic'], {
        default: 'strategic',
        description: 'Patch type: `json` (RFC 6902), `merge` (RFC 7386) or `strategic` merge.',
      }),
    ),
    patch: Type.Union(
      [Type.Record(Type.String(), Type.Unknown()), Type.Array(Type.Unknown()), Type.String({ minLength: 1 })],
      {
        description: 'The patch: a mapping, a list of JSON patch operations, or the same as a YAML/JSON string.',
      },
    ),
  },
  {
    additionalProperties: false,
    // A JSON patch is a list of operations; a mapping is only meaningful for merge patches.
    if: { properties: { type: { const: 'json' } }, required: ['type'] },
    then: { properties: { patch: { anyOf: [{ type: 'array' }, { type: 'string' }] } } },
    examples: [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'feature-flags',
        namespace: 'shop',
        type: 'merge',
        patch: { data: { checkout: 'off' } },
      },
    ],
  },
);

type PatchInput = Static<typeof patchInput>;
type PatchType = NonNullable<PatchInput['type']>;

const STRATEGIES = { json: 'JsonPatch', merge: 'MergePatch', strategic: 'StrategicMergePatch' } as const;
const NAMES = { json: 'JSON patch', merge: 'merge patch', strategic: 'strategic-merge patch' } as const;

export default defineAction({
  name: 'k8s.patch',
  summary: 'Patch one object, like `kubectl patch`.',
  mutating: true,
  input: patchInput,
  outputs: { resourceVersion: 'resourceVersion of the object after the patch.' },
  plan: async (input, context) => {
    const cluster = await context.cluster();
    const object = await resolveObject(cluster, input, cluster.namespace);
    const type = input.type ?? 'strategic';
    const summary = `${NAMES[type]} of ${describeObject(object)}`;
    if (!(await getObject(cluster, object))) return { summary, warnings: [`${describeObject(object)} does not exist`] };
    // The server checks the patch without applying it, so a plan shows a patch that cannot work.
    try {
      await sendPatch(cluster, object, type, patchBody(input.patch, type), { dryRun: 'All' });
      return { summary };
    } catch (error) {
      return { summary, warnings: [`the server would reject the patch: ${apiErrorMessage(error)}`] };
    }
  },
  permissions: (input, namespace) =>
    ['get', 'patch'].map((verb): Permission => ({
      verb,
      group: groupOf(input.apiVersion),
      resource: guessResource(input.kind),
      namespace: input.namespace ?? namespace,
      name: input.name,
    })),
  execute: async (input, context) => {
    const cluster = await context.cluster();
    const object = await resolveObject(cluster, input, cluster.namespace);
    const type = input.type ?? 'strategic';
    const body = patchBody(input.patch, type);
    const contentType = cluster.lib.PatchStrategy[STRATEGIES[type]];
    const patched = await recordedPatch(
      cluster,
      object,
      object.path,
      { contentType, body },
      context.record,
      context.signal,
    ).catch((error: unknown) => {
      context.signal.throwIfAborted();
      throw new Error(`patching ${describeObject(object)}: ${apiErrorMessage(error)}`, { cause: error });
    });
    const resourceVersion = patched.object.metadata?.resourceVersion;
    context.progress(`patched ${describeObject(object)}`, { resourceVersion });
    return { outputs: { resourceVersion } };
  },
});

async function sendPatch(
  cluster: Cluster,
  object: ResolvedObject,
  type: PatchType,
  body: unknown,
  query: Record<string, string>,
) {
  const contentType = cluster.lib.PatchStrategy[STRATEGIES[type]];
  return (await apiRequest(cluster, 'PATCH', object.path, { query, contentType, body })).object;
}

/** The patch as data: a string is read as YAML (so JSON too); its shape must suit the patch type. */
function patchBody(patch: PatchInput['patch'], type: PatchType): unknown {
  const body = typeof patch === 'string' ? parseYaml(patch, 'the patch') : patch;
  if (type === 'json' && !Array.isArray(body)) {
    throw new Error('a JSON patch is a list of operations, like [{op: replace, path: /spec/replicas, value: 3}]');
  }
  if (type !== 'json' && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    throw new Error(`a ${NAMES[type]} is a mapping of the fields to change`);
  }
  return body;
}

import Type, { type Static } from 'typebox';
import type { Permission } from '../../kube/access.ts';
import type { Cluster } from '../../kube/cluster.ts';
import { apiErrorMessage } from '../../kube/errors.ts';
import {
  checkEach,
  describeObject,
  getObject,
  groupOf,
  guessResource,
  objectKey,
  parseManifests,
  readinessCheck,
  type ResolvedObject,
  resolveManifests,
  serverSideApply,
  waitForObjects,
} from '../../kube/objects.ts';
import { exactlyOneOf, Namespace, WaitTimeout } from '../../runbook/inputs.ts';
import { defineAction, type ExecuteContext, waitLimitMs } from '../action.ts';
import { manifestInputs, manifestText, manifestTextNow } from '../manifest-source.ts';

/** Objects named one by one in a plan's summary; more are counted. */
const SUMMARY_OBJECTS = 3;

const applyInput = Type.Object(
  {
    ...manifestInputs,
    namespace: Type.Optional(Namespace('Namespace for objects that do not name one.')),
    wait: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Wait until applied workloads have rolled out and applied Jobs have completed.',
      }),
    ),
    timeout: WaitTimeout('the applied objects'),
  },
  {
    additionalProperties: false,
    ...exactlyOneOf('manifest', 'file'),
    examples: [
      {
        manifest: [
          'apiVersion: v1',
          'kind: ConfigMap',
          'metadata: { name: maintenance }',
          'data: { message: "Back soon" }',
        ].join('\n'),
        namespace: 'shop',
      },
    ],
  },
);

export default defineAction({
  name: 'k8s.apply',
  summary: 'Apply manifests with server-side apply, like `kubectl apply --server-side`.',
  mutating: true,
  input: applyInput,
  outputs: { objects: 'Applied objects, as kind/namespace/name.' },
  plan: async (input, context) => {
    const cluster = await context.cluster();
    const objects = await manifestObjects(cluster, input, await manifestText(input, context.runbookDir));
    const changes = await Promise.all(
      objects.map(async ({ object }) => ({ object, exists: (await getObject(cluster, object)) !== undefined })),
    );
    const lines = changes.map(({ object, exists }) => `${exists ? 'configure' : 'create'} ${describeObject(object)}`);
    const created = changes.filter(({ exists }) => !exists).length;
    const summary =
      lines.length <= SUMMARY_OBJECTS
        ? lines.join(', ')
        : `apply ${lines.length} objects: ${created} to create, ${lines.length - created} to configure`;
    const waits = input.wait ? objects.filter(({ object }) => readinessCheck(object.apiVersion, object.kind)) : [];
    return {
      summary,
      details: [...lines, ...waits.map(({ object }) => `then wait until ${describeObject(object)} is ready`)],
    };
  },
  permissions: (input, namespace, runbookDir) =>
    parseManifests(manifestTextNow(input, runbookDir ?? '.')).flatMap((manifest) => {
      const target = {
        group: groupOf(manifest.apiVersion),
        resource: guessResource(manifest.kind),
        namespace: manifest.metadata.namespace ?? input.namespace ?? namespace,
      };
      const waits = input.wait && readinessCheck(manifest.apiVersion, manifest.kind) ? ['list', 'watch'] : [];
      return [
        ...['get', 'create', 'patch'].map((verb): Permission => ({ verb, ...target, name: manifest.metadata.name })),
        ...waits.map((verb): Permission => ({ verb, ...target })),
      ];
    }),
  execute: async (input, context) => {
    const cluster = await context.cluster();
    const objects = await manifestObjects(cluster, input, await manifestText(input, context.runbookDir));
    for (const { object, body } of objects) {
      try {
        const { created } = await serverSideApply(cluster, object, body, context.record, context.signal);
        context.progress(`${created ? 'created' : 'configured'} ${describeObject(object)}`, {
          object: objectKey(object),
          created,
        });
      } catch (error) {
        context.signal.throwIfAborted();
        throw new Error(`applying ${describeObject(object)}: ${apiErrorMessage(error)}`, { cause: error });
      }
    }
    if (input.wait) await waitUntilReady(cluster, input, objects, context);
    return { outputs: { objects: objects.map(({ object }) => objectKey(object)) } };
  },
});

type ApplyInput = Static<typeof applyInput>;

function manifestObjects(cluster: Cluster, input: ApplyInput, text: string) {
  return resolveManifests(cluster, parseManifests(text), input.namespace ?? cluster.namespace);
}

/**
 * Waits, all at once, for the applied objects whose kinds have a notion of ready: Deployments,
 * StatefulSets and DaemonSets rolled out, Jobs complete. Other objects are ready once applied.
 */
async function waitUntilReady(
  cluster: Cluster,
  input: ApplyInput,
  objects: readonly { object: ResolvedObject }[],
  context: ExecuteContext,
): Promise<void> {
  const limitMs = waitLimitMs(input.timeout, context.timeoutMs);
  // The first wait to fail fails the step: the others stop watching then.
  const done = new AbortController();
  const signal = AbortSignal.any([context.signal, done.signal]);
  try {
    await Promise.all(
      objects.map(async ({ object }) => {
        const check = readinessCheck(object.apiVersion, object.kind);
        if (!check) return;
        const { apiVersion, kind, namespace, name } = object;
        await waitForObjects(cluster, {
          what: `${describeObject(object)} to be ready`,
          query: { apiVersion, kind, namespace, fieldSelector: `metadata.name=${name}` },
          check: checkEach(check, `${name} not found`),
          limitMs,
          signal,
          // `seen` starts with the object's name.
          onChange: (seen) => context.progress(`${kind} ${seen}`, { object: objectKey(object) }),
        });
      }),
    );
  } finally {
    done.abort();
  }
}

import Type from 'typebox';
import type { Permission } from '../../kube/access.ts';
import { apiErrorMessage, isConflict, isNotFound } from '../../kube/errors.ts';
import {
  apiRequest,
  checkDeleted,
  describeObject,
  getObject,
  groupOf,
  guessResource,
  resolveObject,
  waitForObjects,
} from '../../kube/objects.ts';
import { WaitTimeout } from '../../runbook/inputs.ts';
import { defineAction, waitLimitMs } from '../action.ts';
import { objectReferenceInputs } from './object-ref.ts';

export default defineAction({
  name: 'k8s.delete',
  summary: 'Delete one object and wait until it is gone.',
  mutating: true,
  input: Type.Object(
    {
      ...objectReferenceInputs,
      ignoreNotFound: Type.Optional(
        Type.Boolean({ default: false, description: 'Succeed if the object does not exist.' }),
      ),
      wait: Type.Optional(
        Type.Boolean({ default: true, description: 'Wait until the object is gone (finalizers done).' }),
      ),
      timeout: WaitTimeout('the deletion'),
    },
    {
      additionalProperties: false,
      examples: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'feature-flags', namespace: 'shop', wait: true }],
    },
  ),
  outputs: {},
  plan: async (input, context) => {
    const cluster = await context.cluster();
    const object = await resolveObject(cluster, input, cluster.namespace);
    const current = await getObject(cluster, object);
    if (!current) {
      return input.ignoreNotFound
        ? { summary: `nothing to delete: ${describeObject(object)} does not exist` }
        : { summary: `delete ${describeObject(object)}`, warnings: [`${describeObject(object)} does not exist`] };
    }
    const finalizers = current.metadata?.finalizers ?? [];
    return {
      summary: `delete ${describeObject(object)}`,
      details: [
        ...(current.metadata?.deletionTimestamp ? ['it is already being deleted'] : []),
        ...(finalizers.length > 0 ? [`its finalizers must finish first: ${finalizers.join(', ')}`] : []),
      ],
    };
  },
  permissions: (input, namespace) => {
    const target = {
      group: groupOf(input.apiVersion),
      resource: guessResource(input.kind),
      namespace: input.namespace ?? namespace,
    };
    return [
      ...['get', 'delete'].map((verb): Permission => ({ verb, ...target, name: input.name })),
      ...(input.wait === false ? [] : ['list', 'watch'].map((verb): Permission => ({ verb, ...target }))),
    ];
  },
  execute: async (input, context) => {
    const cluster = await context.cluster();
    const object = await resolveObject(cluster, input, cluster.namespace);
    const what = describeObject(object);
    const current = await getObject(cluster, object);
    if (!current) {
      if (!input.ignoreNotFound) throw new Error(`${what} not found`);
      context.progress(`${what} does not exist`);
      return { outputs: {} };
    }
    const uid = current.metadata?.uid ?? '';
    context.record({
      type: 'irreversible',
      what: `delete ${what}`,
      objects: [
        { apiVersion: object.apiVersion, kind: object.kind, namespace: object.namespace, name: object.name, uid },
      ],
    });
    try {
      // Background propagation, as kubectl's default; the UID precondition makes sure that the
      // object deleted is the one just read, not a replacement created under the same name since.
      await apiRequest(cluster, 'DELETE', object.path, {
        body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions: { uid } },
        signal: context.signal,
      });
      context.progress(`deleting ${what}`, { uid });
    } catch (error) {
      context.signal.throwIfAborted();
      if (isConflict(error))
        throw new Error(`${what} was replaced by a new object while deleting it`, { cause: error });
      // Gone between the read and the delete: what was asked for has happened.
      if (!isNotFound(error)) throw new Error(`deleting ${what}: ${apiErrorMessage(error)}`, { cause: error });
    }
    if (input.wait !== false) {
      const { apiVersion, kind, namespace, name } = object;
      await waitForObjects(cluster, {
        what: `${what} to be deleted`,
        query: { apiVersion, kind, namespace, fieldSelector: `metadata.name=${name}` },
        check: checkDeleted(new Set([uid])),
        limitMs: waitLimitMs(input.timeout, context.timeoutMs),
        signal: context.signal,
        onChange: (seen) => context.progress(seen),
      });
    }
    return { outputs: {} };
  },
});

import Type, { type Static } from 'typebox';
import type { Permission } from '../../kube/access.ts';
import type { Cluster } from '../../kube/cluster.ts';
import { conditionVerdict, jsonPathVerdict, parseCondition, parseJsonPath } from '../../kube/conditions.ts';
import {
  checkDeleted,
  checkEach,
  currentVerdict,
  describeObject,
  groupOf,
  guessResource,
  isNamespaced,
  type ObjectWait,
  waitForObjects,
} from '../../kube/objects.ts';
import { exactlyOneOf, LabelSelector, WaitTimeout } from '../../runbook/inputs.ts';
import { defineAction, waitLimitMs } from '../action.ts';
import { objectReferenceInputs } from './object-ref.ts';

const waitInput = Type.Object(
  {
    ...objectReferenceInputs,
    name: Type.Optional(objectReferenceInputs.name),
    selector: Type.Optional(LabelSelector('Label selector for the objects; use this or `name`.')),
    condition: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9_./-]*(=[A-Za-z0-9_.-]+)?$',
        patternErrorMessage: 'must be a condition type, optionally with a status, like Available or Ready=False',
        description: 'Condition to wait for, like `Available` (status True) or `Ready=False`.',
      }),
    ),
    jsonpath: Type.Optional(
      Type.String({
        minLength: 1,
        format: 'jsonpath',
        description: 'JSONPath into the object, like `{.status.phase}`; requires `value`.',
      }),
    ),
    value: Type.Optional(Type.String({ description: 'Value that `jsonpath` must have.' })),
    deleted: Type.Optional(Type.Literal(true, { description: 'Wait until the objects are deleted.' })),
    timeout: WaitTimeout('the objects'),
  },
  {
    additionalProperties: false,
    allOf: [exactlyOneOf('name', 'selector'), exactlyOneOf('condition', 'jsonpath', 'deleted')],
    dependentRequired: { jsonpath: ['value'], value: ['jsonpath'] },
    examples: [
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'frontend', namespace: 'shop', condition: 'Available' },
    ],
  },
);

export default defineAction({
  name: 'k8s.wait',
  summary: 'Wait for objects to meet a condition, match a JSONPath value, or be deleted, like `kubectl wait`.',
  mutating: false,
  input: waitInput,
  outputs: {},
  plan: async (input, context) => {
    const cluster = await context.cluster();
    const wait = await describeWait(cluster, input);
    const now = await currentVerdict(cluster, wait);
    return { summary: `wait for ${wait.what}`, details: [`now: ${now.seen}`] };
  },
  permissions: (input, namespace) =>
    ['list', 'watch'].map((verb): Permission => ({
      verb,
      group: groupOf(input.apiVersion),
      resource: guessResource(input.kind),
      namespace: input.namespace ?? namespace,
    })),
  execute: async (input, context) => {
    const cluster = await context.cluster();
    await waitForObjects(cluster, {
      ...(await describeWait(cluster, input)),
      limitMs: waitLimitMs(input.timeout, context.timeoutMs),
      signal: context.signal,
      onChange: (seen) => context.progress(seen),
    });
    return { outputs: {} };
  },
});

type WaitInput = Static<typeof waitInput>;

/** What the inputs wait for: which objects, checked how, described how. */
async function describeWait(cluster: Cluster, input: WaitInput): Promise<Pick<ObjectWait, 'what' | 'query' | 'check'>> {
  const { apiVersion, kind, name, selector } = input;
  // Parsed before anything else, so that a mistyped JSONPath fails at once rather than at the timeout.
  const jsonpath = input.jsonpath === undefined ? undefined : parseJsonPath(input.jsonpath);
  const namespace = (await isNamespaced(cluster, apiVersion, kind))
    ? (input.namespace ?? cluster.namespace)
    : undefined;
  const query = {
    apiVersion,
    kind,
    namespace,
    fieldSelector: name === undefined ? undefined : `metadata.name=${name}`,
    labelSelector: selector,
  };
  const objects =
    name === undefined
      ? `${kind} objects matching ${selector ?? ''}${namespace ? ` in ${namespace}` : ''}`
      : describeObject({ kind, namespace, name });
  const nothingFound = name === undefined ? `no ${kind} matches ${selector ?? ''}` : `${name} not found`;
  if (input.deleted) return { what: `${objects} to be deleted`, query, check: checkDeleted() };
  if (jsonpath) {
    const value = input.value ?? '';
    return {
      what: `${objects} to have ${jsonpath.text} = "${value}"`,
      query,
      check: checkEach((object) => jsonPathVerdict(object, jsonpath, value), nothingFound),
    };
  }
  const wanted = parseCondition(input.condition ?? '');
  const predicate = wanted.status === 'True' ? `be ${wanted.type}` : `have ${wanted.type}=${wanted.status}`;
  return {
    what: `${objects} to ${predicate}`,
    query,
    check: checkEach((object) => conditionVerdict(object, wanted), nothingFound),
  };
}

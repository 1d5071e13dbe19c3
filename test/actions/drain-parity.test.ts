// nodes.drain side by side with `kubectl drain` (the sandbox's own kubectl, built from the same Go
// modules), over a matrix of pod kinds and flags. Each case builds the same pods twice, in two
// namespaces, one on each of two twin nodes; kubectl drains the first node and nodes.drain the
// second, at the same time, each limited to its namespace's pods by a pod selector so the
// sandbox's own workloads stay put. Then both must have made the same decisions: the same pods
// evicted or deleted, the same refused (with kubectl's errors, worded alike), the same warnings,
// the same pods still awaited when a timeout ends the drain, and the same pods left in place.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import drain from '../../src/actions/nodes/drain.ts';
import uncordon from '../../src/actions/nodes/uncordon.ts';
import { resolveStepInput } from '../../src/runbook/resolve.ts';
import { actionContext, runAction } from '../support/actions.ts';
import { adminKubeconfig, sandboxBinDir } from '../support/paths.ts';
import { admin, apps, core, policy, testNamespace, waitFor } from '../support/sandbox.ts';

const kubectl = `${sandboxBinDir()}/kubectl`;
/** The twins: kubectl drains the first, nodes.drain the second. */
const nodes = { kubectl: 'eu-west-a-1', ours: 'eu-west-a-2' } as const;
type Side = keyof typeof nodes;

const image = 'registry.test.example/parity:1';
const hold = 'drill.dev/parity-hold';

/** One kind of pod: how to create it in a namespace on a node. Its pods carry the label kind=<name>. */
type Kind = (namespace: string, node: string, labels: Record<string, string>) => Promise<void>;

const container = [{ name: 'app', image }];

function bare(extra: Partial<V1Pod['spec']> = {}, annotations?: Record<string, string>, finalizers?: string[]): Kind {
  return async (namespace, node, labels) => {
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: labels.kind, labels, annotations, finalizers },
        spec: { nodeName: node, containers: container, ...extra },
      },
    });
  };
}

function replicated(extra: Partial<V1Pod['spec']> = {}, annotations?: Record<string, string>): Kind {
  return async (namespace, node, labels) => {
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: labels.kind },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels, annotations },
            // A selector, not nodeName: the replacement of an evicted pod waits, Pending, for the
            // cordoned node instead of being bound to it and drained again.
            spec: { nodeSelector: { 'kubernetes.io/hostname': node }, containers: container, ...extra },
          },
        },
      },
    });
  };
}

const finished = (exitCode: string): Record<string, string> => ({
  'sandbox.drill.dev/complete-after': '100ms',
  'sandbox.drill.dev/exit-code': exitCode,
});

const kinds: Record<string, Kind> = {
  rs: replicated(),
  bare: bare(),
  emptydir: replicated({ volumes: [{ name: 'scratch', emptyDir: {} }] }),
  mirror: bare({}, { 'kubernetes.io/config.mirror': 'parity' }),
  succeeded: bare({ restartPolicy: 'Never' }, finished('0')),
  'failed-emptydir': bare({ restartPolicy: 'Never', volumes: [{ name: 'scratch', emptyDir: {} }] }, finished('1')),
  ds: async (namespace, node, labels) => {
    await apps.createNamespacedDaemonSet({
      namespace,
      body: {
        metadata: { name: labels.kind },
        spec: {
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { nodeSelector: { 'kubernetes.io/hostname': node }, containers: container },
          },
        },
      },
    });
  },
  // A DaemonSet pod whose DaemonSet does not exist: the garbage collector deletes it at once, and a
  // finalizer keeps it there, being deleted, as an orphan is between its DaemonSet's end and its own.
  'orphan-ds': async (namespace, node, labels) => {
    const controller = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'gone', controller: true };
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: {
          name: labels.kind,
          labels,
          finalizers: [hold],
          ownerReferences: [{ ...controller, uid: '1c7c6d1e-0000-4000-8000-000000000001' }],
        },
        spec: { nodeName: node, containers: container },
      },
    });
  },
  // Pods already being deleted when the drain starts, their termination lasting a few seconds (the
  // replicated one by scaling its Deployment to 0, so that no replacement joins the drain).
  'terminating-rs': replicated({}, { 'sandbox.drill.dev/termination-delay': '4s' }),
  'terminating-bare': bare({}, { 'sandbox.drill.dev/termination-delay': '4s' }),
  // A pod whose deletion never finishes (a finalizer holds it).
  'stuck-bare': bare({}, undefined, [hold]),
  // A pod an eviction cannot take: its budget allows no disruption.
  'budget-rs': replicated(),
  // A pod whose termination outlasts the drain's timeout.
  'slow-rs': replicated({}, { 'sandbox.drill.dev/termination-delay': '30s' }),
};

interface Case {
  name: string;
  kinds: (keyof typeof kinds)[];
  kubectl: string[];
  ours: Record<string, unknown>;
  /** Extra label expression narrowing the pod selector (kubectl --pod-selector). */
  podSelector?: string;
  /** Whether the drains fail; the decisions are compared either way. */
  fails: boolean;
  /** What kubectl decides (read from the real kubectl, pinned so a comparison of nothing cannot pass). */
  kubectlDecides: Partial<Decisions>;
}

const cases: Case[] = [
  {
    name: 'kubectl defaults: every kind that needs a flag is refused, nothing is evicted',
    kinds: ['rs', 'bare', 'ds', 'emptydir', 'mirror', 'succeeded', 'failed-emptydir', 'terminating-bare', 'orphan-ds'],
    kubectl: [],
    ours: { ignoreDaemonSets: false },
    fails: true,
    kubectlDecides: {
      refused: [
        'DaemonSet-managed Pods (set ignoreDaemonSets: true to ignore): ds',
        'Pods that declare no controller (set force: true to override): bare, terminating-bare',
        'Pods with local storage (set deleteEmptyDirData: true to override): emptydir',
        'orphaned DaemonSet Pods (daemonsets.apps "gone" not found; set force: true to override): orphan-ds',
      ],
      left: ['bare', 'ds', 'emptydir', 'failed-emptydir', 'mirror', 'rs', 'succeeded'],
    },
  },
  {
    name: '--ignore-daemonsets: managed, finished and terminating pods go; DaemonSet and mirror pods stay',
    kinds: ['rs', 'ds', 'mirror', 'succeeded', 'failed-emptydir', 'terminating-rs'],
    kubectl: ['--ignore-daemonsets'],
    ours: { ignoreDaemonSets: true },
    fails: false,
    kubectlDecides: {
      acted: ['failed-emptydir', 'rs', 'succeeded', 'terminating-rs'],
      warnings: ['ignoring DaemonSet-managed Pods: ds'],
      left: ['ds', 'mirror'],
    },
  },
  {
    name: '--force --delete-emptydir-data --ignore-daemonsets: only the last filter warns',
    kinds: ['rs', 'bare', 'emptydir', 'ds', 'terminating-bare'],
    kubectl: ['--ignore-daemonsets', '--force', '--delete-emptydir-data'],
    ours: { ignoreDaemonSets: true, force: true, deleteEmptyDirData: true },
    fails: false,
    kubectlDecides: {
      acted: ['bare', 'emptydir', 'rs', 'terminating-bare'],
      warnings: [
        'deleting Pods that declare no controller: bare, terminating-bare',
        'ignoring DaemonSet-managed Pods: ds',
      ],
      left: ['ds'],
    },
  },
  {
    name: '--disable-eviction: a budget allowing no disruption is not asked',
    kinds: ['budget-rs', 'rs'],
    kubectl: ['--disable-eviction', '--timeout=20s'],
    ours: { disableEviction: true, timeout: '20s' },
    fails: false,
    kubectlDecides: { acted: ['budget-rs', 'rs'] },
  },
  {
    name: '--pod-selector: pods it does not match are not looked at',
    kinds: ['rs', 'bare', 'ds'],
    podSelector: 'kind=rs',
    kubectl: [],
    ours: { ignoreDaemonSets: false },
    fails: false,
    kubectlDecides: { acted: ['rs'], left: ['bare', 'ds'] },
  },
  {
    name: '--skip-wait-for-delete-timeout: a pod deleted long ago is neither refused nor awaited',
    kinds: ['rs', 'stuck-bare'],
    kubectl: ['--skip-wait-for-delete-timeout=1', '--timeout=20s'],
    ours: { skipWaitForDeleteTimeout: '1s', timeout: '20s' },
    fails: false,
    kubectlDecides: { acted: ['rs'] },
  },
  {
    name: '--timeout with --grace-period: the pods still awaited, a budget refusing one',
    kinds: ['budget-rs', 'slow-rs', 'rs'],
    kubectl: ['--timeout=4s', '--grace-period=7'],
    ours: { timeout: '4s', gracePeriod: '7s' },
    fails: true,
    kubectlDecides: { acted: ['budget-rs', 'rs', 'slow-rs'], pending: ['budget-rs', 'slow-rs'], left: ['budget-rs'] },
  },
];

/** The decisions of one drain, pods named by kind so the two sides compare. */
interface Decisions {
  acted: string[];
  refused: string[];
  warnings: string[];
  pending: string[];
  left: string[];
}

const nothing: Decisions = { acted: [], refused: [], warnings: [], pending: [], left: [] };

/** kubectl's flag hints, in our input names: the one place the wording differs. */
function inOurWords(message: string): string {
  return message
    .replace('(use --ignore-daemonsets to ignore)', '(set ignoreDaemonSets: true to ignore)')
    .replace('(use --delete-emptydir-data to override)', '(set deleteEmptyDirData: true to override)')
    .replace('(use --force to override)', '(set force: true to override)')
    .replace(/^(daemonsets\.apps "[^"]+" not found)$/, 'orphaned DaemonSet Pods ($1; set force: true to override)');
}

/** "message: ns/a, ns/b" groups, anywhere in a text, as sorted "message: kind, kind" lines. */
function groups(text: string, namespace: string, kindOf: Map<string, string>, prefix: string): string[] {
  const pods = `(?:${namespace}/[a-z0-9.-]+(?:, )?)+`;
  const pattern = new RegExp(`${prefix}(.+?): (${pods})`, 'g');
  return [...text.matchAll(pattern)]
    .map(([, message = '', list = '']) => {
      const names = list
        .replace(/, $/, '')
        .split(', ')
        .map((key) => kindOf.get(key.replace(`${namespace}/`, '')) ?? key)
        .sort();
      return `${inOurWords(message.replace(/^.*?cannot delete /, ''))}: ${names.join(', ')}`;
    })
    .sort();
}

const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort();

async function podsOn(namespace: string): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace })).items;
}

/** The kinds whose pods were on the node before the drain and still are, not being deleted. */
async function left(namespace: string, before: V1Pod[]): Promise<string[]> {
  const now = new Map((await podsOn(namespace)).map((p) => [p.metadata?.uid, p]));
  return sorted(
    before
      .filter((p) => {
        const still = now.get(p.metadata?.uid);
        return still && !still.metadata?.deletionTimestamp;
      })
      .map((p) => p.metadata?.labels?.kind ?? ''),
  );
}

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

async function kubectlDrain(
  c: Case,
  namespace: string,
  selector: string,
  before: V1Pod[],
): Promise<{ decisions: Decisions; stderr: string }> {
  const kindOf = new Map(before.map((p) => [p.metadata?.name ?? '', p.metadata?.labels?.kind ?? '']));
  const { code, stdout, stderr } = await run(kubectl, [
    '--kubeconfig',
    adminKubeconfig,
    'drain',
    nodes.kubectl,
    `--pod-selector=${selector}`,
    ...c.kubectl,
  ]);
  assert.equal(code !== 0, c.fails, `kubectl drain exited ${code}:\n${stdout}\n${stderr}`);
  const named = (pattern: RegExp, text: string) =>
    [...text.matchAll(pattern)].map(([, name = '']) => kindOf.get(name) ?? name);
  const warningLines = stderr
    .split('\n')
    .filter((l) => l.startsWith('Warning: '))
    .flatMap((l) => l.slice('Warning: '.length).split('; '));
  const errorText = /unable to drain node "[^"]+" due to error: (.*), continuing command/.exec(stderr)?.[1] ?? '';
  const decisions = {
    acted: sorted([
      ...named(new RegExp(`evicting pod ${namespace}/(\\S+)`, 'g'), stdout),
      ...named(/^pod\/(\S+) (?:evicted|deleted)$/gm, stdout),
    ]),
    refused: groups(errorText, namespace, kindOf, 'cannot delete '),
    warnings: warningLines.flatMap((w) => groups(w, namespace, kindOf, '^')).sort(),
    pending: sorted(named(/^pod\/(\S+)$/gm, stderr)),
    left: await left(namespace, before),
  };
  return { decisions, stderr };
}

async function ourDrain(
  c: Case,
  namespace: string,
  selector: string,
  before: V1Pod[],
): Promise<{ decisions: Decisions; error: string }> {
  const kindOf = new Map(before.map((p) => [p.metadata?.name ?? '', p.metadata?.labels?.kind ?? '']));
  const { context, recorded } = actionContext();
  const input = resolveStepInput(
    drain,
    { nodes: [nodes.ours], podSelector: selector, ...c.ours },
    { params: {}, outputs: {} },
  );
  let error = '';
  try {
    await drain.execute?.(input, context);
  } catch (failure) {
    error = failure instanceof Error ? failure.message : String(failure);
  }
  assert.equal(error !== '', c.fails, `nodes.drain ${error ? `failed: ${error}` : 'succeeded'}`);
  const kindOfKey = (key: unknown) => kindOf.get(String(key).replace(`${namespace}/`, '')) ?? String(key);
  const waiting = /still waiting for \d+ pods: (.*)$/.exec(error)?.[1] ?? '';
  const decisions = {
    // Attempted, as kubectl's "evicting pod" lines: accepted, or refused by a budget.
    acted: sorted(
      recorded.progress.flatMap((p) =>
        /^(evicting|deleting) /.test(p.message) || p.data?.pdb ? [kindOfKey(p.data?.pod)] : [],
      ),
    ),
    refused: groups(error, namespace, kindOf, `${nodes.ours}: cannot delete `),
    warnings: recorded.progress
      .flatMap((p) => (typeof p.data?.warning === 'string' ? groups(p.data.warning, namespace, kindOf, '^') : []))
      .sort(),
    pending: sorted(
      [...waiting.matchAll(new RegExp(`${namespace}/([a-z0-9.-]+)`, 'g'))].map(([, name]) => kindOfKey(name)),
    ),
    left: await left(namespace, before),
  };
  return { decisions, error };
}

async function setUp(c: Case, side: Side): Promise<{ namespace: string; selector: string; before: V1Pod[] }> {
  const namespace = await testNamespace(`t-parity-${side === 'kubectl' ? 'k' : 'd'}`);
  const scope = { 'drill-parity': namespace };
  for (const kind of c.kinds) await kinds[kind]?.(namespace, nodes[side], { ...scope, kind });
  if (c.kinds.includes('budget-rs')) {
    await policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: {
        metadata: { name: 'budget' },
        spec: { minAvailable: 1, selector: { matchLabels: { kind: 'budget-rs' } } },
      },
    });
  }
  const phase: Record<string, string> = { succeeded: 'Succeeded', 'failed-emptydir': 'Failed' };
  await waitFor(`the pods of ${namespace} running or finished`, async () => {
    const pods = new Map((await podsOn(namespace)).map((p) => [p.metadata?.labels?.kind, p]));
    return c.kinds.every((kind) =>
      // The garbage collector deletes the orphan at once: both sides wait until it has.
      kind === 'orphan-ds'
        ? pods.get(kind)?.metadata?.deletionTimestamp
        : pods.get(kind)?.status?.phase === (phase[kind] ?? 'Running'),
    );
  });
  if (c.kinds.includes('budget-rs')) {
    await waitFor('an observed budget', async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ namespace, name: 'budget' });
      return pdb.status?.currentHealthy === 1 && pdb.status.observedGeneration === pdb.metadata?.generation;
    });
  }
  if (c.kinds.includes('terminating-rs')) {
    await apps.patchNamespacedDeployment(
      { namespace, name: 'terminating-rs', body: { spec: { replicas: 0 } } },
      admin.lib.setHeaderOptions('Content-Type', admin.lib.PatchStrategy.MergePatch),
    );
  }
  for (const kind of ['terminating-bare', 'stuck-bare'].filter((k) => c.kinds.includes(k))) {
    await core.deleteNamespacedPod({ namespace, name: kind });
  }
  await waitFor(`the pods of ${namespace} being deleted`, async () => {
    const pods = new Map((await podsOn(namespace)).map((p) => [p.metadata?.labels?.kind, p]));
    return ['terminating-rs', 'terminating-bare', 'stuck-bare']
      .filter((k) => c.kinds.includes(k))
      .every((kind) => pods.get(kind)?.metadata?.deletionTimestamp);
  });
  const selector = `drill-parity=${namespace}${c.podSelector ? `,${c.podSelector}` : ''}`;
  return { namespace, selector, before: await podsOn(namespace) };
}

/** Lets the pods that finalizers hold go, so their namespaces can be deleted. */
async function release(namespace: string): Promise<void> {
  for (const pod of await podsOn(namespace)) {
    if (!pod.metadata?.finalizers?.includes(hold)) continue;
    await core.patchNamespacedPod(
      { namespace, name: pod.metadata.name ?? '', body: [{ op: 'remove', path: '/metadata/finalizers' }] },
      admin.lib.setHeaderOptions('Content-Type', admin.lib.PatchStrategy.JsonPatch),
    );
  }
}

describe('nodes.drain decides as kubectl drain does', () => {
  after(async () => {
    for (const node of Object.values(nodes)) await runAction(uncordon, { nodes: [node], all: true });
  });

  for (const c of cases) {
    test(c.name, async () => {
      const [k, d] = await Promise.all([setUp(c, 'kubectl'), setUp(c, 'ours')]);
      try {
        // A deletion must be more than a whole second old for --skip-wait-for-delete-timeout=1, by its
        // deletionTimestamp: that is first the end of the grace period, and becomes the moment of
        // deletion only once the kubelet has stopped the pod, which a loaded sandbox does late.
        if (c.kinds.includes('stuck-bare')) {
          await waitFor('the stuck pods deleted more than 2 s ago', async () =>
            (await Promise.all([k.namespace, d.namespace].map(podsOn))).flat().every((pod) => {
              if (pod.metadata?.labels?.kind !== 'stuck-bare') return true;
              const deleted = pod.metadata.deletionTimestamp;
              return deleted !== undefined && Date.now() - new Date(deleted).getTime() > 2000;
            }),
          );
        }
        const [theirs, ours] = await Promise.all([
          kubectlDrain(c, k.namespace, k.selector, k.before),
          ourDrain(c, d.namespace, d.selector, d.before),
        ]);
        assert.deepEqual(theirs.decisions, { ...nothing, ...c.kubectlDecides }, `kubectl: ${theirs.stderr}`);
        assert.deepEqual(ours.decisions, theirs.decisions, `nodes.drain: ${ours.error}`);
        if (c.kinds.includes('budget-rs') && c.fails) {
          // kubectl retries the budget's refusal until its timeout; ours names the pod, the budget and its words.
          assert.match(theirs.stderr, /Cannot evict pod as it would violate the pod's disruption budget\./);
          assert.match(
            ours.error,
            new RegExp(
              `${d.namespace}/budget-rs-[a-z0-9-]+ \\(Cannot evict pod as it would violate the pod's disruption budget\\. ` +
                '\\(429, PodDisruptionBudget budget: The disruption budget budget needs 1 healthy pods and has 1 currently\\)\\)',
            ),
          );
          assert.match(ours.error, new RegExp(`${d.namespace}/slow-rs-[a-z0-9-]+ \\(evicted, not yet gone\\)`));
        }
        if (c.kubectl.includes('--grace-period=7')) {
          for (const namespace of [k.namespace, d.namespace]) {
            const slow = (await core.listNamespacedPod({ namespace, labelSelector: 'kind=slow-rs' })).items.find(
              (p) => p.metadata?.deletionTimestamp,
            );
            assert.equal(slow?.metadata?.deletionGracePeriodSeconds, 7, `${namespace}: the grace period asked for`);
          }
        }
      } finally {
        await Promise.all([release(k.namespace), release(d.namespace)]);
        for (const node of Object.values(nodes)) await runAction(uncordon, { nodes: [node], all: true });
      }
    });
  }
});

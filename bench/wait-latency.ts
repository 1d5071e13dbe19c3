// How soon k8s.wait ends after its condition becomes true: the time from the API server
// acknowledging a change (the response to our PATCH) to the wait returning. Two kinds of wait,
// each repeated: a JSONPath wait on a ConfigMap, and a condition wait on a Pod whose status
// condition we set ourselves (as a readiness-gate controller does).
//   KUBECONFIG=... SANDBOX_DIR=... node bench/wait-latency.ts [--repetitions N]
// Needs a running sandbox (bash test/cluster/sandbox.sh up); works in a namespace of its own.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { ExecuteContext } from '../src/actions/action.ts';
import k8sWait from '../src/actions/k8s/wait.ts';
import { connect } from '../src/kube/cluster.ts';
import { adminKubeconfig } from '../test/support/paths.ts';

const { values } = parseArgs({ options: { repetitions: { type: 'string', default: '20' } } });
const repetitions = Number(values.repetitions);
/** After the wait has listed, time for its watch to connect, so that what is measured is the watch. */
const SETTLE_MS = 150;

const cluster = await connect({ kubeconfig: process.env.KUBECONFIG ?? adminKubeconfig });
const namespace = `bench-wait-${randomBytes(3).toString('hex')}`;

interface Sample {
  /** From the PATCH response (the API's acknowledgement) to the wait's end; negative when the wait's
   * watch event arrived before our client had read that response. */
  afterAck: number;
  /** From sending the PATCH to the wait's end: an upper bound, including the PATCH's round trip. */
  afterSend: number;
}

/** Runs one wait and, once it has seen the state before the change, makes the change. */
async function measure(input: Record<string, unknown>, change: () => Promise<unknown>): Promise<Sample> {
  const execute = k8sWait.execute;
  if (!execute) throw new Error('k8s.wait cannot execute');
  let listed: () => void = () => undefined;
  const sawBefore = new Promise<void>((resolve) => (listed = resolve));
  const context: ExecuteContext = {
    step: { id: 'bench', name: 'bench' },
    cluster: () => Promise.resolve(cluster),
    runbookDir: process.cwd(),
    signal: new AbortController().signal,
    timeoutMs: 30_000,
    progress: () => listed(),
    confirm: () => Promise.resolve(true),
    mask: () => undefined,
    record: () => undefined,
    changes: () => [],
  };
  const waiting = execute({ apiVersion: 'v1', namespace, timeout: '30s', ...input } as never, context).then(() =>
    performance.now(),
  );
  await sawBefore;
  await delay(SETTLE_MS);
  const sentAt = performance.now();
  await change();
  const acknowledgedAt = performance.now();
  const endedAt = await waiting;
  return { afterAck: endedAt - acknowledgedAt, afterSend: endedAt - sentAt };
}

async function configMapScenario(): Promise<Sample[]> {
  await cluster.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'flag' }, data: { n: '0' } } });
  const merge = cluster.lib.setHeaderOptions('Content-Type', cluster.lib.PatchStrategy.MergePatch);
  const samples: Sample[] = [];
  for (let i = 1; i <= repetitions; i++) {
    const input = { kind: 'ConfigMap', name: 'flag', jsonpath: '{.data.n}', value: String(i) };
    samples.push(
      await measure(input, () =>
        cluster.core.patchNamespacedConfigMap({ namespace, name: 'flag', body: { data: { n: String(i) } } }, merge),
      ),
    );
  }
  return samples;
}

async function podConditionScenario(): Promise<Sample[]> {
  await cluster.core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'gated' },
      spec: { containers: [{ name: 'app', image: 'registry.test.example/app:1' }] },
    },
  });
  const strategic = cluster.lib.setHeaderOptions('Content-Type', cluster.lib.PatchStrategy.StrategicMergePatch);
  const samples: Sample[] = [];
  for (let i = 1; i <= repetitions; i++) {
    const status = i % 2 === 1 ? 'True' : 'False';
    const input = { kind: 'Pod', name: 'gated', condition: `drill.dev/Flag=${status}` };
    const conditions = [{ type: 'drill.dev/Flag', status, lastTransitionTime: new Date() }];
    samples.push(
      await measure(input, () =>
        cluster.core.patchNamespacedPodStatus(
          { namespace, name: 'gated', body: { status: { conditions } } },
          strategic,
        ),
      ),
    );
  }
  return samples;
}

function report(name: string, samples: readonly Sample[]): void {
  console.log(`${name} (n=${samples.length})`);
  for (const key of ['afterAck', 'afterSend'] as const) {
    const sorted = samples.map((sample) => sample[key]).sort((a, b) => a - b);
    const at = (q: number): string => (sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN).toFixed(1);
    const label = key === 'afterAck' ? 'after the API acknowledged' : 'after the PATCH was sent';
    console.log(`  ${label.padEnd(28)} min ${at(0)}  median ${at(0.5)}  p95 ${at(0.95)}  max ${at(1)} ms`);
  }
}

async function main(): Promise<void> {
  await cluster.core.createNamespace({ body: { metadata: { name: namespace } } });
  try {
    // Admission refuses pods until the service-account controller has made "default".
    while (!(await cluster.core.listNamespacedServiceAccount({ namespace })).items.length) await delay(50);
    console.log(`k8s.wait latency, from the change's acknowledgement to the wait's end (${cluster.context}):`);
    report('jsonpath on a ConfigMap', await configMapScenario());
    report('condition on a Pod', await podConditionScenario());
  } finally {
    await cluster.core.deleteNamespace({ name: namespace });
  }
}

await main();

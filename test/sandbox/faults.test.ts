// Surviving the control plane (issue 10, part 1), with the faults really injected through the
// sandbox (test/cluster/internal/faults): the apiserver paused, restarted, or answering 429 in the
// middle of a node drain, a traffic drain and a wait, and each drill still succeeds, its journal
// saying what happened. Then the ways time runs out: a server that does not answer, and one that
// cannot be reached, each named.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, test } from 'node:test';
import type { RunEvent } from '../../src/engine/events.ts';
import { connect } from '../../src/kube/cluster.ts';
import { withApiScope } from '../../src/kube/resilience.ts';
import { cli, journal, routeWeights, shopSettled, uncordonAll } from '../support/cli.ts';
import { adminKubeconfig, sandboxDir } from '../support/paths.ts';
import { admin, apps, deployment, testNamespace, waitFor } from '../support/sandbox.ts';

const ready = JSON.parse(readFileSync(join(sandboxDir, 'ready'), 'utf8')) as {
  server: string;
  faultsURL: string;
  prometheusURL: string;
};
const namespace = await testNamespace('faults');

/** Asks the sandbox for a fault (test/cluster/internal/faults/control.go). */
async function fault(path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${ready.faultsURL}${path}`, { method: 'POST' });
  const body = (await response.json()) as Record<string, unknown>;
  assert.equal(response.status, 200, JSON.stringify(body));
  return body;
}

interface Drill {
  code: number | null;
  output: string;
  events: RunEvent[];
}

/**
 * Runs a runbook with the CLI and, once its step `stepId` has been going for `afterMs`, injects
 * the fault; resolves when the drill ends.
 */
async function drillWithFault(
  runbook: string,
  set: string[],
  stepId: string,
  afterMs: number,
  path: string,
  afterFault?: () => Promise<void>,
) {
  const journalDir = mkdtempSync(join(tmpdir(), 'drill-faults-'));
  const file = join(journalDir, 'runbook.yaml');
  writeFileSync(file, runbook);
  const args = ['run', file, '--yes', '--journal-dir', join(journalDir, 'runs'), '--kubeconfig', adminKubeconfig];
  for (const s of set) args.push('--set', s);
  const child = spawn(cli, args, { env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const runs = join(journalDir, 'runs');
  const endedEarly = exited.then(() => assert.fail(`the drill ended before step ${stepId} started:\n${output}`));
  const startedStep = waitFor(
    `step ${stepId} to start`,
    () => {
      if (!existsSync(runs)) return Promise.resolve(undefined);
      const [run] = readdirSync(runs);
      if (!run) return Promise.resolve(undefined);
      const events = journal(join(runs, run));
      return Promise.resolve(events.some((e) => e.type === 'step.started' && e.step === stepId) ? run : undefined);
    },
    120_000,
  );
  const started = await Promise.race([startedStep, endedEarly]);
  await sleep(afterMs);
  const injected = await fault(path);
  await afterFault?.();
  const code = await exited;
  return { code, output, events: journal(join(runs, started)), injected } as Drill & { injected: unknown };
}

function progress(events: RunEvent[], step: string): string[] {
  return events.flatMap((e) => (e.type === 'step.progress' && e.step === step ? [e.message] : []));
}

const drainRunbook = `apiVersion: drill/v1
kind: Runbook
metadata: { name: faults-drain }
spec:
  params:
    node: { default: none }
  steps:
    - id: drain
      action: nodes.drain
      with: { nodes: ['\${{ params.node }}'], deleteEmptyDirData: true, timeout: 2m, waitForReplacements: false }
      timeout: 3m
`;

/** Pods on the node that take 8 s to terminate, so the drain is still going when the fault comes. */
async function slowPodsOn(node: string, name: string): Promise<void> {
  const spec = deployment(name, 2, { nodeSelector: { 'kubernetes.io/hostname': node } });
  const template = spec.spec?.template.metadata;
  if (template) template.annotations = { 'sandbox.drill.dev/termination-delay': '8s' };
  await apps.createNamespacedDeployment({ namespace, body: spec });
  await waitFor(`${name} to be available`, async () => {
    const d = await apps.readNamespacedDeployment({ namespace, name });
    return (d.status?.availableReplicas ?? 0) === 2;
  });
}

const serverLine = (what: RegExp) => new RegExp(`^API server ${ready.server.replaceAll('.', '\\.')} .*${what.source}`);

describe('the apiserver failing in the middle of a drill', { timeout: 600_000 }, () => {
  afterEach(uncordonAll);

  // The acceptance of issue 10: the apiserver paused 10 s in the middle of a drain, and restarted in
  // the middle of another; and answering 429 in the middle of a third. Each on a node of its own.
  const drainFaults = [
    { node: 'ap-south-b-1', name: 'paused for 10 s', path: '/apiserver/pause?for=10s', says: /not answering for \d+s/ },
    {
      node: 'ap-south-b-2',
      name: 'restarted',
      path: '/apiserver/restart',
      says: /connection refused \(ECONNREFUSED\)/,
    },
    {
      node: 'ap-south-a-1',
      name: 'answering 429 for 6 s',
      path: '/apiserver/answer?code=429&for=6s&retryAfter=1',
      says: /answered 429 TooManyRequests/,
    },
  ];

  for (const [index, f] of drainFaults.entries()) {
    test(`${f.name} in the middle of a node drain: the drain succeeds, its journal saying why it waited`, async () => {
      await shopSettled();
      await slowPodsOn(f.node, `slow-${index}`);
      const drill = await drillWithFault(drainRunbook, [`node=${f.node}`], 'drain', 1500, f.path);
      assert.equal(drill.code, 0, drill.output);
      const lines = progress(drill.events, 'drain');
      assert.ok(
        lines.some((l) => serverLine(f.says).test(l)),
        lines.join('\n'),
      );
      assert.ok(
        lines.some((l) => serverLine(/answering again after \d+s/).test(l)),
        lines.join('\n'),
      );
    });
  }

  // Each fault once in a wait and once in a traffic drain: what the journal then says of the server.
  const faults = [
    { name: 'restarted', path: '/apiserver/restart', says: /connection refused \(ECONNREFUSED\)/ },
    { name: 'paused for 10 s', path: '/apiserver/pause?for=10s', says: /not answering for \d+s/ },
    { name: 'answering 429 for 8 s', path: '/apiserver/answer?code=429&for=8s', says: /answered 429 TooManyRequests/ },
    {
      name: 'answering 503 for 8 s',
      path: '/apiserver/answer?code=503&for=8s&retryAfter=1',
      says: /answered 503 ServiceUnavailable/,
    },
  ];

  for (const [index, f] of faults.entries()) {
    test(`${f.name} during a wait: k8s.wait resumes and sees its condition come true after`, async () => {
      const name = `go-signal-${index}`;
      await admin.core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data: { go: 'no' } } });
      const runbook = `apiVersion: drill/v1
kind: Runbook
metadata: { name: faults-wait }
spec:
  params:
    namespace: { default: none }
  steps:
    - id: wait
      action: k8s.wait
      with:
        apiVersion: v1
        kind: ConfigMap
        name: ${name}
        namespace: '\${{ params.namespace }}'
        jsonpath: '{.data.go}'
        value: 'yes'
        timeout: 2m
`;
      // The condition comes true only after the fault: the wait must have lived through it to see it.
      const go = async () => {
        await sleep(6000);
        await admin.core.replaceNamespacedConfigMap({
          namespace,
          name,
          body: { metadata: { name }, data: { go: 'yes' } },
        });
      };
      const drill = await drillWithFault(runbook, [`namespace=${namespace}`], 'wait', 500, f.path, go);
      assert.equal(drill.code, 0, drill.output);
      const lines = progress(drill.events, 'wait');
      assert.ok(
        lines.some((l) => serverLine(f.says).test(l)),
        lines.join('\n'),
      );
    });
  }

  const trafficRunbook = `apiVersion: drill/v1
kind: Runbook
metadata: { name: faults-traffic }
spec:
  params:
    prometheus: { default: none }
  steps:
    # The fault comes as this step starts, so it is still on when the drain sends its first change:
    # the drain's API requests take well under the journal poll's time once they start.
    - id: before-drain
      action: sleep
      with: { duration: 2s }
    - id: drain-traffic
      action: traffic.drain
      with:
        strategy: gateway
        region: us-east
        namespace: shop
        routes: [storefront]
        threshold: 0.99
        measure:
          source: prometheus
          url: '\${{ params.prometheus }}'
          query: sum(irate(drill_sandbox_requests_total{region="us-east"}[5s]))
          totalQuery: sum(irate(drill_sandbox_requests_total[5s]))
          interval: 100ms
        timeout: 2m
    - id: restore-traffic
      action: traffic.restore
      with: { restore: '\${{ steps.drain-traffic.outputs.restore }}' }
`;

  for (const f of faults) {
    test(`${f.name} as a traffic drain starts: the drain succeeds and the traffic comes back`, async () => {
      const before = await routeWeights();
      const drill = await drillWithFault(
        trafficRunbook,
        [`prometheus=${ready.prometheusURL}`],
        'before-drain',
        0,
        f.path,
      );
      assert.equal(drill.code, 0, drill.output);
      assert.deepEqual(await routeWeights(), before);
      const lines = [...progress(drill.events, 'drain-traffic'), ...progress(drill.events, 'restore-traffic')];
      assert.ok(
        lines.some((l) => serverLine(f.says).test(l)),
        lines.join('\n'),
      );
    });
  }
});

describe('when time runs out', () => {
  test('a server that does not answer is named as such, not waited on in silence', async () => {
    const notices: string[] = [];
    await fault('/apiserver/pause?for=7s');
    const started = Date.now();
    await assert.rejects(
      withApiScope({ signal: AbortSignal.timeout(5000), notice: (m) => notices.push(m) }, () => admin.core.listNode()),
      { name: 'ApiServerUnavailable', message: serverLine(/not answering for [45]s$/) },
    );
    assert.ok(Date.now() - started < 6500, 'gave up when the scope ended');
    assert.ok(
      notices.some((n) => serverLine(/not answering for 4s$/).test(n)),
      notices.join('\n'),
    );
    // Let the server come back before the next test.
    await waitFor('the apiserver to answer again', async () => (await admin.core.listNode()).items.length > 0);
  });

  test('a server that cannot be reached is named, with the reason, after retrying until the scope ends', async () => {
    const port = await closedPort();
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'drill-faults-')), 'kubeconfig');
    writeFileSync(kubeconfig, readFileSync(adminKubeconfig, 'utf8').replace(ready.server, `https://127.0.0.1:${port}`));
    const cluster = await connect({ kubeconfig });
    const notices: string[] = [];
    await assert.rejects(
      withApiScope({ signal: AbortSignal.timeout(2000), notice: (m) => notices.push(m) }, () =>
        cluster.core.listNode(),
      ),
      {
        name: 'ApiServerUnavailable',
        message: `API server https://127.0.0.1:${port} cannot be reached: connection refused (ECONNREFUSED)`,
      },
    );
    assert.ok(notices.length >= 2, `retried: ${notices.join('\n')}`);
    assert.match(notices[0] ?? '', /connection refused \(ECONNREFUSED\): GET \/api\/v1\/nodes again in 250ms/);
  });
});

/** A loopback port nothing listens on (one that just stopped listening). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : assert.fail('no port');
}

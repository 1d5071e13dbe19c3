// traffic.drain and traffic.restore against the sandbox: its HTTPRoute shop/storefront, its traffic
// simulator (the ground truth of every drain in traffic-truth.json) and its Prometheus. Every test
// that drains a region restores it, and waits for the region's traffic to come back first.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import drain from '../../src/actions/traffic/drain.ts';
import restore from '../../src/actions/traffic/restore.ts';
import type { Change } from '../../src/kube/changes.ts';
import { apiRequest } from '../../src/kube/objects.ts';
import { queryScalar } from '../../src/kube/traffic/prometheus.ts';
import { runAction } from '../support/actions.ts';
import { sandboxDir } from '../support/paths.ts';
import { admin, apps, core, testNamespace, waitFor } from '../support/sandbox.ts';

interface Ready {
  prometheusURL: string;
  trafficTruthFile: string;
}

interface TruthDrain {
  drainStartedAt: string;
  crossed: Record<string, string>;
}

interface Truth {
  regions: Record<string, TruthDrain> | null;
}

const ready = JSON.parse(readFileSync(`${sandboxDir}/ready`, 'utf8')) as Ready;
const prometheusURL = ready.prometheusURL;
const SCRAPE_INTERVAL_MS = 1000;

interface Route {
  metadata: { annotations?: Record<string, string> };
  spec: { rules: { backendRefs: { name: string; weight?: number }[] }[] };
}

async function readRoute(): Promise<Route> {
  const { object } = await apiRequest(
    admin,
    'GET',
    '/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes/storefront',
  );
  return object as unknown as Route;
}

const regionRate = (region: string) => `sum(irate(drill_sandbox_requests_total{region="${region}"}[5s]))`;
const totalRate = 'sum(irate(drill_sandbox_requests_total[5s]))';

/** Waits until the region serves at least `share` of all requests again (a restored region refills over a TTL). */
async function regionServing(region: string, share = 0.25): Promise<void> {
  await waitFor(
    `${region} serving ${share * 100}% of the traffic`,
    async () => {
      const signal = new AbortController().signal;
      const [part, total] = await Promise.all([
        queryScalar({ url: prometheusURL }, regionRate(region), signal),
        queryScalar({ url: prometheusURL }, totalRate, signal),
      ]);
      return total > 0 && part / total >= share;
    },
    60_000,
  );
}

function truthOf(region: string): TruthDrain | undefined {
  const truth = JSON.parse(readFileSync(ready.trafficTruthFile, 'utf8')) as Truth;
  return truth.regions?.[region];
}

const gatewayDrain = (region: string) => ({
  strategy: 'gateway',
  namespace: 'shop',
  region,
  routes: ['storefront'],
});

describe('traffic.drain and traffic.restore', { concurrency: false }, () => {
  test('gateway drain measured by prometheus: time-to-drain matches the ground truth; restore puts the weights back', async () => {
    await regionServing('eu-west');
    const before = await readRoute();
    const result = await runAction(drain, {
      ...gatewayDrain('eu-west'),
      measure: { source: 'prometheus', url: prometheusURL, query: regionRate('eu-west'), totalQuery: totalRate },
      threshold: 0.99,
      hold: '2s',
      timeout: '60s',
    });
    const drained = await readRoute();
    const weights = drained.spec.rules[0]?.backendRefs;
    assert.deepEqual(
      weights?.map((b) => [b.name, b.weight]),
      [
        ['frontend-eu-west', 0],
        ['frontend-us-east', 100],
        ['frontend-ap-south', 100],
      ],
    );
    const timeToDrain = result.outputs.timeToDrain as { threshold: number; ms: number; source: string };
    assert.equal(timeToDrain.threshold, 0.99);
    assert.equal(timeToDrain.source, 'prometheus');
    assert.equal(result.measuredMs, timeToDrain.ms);
    const thresholds = result.outputs.thresholds as Record<string, number | null>;
    assert.deepEqual(Object.keys(thresholds).sort(), ['0.5', '0.9', '0.99', '1']);
    assert.ok((thresholds['0.5'] ?? Infinity) <= (thresholds['0.9'] ?? Infinity));
    assert.equal(thresholds['0.99'], timeToDrain.ms);
    const curve = result.outputs.curve as [number, number][];
    assert.ok(curve.length > 10 && curve.length <= 240, `curve of ${curve.length} points`);
    assert.ok(
      result.recorded.progress.some((p) => /^share 0\.\d\d$/.test(p.message) && typeof p.data?.share === 'number'),
    );

    const truth = await waitFor('the ground truth of the drain', () =>
      Promise.resolve(truthOf('eu-west')?.crossed['0.99'] ? truthOf('eu-west') : undefined),
    );
    const truthMs = Date.parse(truth.crossed['0.99'] ?? '') - Date.parse(truth.drainStartedAt);
    const error = timeToDrain.ms - truthMs;
    console.log(`time-to-drain 0.99: measured ${timeToDrain.ms} ms, truth ${truthMs} ms, error ${error} ms`);
    assert.ok(Math.abs(error) <= 1000 + SCRAPE_INTERVAL_MS, `measured ${timeToDrain.ms} ms vs truth ${truthMs} ms`);

    await runAction(restore, { restore: result.outputs.restore });
    const restored = await readRoute();
    assert.deepEqual(restored.spec, before.spec);
    assert.deepEqual(restored.metadata.annotations, before.metadata.annotations);
  });

  test('a drain that never reaches its threshold fails at its timeout with the share reached; restore from the inputs', async () => {
    await regionServing('ap-south');
    const before = await readRoute();
    const started = performance.now();
    await assert.rejects(
      runAction(drain, {
        ...gatewayDrain('ap-south'),
        measure: { source: 'prometheus', url: prometheusURL, query: regionRate('ap-south') },
        threshold: 1,
        timeout: '2s',
      }),
      /100% of the region's traffic was not gone within its timeout of 2s: the region still had \d+(\.\d+)?% of its traffic .*measured by prometheus; the drain stays applied/,
    );
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 4000, `failed after ${Math.round(elapsed)} ms`);
    // The failed step has no outputs: the route's own record lets restore work from the same inputs.
    await runAction(restore, gatewayDrain('ap-south'));
    const restored = await readRoute();
    assert.deepEqual(restored.spec, before.spec);
    assert.deepEqual(restored.metadata.annotations, before.metadata.annotations);
  });

  test('Prometheus unreachable mid-step: a clear error naming its URL', async () => {
    await regionServing('us-east');
    const before = await readRoute();
    // A stand-in Prometheus that answers the baseline, then goes away.
    let answered = 0;
    const server = createServer((_request, response) => {
      answered++;
      response.setHeader('Content-Type', 'application/json');
      response.end(
        JSON.stringify({
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: {}, value: [0, '100'] }] },
        }),
      );
      if (answered === 2) server.close();
      server.closeAllConnections();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await assert.rejects(
      runAction(drain, {
        ...gatewayDrain('us-east'),
        measure: { source: 'prometheus', url, query: regionRate('us-east'), interval: '100ms' },
        timeout: '30s',
      }),
      (error: Error) => {
        assert.equal(error.message, `Prometheus at ${url} is unreachable (ECONNREFUSED)`);
        return true;
      },
    );
    await runAction(restore, gatewayDrain('us-east'));
    assert.deepEqual((await readRoute()).spec, before.spec);
  });

  test('Prometheus unreachable before the drain: nothing changes', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise((resolve) => server.close(resolve));
    const before = await readRoute();
    await assert.rejects(
      runAction(drain, {
        ...gatewayDrain('eu-west'),
        measure: { source: 'prometheus', url, query: regionRate('eu-west') },
      }),
      new RegExp(`^Error: Prometheus at ${url} is unreachable \\(ECONNREFUSED\\)$`),
    );
    // What a drain changes: the weights and its restore annotation. (The sandbox's gateway status
    // controller may still be catching up on the previous test, so status and resourceVersion move.)
    const after = await readRoute();
    assert.deepEqual(after.spec, before.spec, 'the weights are untouched');
    assert.deepEqual(after.metadata?.annotations, before.metadata?.annotations, 'no restore record was written');
  });

  test('service drain by scaling to zero, measured by endpoints; restore scales back', async () => {
    const result = await runAction(drain, {
      strategy: 'service',
      namespace: 'shop',
      region: 'us-east',
      workloads: [{ kind: 'Deployment', name: 'storefront-us-east' }],
      measure: { source: 'endpoints', service: 'frontend-us-east' },
      hold: '500ms',
      timeout: '30s',
    });
    const timeToDrain = result.outputs.timeToDrain as { ms: number; source: string };
    assert.equal(timeToDrain.source, 'endpoints');
    assert.ok(timeToDrain.ms < 5000, `${timeToDrain.ms} ms`);
    assert.deepEqual(result.outputs.restore, {
      strategy: 'service',
      method: 'scale',
      workloads: [{ kind: 'Deployment', namespace: 'shop', name: 'storefront-us-east', replicas: 2 }],
    });
    const scaled = await apps.readNamespacedDeployment({ namespace: 'shop', name: 'storefront-us-east' });
    assert.equal(scaled.spec?.replicas, 0);
    await runAction(restore, { restore: result.outputs.restore });
    await waitFor('storefront-us-east Ready again', async () => {
      const d = await apps.readNamespacedDeployment({ namespace: 'shop', name: 'storefront-us-east' });
      return d.spec?.replicas === 2 && d.status?.readyReplicas === 2;
    });
  });

  test('service drain by label, measured by endpoints of a Service spanning regions; restore relabels', async () => {
    const namespace = await testNamespace('t-traffic');
    const labels = { app: 'web', serving: 'true' };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 6,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels },
            spec: {
              containers: [{ name: 'web', image: 'registry.test.example/web:1' }],
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: 'topology.kubernetes.io/region',
                  whenUnsatisfiable: 'DoNotSchedule',
                  labelSelector: { matchLabels: { app: 'web' } },
                },
              ],
            },
          },
        },
      },
    });
    await core.createNamespacedService({
      namespace,
      body: { metadata: { name: 'web' }, spec: { selector: labels, ports: [{ port: 80 }] } },
    });
    await waitFor('6 ready endpoints', async () => {
      const slices = await admin.discovery.listNamespacedEndpointSlice({
        namespace,
        labelSelector: 'kubernetes.io/service-name=web',
      });
      return slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length === 6;
    });
    const result = await runAction(drain, {
      strategy: 'service',
      method: 'label',
      namespace,
      region: 'eu-west',
      service: 'web',
      label: 'serving',
      measure: { source: 'endpoints' },
      hold: '200ms',
      timeout: '20s',
    });
    const record = result.outputs.restore as { pods: { value: string | null }[] };
    assert.equal(record.pods.length, 2);
    assert.ok(record.pods.every((p) => p.value === 'true'));
    assert.equal((result.outputs.timeToDrain as { source: string }).source, 'endpoints');
    const unlabelled = await core.listNamespacedPod({ namespace, labelSelector: 'app=web,!serving' });
    assert.equal(unlabelled.items.length, 2);
    await runAction(restore, { restore: result.outputs.restore });
    const relabelled = await core.listNamespacedPod({ namespace, labelSelector: 'app=web,serving=true' });
    assert.equal(relabelled.items.length, 6);
  });

  test('patch drain with a computed reverse merge patch; restore puts the object back exactly', async () => {
    const namespace = await testNamespace('t-traffic-patch');
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'gslb', annotations: { keep: 'me' } }, data: { 'eu-west': '50', 'us-east': '50' } },
    });
    const before = await core.readNamespacedConfigMap({ namespace, name: 'gslb' });
    const result = await runAction(drain, {
      strategy: 'patch',
      namespace,
      target: { apiVersion: 'v1', kind: 'ConfigMap', name: 'gslb' },
      patch: { data: { 'eu-west': '0', drained: 'eu-west' }, metadata: { annotations: { keep: null } } },
    });
    const patched = await core.readNamespacedConfigMap({ namespace, name: 'gslb' });
    assert.deepEqual(patched.data, { 'eu-west': '0', 'us-east': '50', drained: 'eu-west' });
    await runAction(restore, { restore: result.outputs.restore });
    const after = await core.readNamespacedConfigMap({ namespace, name: 'gslb' });
    assert.deepEqual(after.data, before.data);
    assert.deepEqual(after.metadata?.annotations, before.metadata?.annotations);
  });
  test('patch drain with a computed reverse JSON patch; restore puts the object back exactly', async () => {
    const namespace = await testNamespace('t-traffic-json');
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: { name: 'gslb', annotations: { keep: 'me', owner: 'dns' } },
        data: { 'eu-west': '50', 'us-east': '50' },
      },
    });
    const before = await core.readNamespacedConfigMap({ namespace, name: 'gslb' });
    const result = await runAction(drain, {
      strategy: 'patch',
      namespace,
      target: { apiVersion: 'v1', kind: 'ConfigMap', name: 'gslb' },
      type: 'json',
      patch: [
        { op: 'test', path: '/data/eu-west', value: '50' },
        { op: 'replace', path: '/data/eu-west', value: '0' },
        { op: 'add', path: '/data/drained', value: 'eu-west' },
        { op: 'remove', path: '/metadata/annotations/keep' },
      ],
    });
    const patched = await core.readNamespacedConfigMap({ namespace, name: 'gslb' });
    assert.deepEqual(patched.data, { 'eu-west': '0', 'us-east': '50', drained: 'eu-west' });
    assert.equal(patched.metadata?.annotations?.keep, undefined);
    await runAction(restore, { restore: result.outputs.restore });
    const after = await core.readNamespacedConfigMap({ namespace, name: 'gslb' });
    assert.deepEqual(after.data, before.data);
    assert.deepEqual(after.metadata?.annotations, before.metadata?.annotations);
  });

  test('http measure: a GSLB-style patch drain, measured by which region answers a URL', async () => {
    const namespace = await testNamespace('t-traffic-http');
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'gslb' }, data: { 'eu-west': '50', 'us-east': '50' } },
    });
    // A stand-in for the global load balancer's answer, on 127.0.0.1: it follows the weights in the
    // ConfigMap, re-read at most every 200 ms, the way a GSLB follows its configuration.
    let weights: Record<string, string> = {};
    let readAt = 0;
    const server = createServer((_request, response) => {
      void (async () => {
        if (Date.now() - readAt > 200) {
          weights = (await core.readNamespacedConfigMap({ namespace, name: 'gslb' })).data ?? {};
          readAt = Date.now();
        }
        const euWest = Number(weights['eu-west'] ?? 0);
        const region = Math.random() * (euWest + Number(weights['us-east'] ?? 0)) < euWest ? 'eu-west' : 'us-east';
        response.writeHead(200, { 'x-region': region }).end();
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const result = await runAction(drain, {
        strategy: 'patch',
        region: 'eu-west',
        namespace,
        target: { apiVersion: 'v1', kind: 'ConfigMap', name: 'gslb' },
        patch: { data: { 'eu-west': '0' } },
        threshold: 1,
        hold: '500ms',
        measure: { source: 'http', url, window: '500ms', interval: '20ms' },
        timeout: '20s',
      });
      const drained = result.outputs.timeToDrain as { threshold: number; ms: number; source: string };
      assert.equal(drained.source, 'http');
      assert.equal(drained.threshold, 1);
      // Everything answers from us-east once the patch is read (<= 200 ms) and the window has passed.
      assert.ok(drained.ms > 0 && drained.ms < 2000, `time-to-drain ${drained.ms} ms`);
      assert.equal(result.measuredMs, drained.ms);
      assert.ok(result.recorded.progress.some((p) => typeof p.data?.share === 'number' && p.data.share < 1));
    } finally {
      server.close();
    }
  });
  test('nodes strategy: cordon and drain the region, measured by its ready endpoints; restore uncordons', async () => {
    const namespace = await testNamespace('t-traffic-nodes');
    const labels = { app: 'web', 'drill-test': namespace };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 6,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              // Spread over the regions, and away from cordoned nodes: evicted pods leave the region.
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: 'topology.kubernetes.io/region',
                  whenUnsatisfiable: 'DoNotSchedule',
                  nodeTaintsPolicy: 'Honor',
                  labelSelector: { matchLabels: labels },
                },
              ],
              containers: [{ name: 'web', image: 'registry.test.example/web:1', ports: [{ containerPort: 8080 }] }],
            },
          },
        },
      },
    });
    await core.createNamespacedService({
      namespace,
      body: { metadata: { name: 'web' }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } },
    });
    await waitFor('2 ready endpoints in ap-south', async () => {
      const pods = await core.listNamespacedPod({ namespace });
      return pods.items.filter((p) => p.spec?.nodeName?.startsWith('ap-south-') && p.status?.podIP).length === 2;
    });
    const inputs = { strategy: 'nodes', region: 'ap-south', namespace, podSelector: `drill-test=${namespace}` };
    // Restore from the inputs uncordons the nodes its run cordoned, as the journal shows them.
    const run: Change[] = [];
    try {
      const result = await runAction(
        drain,
        {
          ...inputs,
          threshold: 1,
          hold: '500ms',
          measure: { source: 'endpoints', service: 'web' },
          timeout: '30s',
        },
        { run },
      );
      const cordons = run.filter((c) => c.type === 'fields' && c.object.kind === 'Node');
      assert.equal(cordons.length, 4, 'each cordon recorded first');
      const evictions = run.findIndex((c) => c.type === 'irreversible' && c.what.startsWith('evict'));
      assert.ok(evictions >= 4, 'evictions, recorded as irreversible, come after the cordons');
      const drained = result.outputs.timeToDrain as { ms: number; source: string };
      assert.equal(drained.source, 'endpoints');
      const nodes = await core.listNode({ labelSelector: 'topology.kubernetes.io/region=ap-south' });
      assert.ok(
        nodes.items.every((n) => n.spec?.unschedulable),
        'the region is cordoned',
      );
      const pods = await core.listNamespacedPod({ namespace });
      assert.ok(
        pods.items.every((p) => !p.spec?.nodeName?.startsWith('ap-south-')),
        'no pod left in the region',
      );
    } finally {
      await runAction(restore, inputs, { run });
    }
    const nodes = await core.listNode({ labelSelector: 'topology.kubernetes.io/region=ap-south' });
    assert.ok(
      nodes.items.every((n) => !n.spec?.unschedulable),
      'restore uncordoned the region',
    );
  });
});

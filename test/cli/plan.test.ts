// `kubectl drill plan` against the sandbox: resolved steps, the permission check, kubectl's flags.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { adminKubeconfig, repoRoot, restrictedKubeconfig } from '../support/paths.ts';
import { core } from '../support/sandbox.ts';

const runbook = `${repoRoot}runbooks/evacuate-region.yaml`;

function plan(...args: string[]) {
  return planWith({}, ...args);
}

function planWith(env: Record<string, string>, ...args: string[]) {
  return spawnSync(`${repoRoot}bin/kubectl-drill`, ['plan', runbook, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
}

describe('kubectl drill plan', () => {
  test('resolves each step on the cluster, checks permissions, and changes nothing', async () => {
    const result = plan('--kubeconfig', adminKubeconfig, '--set', 'region=us-east');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /drain 4 nodes \(us-east-a-1, us-east-a-2, us-east-b-1, us-east-b-2\): evict \d+ pods/);
    assert.match(result.stdout, /roll back Deployment shop\/checkout from revision \d+ to revision \d+/);
    assert.match(result.stdout, /permissions: all granted/);
    const nodes = await core.listNode({ labelSelector: 'topology.kubernetes.io/region=us-east' });
    assert.ok(
      nodes.items.every((n) => !n.spec?.unschedulable),
      'nothing was cordoned',
    );
  });

  test('loads the client library through a code cache that its first run makes and the next keep', (t) => {
    const cacheHome = mkdtempSync(join(tmpdir(), 'drill-code-cache-'));
    t.after(() => rmSync(cacheHome, { recursive: true, force: true }));
    const cacheDir = join(cacheHome, 'kubectl-drill', 'code-cache');
    const entry = () => {
      const entries = readdirSync(cacheDir).filter((name) => name.startsWith('client-library.cjs-'));
      assert.equal(entries.length, 1, entries.join(', '));
      const file = join(cacheDir, entries[0] ?? '');
      return { file, size: statSync(file).size, mtimeMs: statSync(file).mtimeMs };
    };
    const first = planWith({ XDG_CACHE_HOME: cacheHome }, '--kubeconfig', adminKubeconfig, '--set', 'region=us-east');
    assert.equal(first.status, 0, first.stderr);
    const made = entry();
    assert.ok(made.size > 1_000_000, `a cache of the library as it ran: ${made.size} bytes`);
    assert.match(made.file, /-used$/, 'made at exit, with the functions its requests called');
    const second = planWith({ XDG_CACHE_HOME: cacheHome }, '--kubeconfig', adminKubeconfig, '--set', 'region=us-east');
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    assert.deepEqual(entry(), made, 'an accepted cache is left as it is');
  });

  test('names every missing permission for a user who may only read, and exits 1', () => {
    const result = plan('--kubeconfig', restrictedKubeconfig);
    assert.equal(result.status, 1);
    assert.match(result.stdout, /permissions MISSING:/);
    assert.match(result.stdout, /step "cordon" .* needs: patch nodes \(cluster-wide\)/);
  });

  test('-o json writes the plan alone on stdout, and a problem that stops it on stderr', () => {
    const result = plan('--kubeconfig', adminKubeconfig, '-o', 'json');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.ok((JSON.parse(result.stdout) as { steps: unknown[] }).steps.length > 0);
    const stopped = plan('--kubeconfig', adminKubeconfig, '-o', 'json', '--request-timeout', '1ms');
    assert.equal(stopped.status, 1);
    assert.equal(stopped.stdout, '');
    assert.match(stopped.stderr, /^error: an API request took longer than --request-timeout allows/);
  });

  test('--request-timeout bounds every API request, as in kubectl', () => {
    const tooShort = plan('--kubeconfig', adminKubeconfig, '--request-timeout', '1ms');
    assert.equal(tooShort.status, 1);
    assert.match(tooShort.stdout, /an API request took longer than --request-timeout allows/);
    assert.equal(
      plan('--kubeconfig', adminKubeconfig, '--request-timeout', '30').status,
      0,
      'a bare number is seconds',
    );
    const invalid = plan('--request-timeout', 'soon');
    assert.equal(invalid.status, 2);
    assert.match(invalid.stderr, /--request-timeout "soon"/);
  });
});

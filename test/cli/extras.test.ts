// explain, actions, version, init and shell completion, as a user meets them: the built binary (and
// kubectl, for plugin completion), run from a directory outside the checkout where it matters.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, test } from 'node:test';
import { cli } from '../support/cli.ts';
import { adminKubeconfig, repoRoot, sandboxBinDir } from '../support/paths.ts';

const env = { ...process.env, CI: 'true', KUBECONFIG: adminKubeconfig };
const completer = `${repoRoot}bin/kubectl_complete-drill`;

function drill(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(cli, args, {
    encoding: 'utf8',
    env: options.env ?? env,
    cwd: options.cwd ?? repoRoot,
    timeout: 60_000,
  });
}

describe('explain and actions', () => {
  test('explain nodes.drain names parallelism, with its type and default', () => {
    const result = drill(['explain', 'nodes.drain']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^ {4}parallelism\t<integer> {2}default: 1$/m);
    assert.match(result.stdout, /^PERMISSIONS/m);
    const json = drill(['explain', 'nodes.drain.parallelism', '-o', 'json']);
    assert.deepEqual(JSON.parse(json.stdout), {
      kind: 'field',
      action: 'nodes.drain',
      field: {
        name: 'parallelism',
        type: 'integer',
        required: false,
        default: 1,
        description: 'How many nodes to drain at the same time.',
        rules: [],
        fields: [],
      },
    });
  });

  test('explain of a misspelt action is a usage error with a suggestion', () => {
    const result = drill(['explain', 'nodes.drian']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /did you mean nodes\.drain\?/);
  });

  test('actions lists every action, -o json with their inputs', () => {
    const result = drill(['actions']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^nodes\.capacity +no +Check that/m);
    const json = JSON.parse(drill(['actions', '-o', 'json']).stdout) as { actions: { name: string }[] };
    assert.ok(json.actions.some((a) => a.name === 'traffic.drain'));
  });
});

describe('version', () => {
  test("prints the plugin's, Node's and the sandbox cluster's versions", () => {
    const result = drill(['version']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Plugin Version: v\d+\.\d+\.\d+$/m);
    assert.match(result.stdout, new RegExp(`^Node Version: ${process.version}$`, 'm'));
    assert.match(result.stdout, /^Server Version: v\S+ \(context drill-sandbox, https:\/\/127\.0\.0\.1:\d+\)$/m);
    const json = JSON.parse(drill(['version', '-o', 'json']).stdout) as {
      cluster: { context: string; platform: string };
    };
    assert.equal(json.cluster.context, 'drill-sandbox');
    assert.match(json.cluster.platform, /\//);
  });

  test('an unreachable cluster: the local versions, then an error and exit 1, as kubectl version; --client asks none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-version-'));
    const kubeconfig = join(dir, 'kubeconfig');
    // A port on loopback that nothing listens on any more: refused at once.
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    server.close();
    await once(server, 'close');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{ name: gone, cluster: { server: https://127.0.0.1:${port}, insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: gone, context: { cluster: gone, user: u } }]
current-context: gone
`,
    );
    const result = drill(['version', '-o', 'json', '--kubeconfig', kubeconfig]);
    assert.equal(result.status, 1);
    const json = JSON.parse(result.stdout) as { plugin: { version: string }; cluster: { error: string } };
    assert.ok(json.plugin.version);
    assert.match(json.cluster.error, /ECONNREFUSED/);
    assert.match(result.stderr, /the cluster's version/);
    const client = drill(['version', '--client', '--kubeconfig', kubeconfig]);
    assert.equal(client.status, 0, client.stderr);
    assert.doesNotMatch(client.stdout, /Server Version/);
  });
});

describe('init', () => {
  test('writes each template in a directory outside the checkout; each validates; no overwrite without --force', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drill-init-'));
    for (const template of ['evacuate-region', 'rollback-release', 'restore-data', 'zone-outage']) {
      const result = drill(['init', `my-${template}`, '--template', template], { cwd: dir });
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^wrote my-${template}\\.yaml`));
      const validate = drill(['validate', `my-${template}.yaml`], { cwd: dir });
      assert.equal(validate.status, 0, validate.stdout + validate.stderr);
    }
    const again = drill(['init', 'my-zone-outage', '-t', 'zone-outage'], { cwd: dir });
    assert.equal(again.status, 2);
    assert.match(again.stderr, /exists: --force overwrites it/);
    assert.equal(drill(['init', 'my-zone-outage', '-t', 'zone-outage', '--force'], { cwd: dir }).status, 0);
  });
});

describe('completion (kubectl_complete-drill)', () => {
  const complete = (args: string[], cwd = repoRoot) =>
    spawnSync(completer, args, { encoding: 'utf8', env, cwd, timeout: 30_000 }).stdout.trimEnd().split('\n');

  test("run '' offers the runbook files, and no other files", () => {
    assert.deepEqual(complete(['run', '']), [
      'runbooks/evacuate-region.yaml',
      'runbooks/restore-orders.yaml',
      'runbooks/rollback-release.yaml',
      'runbooks/zone-outage.yaml',
      ':4',
    ]);
  });

  test('commands, step ids for --from, params for --set, contexts for --context', () => {
    assert.ok(
      complete(['']).includes("explain\tDescribe an action's inputs, outputs and permissions, or one of its inputs."),
    );
    assert.deepEqual(complete(['run', 'runbooks/zone-outage.yaml', '--from', 'c']), [
      "capacity\tCheck the other zones have room for the zone's pods",
      "cordon\tCordon the zone's nodes",
      'confirm-zone-empty\tConfirm the shop is healthy without the zone',
      ':36',
    ]);
    assert.deepEqual(complete(['plan', 'runbooks/zone-outage.yaml', '--set', 'z']), [
      'zone=\tZone to empty (topology.kubernetes.io/zone).',
      ':6',
    ]);
    assert.deepEqual(complete(['run', '--context', '']), ['drill-sandbox\tcluster drill-sandbox', ':4']);
    assert.deepEqual(complete(['init', '--template', 'r']), ['rollback-release', 'restore-data', ':4']);
  });

  test('run ids for rollback and resume', () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'drill-runs-'));
    const run = drill([
      'run',
      `${repoRoot}runbooks/rollback-release.yaml`,
      '--only',
      'decide',
      '--yes',
      '--journal-dir',
      journalDir,
    ]);
    assert.equal(run.status, 0, run.stderr);
    for (const command of ['rollback', 'resume']) {
      const lines = complete([command, '--journal-dir', journalDir, 'rollback-']);
      assert.equal(lines.length, 2, lines.join('\n'));
      assert.match(lines[0] ?? '', /^rollback-release-\d{8}T\d{6}-[0-9a-f]{4}$/);
      assert.equal(lines[1], ':36');
    }
  });

  test("through kubectl's plugin completion: kubectl __complete drill run ''", () => {
    const kubectl = `${sandboxBinDir()}/kubectl`;
    const result = spawnSync(kubectl, ['__complete', 'drill', 'run', ''], {
      encoding: 'utf8',
      cwd: repoRoot,
      env: { ...env, PATH: [`${repoRoot}bin`, process.env.PATH].join(delimiter) },
    });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(result.stdout.trimEnd().split('\n'), [
      'runbooks/evacuate-region.yaml',
      'runbooks/restore-orders.yaml',
      'runbooks/rollback-release.yaml',
      'runbooks/zone-outage.yaml',
      ':4',
    ]);
  });
});

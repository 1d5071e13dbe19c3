// The two ways users install the plugin, each tested from a clean directory, never the checkout:
// `npm install -g` of the `npm pack` tarball (on the user's Node, refused in one line when too old),
// and krew with the archive `npm run release` builds (its own Node inside: nothing on PATH).
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { adminKubeconfig, repoRoot, sandboxBinDir, sandboxScript } from '../support/paths.ts';

const work = mkdtempSync(join(tmpdir(), 'drill-install-'));
const runbook = `${repoRoot}runbooks/evacuate-region.yaml`;
const kubectl = `${sandboxBinDir()}/kubectl`;
const projectNode = dirname(process.execPath);
after(() => rmSync(work, { recursive: true, force: true }));

function run(command: string, args: string[], options: SpawnSyncOptions = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd: work, ...options });
  return { status: result.status, stdout: String(result.stdout), stderr: String(result.stderr) };
}

function ok(result: { status: number | null; stdout: string; stderr: string }): string {
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

test('npm install -g of the packed tarball runs from any directory, on the Node found on PATH', async (t) => {
  const tarball = ok(
    run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: repoRoot }),
  )
    .trim()
    .split('\n')
    .pop();
  const prefix = join(work, 'npm-global');
  ok(run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', join(work, tarball ?? '')]));
  const installed = join(prefix, 'lib', 'node_modules', 'kubectl-drill');
  assert.throws(() => readFileSync(join(installed, 'node_modules', 'node', 'package.json')), 'no second Node');

  const path = [join(prefix, 'bin'), projectNode, dirname(kubectl), '/usr/bin', '/bin'].join(':');
  const env = { HOME: work, PATH: path };
  await t.test('--help and validate', () => {
    assert.match(ok(run('kubectl-drill', ['--help'], { env, cwd: tmpdir() })), /\$ kubectl drill /);
    assert.match(ok(run('kubectl', ['drill', 'validate', runbook], { env, cwd: tmpdir() })), /valid/);
  });
  await t.test('a Node older than 22 is refused in one line', () => {
    // The machine's own Node (20 here) first on PATH.
    const result = run('kubectl-drill', ['--help'], {
      env: { HOME: work, PATH: [join(prefix, 'bin'), '/usr/bin', '/bin'].join(':') },
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^kubectl-drill needs Node\.js >= 22; \S+ is v(1\d|2[01])\.[^\n]*\n$/);
  });
});

test('krew installs the release archive, which runs with no Node on PATH', async (t) => {
  const out = join(work, 'release');
  ok(run(process.execPath, [`${repoRoot}release/release.ts`, '--out', out], { cwd: repoRoot }));
  const manifest = parse(readFileSync(join(out, 'plugins', 'drill.yaml'), 'utf8')) as {
    apiVersion: string;
    spec: {
      platforms: {
        selector: { matchLabels: { os: string; arch: string } };
        uri: string;
        sha256: string;
        files: { from: string }[];
      }[];
    };
  };
  assert.equal(manifest.apiVersion, 'krew.googlecontainertools.github.com/v1alpha2');
  const platforms = manifest.spec.platforms.map((p) => `${p.selector.matchLabels.os}-${p.selector.matchLabels.arch}`);
  assert.deepEqual(platforms, ['linux-amd64', 'linux-arm64', 'darwin-amd64']);
  for (const platform of manifest.spec.platforms) {
    const archive = join(out, platform.uri.split('/').pop() ?? '');
    assert.equal(createHash('sha256').update(readFileSync(archive)).digest('hex'), platform.sha256, archive);
    assert.ok(platform.files.some((file) => file.from === 'LICENSE'));
  }
  const archive = join(out, manifest.spec.platforms[0]?.uri.split('/').pop() ?? '');

  // A PATH with kubectl, krew and the few tools the launcher uses: no Node anywhere.
  const tools = join(work, 'no-node-bin');
  mkdirSync(tools);
  const krewDir = ok(run('bash', [sandboxScript, 'krew-bin'])).trim();
  symlinkSync(`${krewDir}/krew`, join(tools, 'kubectl-krew'));
  symlinkSync(kubectl, join(tools, 'kubectl'));
  for (const tool of ['sh', 'readlink', 'dirname']) symlinkSync(`/usr/bin/${tool}`, join(tools, tool));
  const krewRoot = join(work, 'krew');
  const env = { HOME: work, KREW_ROOT: krewRoot, PATH: `${join(krewRoot, 'bin')}:${tools}` };
  assert.notEqual(run('sh', ['-c', 'command -v node'], { env }).status, 0, 'no node on PATH');

  ok(
    run('kubectl', ['krew', 'install', `--manifest=${join(out, 'plugins', 'drill.yaml')}`, `--archive=${archive}`], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  await t.test('validate', () => {
    assert.match(ok(run('kubectl', ['drill', 'validate', runbook], { env, cwd: tmpdir() })), /: valid/);
  });
  await t.test('plan against the sandbox', () => {
    const plan = ok(
      run('kubectl', ['drill', 'plan', runbook, '--kubeconfig', adminKubeconfig, '--set', 'region=us-east'], { env }),
    );
    assert.match(plan, /drain 4 nodes \(us-east-a-1, us-east-a-2, us-east-b-1, us-east-b-2\)/);
    assert.match(plan, /permissions: all granted/);
  });
});

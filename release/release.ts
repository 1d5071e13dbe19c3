// `npm run release [-- --platform linux-amd64 ...] [--out DIR]`: the krew archives, one per
// platform, each runnable with nothing installed (its own Node inside), their sha256, and the krew
// manifest that lists them (DIR/plugins/drill.yaml). The JavaScript is what `npm pack` ships (built
// by `npm run release` first; the tests call this file after their own build), so an archive and a
// global npm install run the same files. Archives are reproducible: sorted entries, no owners, and
// every mtime set to the last commit's time.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { type Platform, platformName, platforms } from './platforms.ts';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    platform: { type: 'string', multiple: true },
    out: { type: 'string', default: join(root, 'release', 'out') },
  },
});
const chosen = values.platform ?? platforms.map(platformName);
const unknown = chosen.filter((name) => !platforms.some((platform) => platformName(platform) === name));
if (unknown.length > 0) {
  console.error(`--platform: unknown ${unknown.join(', ')} (known: ${platforms.map(platformName).join(', ')})`);
  process.exit(2);
}
const out = resolve(values.out);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  description: string;
  homepage: string;
};
const run = (command: string, args: string[], cwd = root): string =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

const work = mkdtempSync(join(tmpdir(), 'kubectl-drill-release-'));
try {
  mkdirSync(join(out, 'plugins'), { recursive: true });
  const payload = stagePayload();
  const mtime = run('git', ['log', '-1', '--format=%ct']).trim();
  const entries = platforms
    .filter((platform) => chosen.includes(platformName(platform)))
    .map((platform) => {
      const archive = join(out, `kubectl-drill-v${pkg.version}-${platformName(platform)}.tar.gz`);
      buildArchive(platform, payload, archive, mtime);
      const sha256 = createHash('sha256').update(readFileSync(archive)).digest('hex');
      writeFileSync(`${archive}.sha256`, `${sha256}  ${archive.split('/').pop() ?? ''}\n`);
      console.log(`${archive} ${sha256}`);
      return { platform, archive, sha256 };
    });
  const manifest = join(out, 'plugins', 'drill.yaml');
  writeFileSync(manifest, krewManifest(entries));
  console.log(manifest);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** The files every archive shares: the npm package's (dist/ bundles its dependencies). */
function stagePayload(): string {
  const tarball =
    run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work]).trim().split('\n').pop() ?? '';
  const payload = join(work, 'payload');
  mkdirSync(payload);
  run('tar', ['-xzf', join(work, tarball), '-C', payload, '--strip-components=1']);
  // krew's unpacker refuses links; the package has none, and this keeps it so.
  const links = run('find', [payload, '-type', 'l']).trim();
  if (links) throw new Error(`krew cannot unpack links, and the payload has some:\n${links}`);
  return payload;
}

/** Node's own binary and licence for the platform, from the registry, cached between releases. */
function runtimeTarball(platform: Platform): string {
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kubectl-drill', 'node-runtimes');
  const file = join(cache, `${platform.runtimePackage}-${platform.runtimeVersion}.tgz`);
  if (!existsSync(file)) {
    mkdirSync(cache, { recursive: true });
    run('npm', [
      'pack',
      '--silent',
      '--pack-destination',
      cache,
      `${platform.runtimePackage}@${platform.runtimeVersion}`,
    ]);
  }
  return file;
}

function buildArchive(platform: Platform, payload: string, archive: string, mtime: string): void {
  const stage = join(work, platformName(platform));
  cpSync(payload, stage, { recursive: true });
  const runtime = join(stage, 'runtime');
  mkdirSync(runtime);
  run('tar', [
    '-xzf',
    runtimeTarball(platform),
    '-C',
    runtime,
    '--strip-components=1',
    'package/bin/node',
    'package/LICENSE',
  ]);
  run('tar', [
    '--sort=name',
    `--mtime=@${mtime}`,
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '-czf',
    archive,
    '-C',
    stage,
    '.',
  ]);
}

function krewManifest(entries: { platform: Platform; archive: string; sha256: string }[]): string {
  const manifest = {
    apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
    kind: 'Plugin',
    metadata: { name: 'drill' },
    spec: {
      version: `v${pkg.version}`,
      homepage: pkg.homepage,
      shortDescription: 'Run timed, journaled incident-response drills from runbooks',
      description: `${pkg.description}.\nRuns a runbook's steps (drain traffic, cordon and drain nodes, roll back a release,\nrestore data, manual steps), times each against its target, journals every event, and can\nroll back whatever a drill changed. Each archive carries its own Node runtime.\n`,
      caveats: 'Start with `kubectl drill init my-drill.yaml` and `kubectl drill validate my-drill.yaml`.\n',
      platforms: entries.map(({ platform, archive, sha256 }) => ({
        selector: { matchLabels: { os: platform.os, arch: platform.arch } },
        uri: `${pkg.homepage}/releases/download/v${pkg.version}/${archive.split('/').pop() ?? ''}`,
        sha256,
        files: ['LICENSE', 'package.json', 'oclif.manifest.json', 'bin', 'dist', 'schema', 'runtime'].map((from) => ({
          from,
          to: '.',
        })),
        bin: 'bin/kubectl-drill',
      })),
    },
  };
  return stringify(manifest, { lineWidth: 0 });
}

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const sandboxScript = `${repoRoot}test/cluster/sandbox.sh`;
export const sandboxDir = process.env.SANDBOX_DIR ?? `${repoRoot}.sandbox`;
export const adminKubeconfig = `${sandboxDir}/kubeconfig`;
export const restrictedKubeconfig = `${sandboxDir}/kubeconfig-restricted`;

/** The directory of the sandbox's binaries, kubectl among them (built at the sandbox's version). */
export function sandboxBinDir(): string {
  const result = spawnSync('bash', [sandboxScript, 'bin'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) {
    throw new Error('could not build the sandbox binaries');
  }
  return result.stdout.trim();
}

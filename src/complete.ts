// `kubectl_complete-drill`'s entry point (dist/complete.js, a bundle of its own): shell completion
// without loading oclif or the commands (see src/ui/completion/complete.ts). A failure, an old Node
// included, prints nothing, so kubectl falls back to file names.
import { tooOldNode } from './node-version.ts';

if (tooOldNode(process.version, process.execPath) === undefined) {
  const { fileURLToPath } = await import('node:url');
  const { complete, readManifest } = await import('./ui/completion/complete.ts');
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.stdout.write(
    await complete(process.argv.slice(2), { cwd: process.cwd(), env: process.env, root }, readManifest(root)),
  );
}

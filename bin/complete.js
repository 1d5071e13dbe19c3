// `kubectl_complete-drill`: shell completion without loading oclif or the commands (see
// src/ui/completion/complete.ts). A failure prints nothing, so kubectl falls back to file names.
import { enableCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';

enableCompileCache();
const root = fileURLToPath(new URL('..', import.meta.url));
const { complete, readManifest } = await import('../dist/ui/completion/complete.js');
process.stdout.write(
  await complete(process.argv.slice(2), { cwd: process.cwd(), env: process.env, root }, readManifest(root)),
);

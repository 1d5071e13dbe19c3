// The CLI's entry point (bin/kubectl-drill runs dist/cli.js, its bundle). On a Node too old for the CLI,
// the modules it loads could fail to link (a named export that Node does not have yet) and print a stack
// trace; so this file imports nothing but the version check, and loads the rest only once it passed.
import { tooOldNode } from './node-version.ts';

const tooOld = tooOldNode(process.version, process.execPath);
if (tooOld !== undefined) {
  process.stderr.write(`${tooOld}\n`);
  process.exit(1);
}
const { start } = await import('./start.ts');
await start(import.meta.url);

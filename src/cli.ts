// The CLI's entry point (bin/kubectl-drill runs dist/cli.js, its bundle). On a Node too old for the CLI,
// the modules it loads could fail to link (a named export that Node does not have yet) and print a stack
// trace; so this file imports nothing but the version check, and loads the rest only once it passed.
// The root help is printed from what the build rendered, without oclif (src/root-help.ts).
import { tooOldNode } from './node-version.ts';

const tooOld = tooOldNode(process.version, process.execPath);
if (tooOld !== undefined) {
  process.stderr.write(`${tooOld}\n`);
  process.exit(1);
}
// The root help, oclif's text rendered at build time, needs neither oclif nor the rest of start-up.
const args = process.argv.slice(2);
const rootHelp = args.length === 0 || (args.length === 1 && args[0] === '--help');
if (!rootHelp || !(await import('./root-help.ts')).printRootHelp(import.meta.url)) {
  const { start } = await import('./start.ts');
  await start(import.meta.url);
}

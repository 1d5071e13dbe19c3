// No static import: on a Node too old for the CLI, the version check must run before any module
// that would fail to load there, so the user reads one line instead of a stack trace.
const needed = 22;
if (Number(process.versions.node.split('.')[0]) < needed) {
  process.stderr.write(
    `kubectl-drill needs Node.js >= ${needed}; ${process.execPath} is ${process.version}. Install a newer Node, or the krew archive that carries its own.\n`,
  );
  process.exit(1);
}
const { enableCompileCache } = await import('node:module');
// Start-up is most of a short command's time: cache compiled code between runs.
enableCompileCache();
const { execute } = await import('@oclif/core');
await execute({ dir: import.meta.url });

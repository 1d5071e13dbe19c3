// `npm run build`: bundles the CLI into dist/ with esbuild, so that a command loads a few large files
// instead of thousands of small ones (typebox alone is over two thousand modules), and only the code it
// uses. One entry per file in src/commands/ (found here, so a new command needs no change to this
// script) plus src/cli.ts and src/complete.ts (kubectl_complete-drill's); code shared between entries goes into dist/chunks/, and each dynamic
// import() in the sources stays lazy as a chunk of its own. Dependencies are bundled too: dist/ needs
// no node_modules at run time, only Node, package.json and oclif.manifest.json beside it.
import { build, type Plugin } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { Code } from 'typebox/compile';
import { runbookJsonSchema } from '../src/runbook/json-schema.ts';

const root = new URL('../', import.meta.url).pathname;
const commands = readdirSync(`${root}src/commands`)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => `src/commands/${file}`);

/**
 * src/runbook/schema-errors.ts with the runbook schema's validator generated now, by TypeBox from the
 * same schema, instead of compiled at each start. The generated check keeps its regular expressions
 * apart (TypeBox's "externals"); they are written out as literals.
 */
const precompiledSchema: Plugin = {
  name: 'precompiled-schema',
  setup(bundle) {
    bundle.onLoad({ filter: /\/src\/runbook\/schema-errors\.ts$/ }, () => {
      const { Code: code, External } = Code(runbookJsonSchema());
      const variables = External.variables.map((variable) => {
        if (!(variable instanceof RegExp)) throw new Error('the runbook validator needs a value other than a RegExp');
        return `new RegExp(${JSON.stringify(variable.source)}, ${JSON.stringify(variable.flags)})`;
      });
      const contents = [
        code,
        "import { Errors } from 'typebox/value';",
        `SetExternal({ variables: [${variables.join(', ')}] });`,
        // As TypeBox's Validator.Errors with a compiled check: nothing if the check passes, else every error.
        'export function schemaErrors(schema, value) { return Check(value) ? [] : Errors(schema, value); }',
      ].join('\n');
      return { contents, loader: 'js', resolveDir: `${root}src/runbook` };
    });
  },
};

/**
 * Node's built-in modules, imported by the sources and their dependencies, are loaded with require()
 * (the banner's) instead. An ES module import of a built-in makes Node build a facade that reads each of
 * its exports once, and among node:http's are getters (WebSocket and the like) that load Node's own copy
 * of undici: 35 ms of the start-up of `plan` and `run`, for nothing the CLI uses.
 */
const builtinsThroughRequire: Plugin = {
  name: 'builtins-through-require',
  setup(bundle) {
    bundle.onResolve({ filter: /^[a-z][a-z0-9_:/]*$/ }, ({ path, kind }) =>
      kind === 'import-statement' && isBuiltin(path) ? { path, namespace: 'builtin' } : undefined,
    );
    bundle.onLoad({ filter: /.*/, namespace: 'builtin' }, ({ path }) => ({
      contents: `module.exports = require(${JSON.stringify(path)});`,
      loader: 'js',
    }));
  },
};

rmSync(`${root}dist`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts', 'src/complete.ts', ...commands],
  outbase: 'src',
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: true,
  // Stack traces need only the mappings; the sources are in the repository.
  sourcesContent: false,
  // oclif reads tsconfig.json with typescript, and registers ts-node or tsx, only when NODE_ENV says
  // development: looked up at run time then, never shipped.
  external: ['typescript', 'ts-node', 'tsx'],
  // Bundled CommonJS dependencies call require(): an ES module has none, so each output makes one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  plugins: [precompiledSchema, builtinsThroughRequire],
  logLevel: 'warning',
});
// What `validate` runs without oclif (src/validate-fast.ts), as one CommonJS file: V8 makes a code cache
// after a run only of a classic script (src/cached-bundle.ts). Its own dynamic imports become requires.
await build({
  absWorkingDir: root,
  entryPoints: ['src/ui/validate-files.ts'],
  outfile: 'dist/validate-files.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node22',
  supported: { 'dynamic-import': false },
  sourcemap: true,
  sourcesContent: false,
  plugins: [precompiledSchema],
  logLevel: 'warning',
});
console.log(`dist/: src/cli.ts, src/complete.ts, ${commands.length} commands and validate's CommonJS bundle`);

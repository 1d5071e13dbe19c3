// `npm run build`: bundles the CLI into dist/ with esbuild, so that a command loads a few large files
// instead of thousands of small ones (typebox alone is over two thousand modules), and only the code it
// uses. One entry per file in src/commands/ (found here, so a new command needs no change to this
// script) plus src/cli.ts and src/complete.ts (kubectl_complete-drill's); code shared between entries goes into dist/chunks/, and each dynamic
// import() in the sources stays lazy as a chunk of its own. Dependencies are bundled too: dist/ needs
// no node_modules at run time, only Node, package.json and oclif.manifest.json beside it.
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { resolve as resolvePath } from 'node:path';
import { Code } from 'typebox/compile';
import { actions } from '../src/actions/registry.ts';
import { RUNBOOK_SCHEMA_ID, runbookJsonSchema } from '../src/runbook/json-schema.ts';
import { undiciSubset } from './undici-subset.ts';

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
 * For `validate` without oclif (dist/validate-files.cjs): the actions as data, made now, instead of their
 * modules. Validating needs of an action only what it declares as data (name, inputs, outputs, which
 * inputs are secret); its functions (plan, permissions, execute) are left out, and with them the
 * Kubernetes access they bring. Loading the modules also built every input schema with TypeBox at each
 * start. The runbook JSON Schema, made from the same declarations, is written out whole as well.
 * Measured in the process, interleaved, median of 21: the bundle loaded in 11 ms instead of 15 and
 * validated the shipped runbook in 28 ms instead of 36. test/cli/validate-fast.test.ts checks that
 * this `validate` prints what the oclif command prints.
 */
const actionDeclarations: Plugin = {
  name: 'action-declarations',
  setup(bundle) {
    bundle.onLoad({ filter: /\/src\/actions\/registry\.ts$/ }, () => {
      const declarations = actions.map((action) =>
        Object.fromEntries(Object.entries(action).filter(([, value]) => typeof value !== 'function')),
      );
      const contents = [
        `export const actions = JSON.parse(${JSON.stringify(JSON.stringify(declarations))});`,
        'const byName = new Map(actions.map((action) => [action.name, action]));',
        'export const actionNames = actions.map((action) => action.name);',
        'export function findAction(name) { return byName.get(name); }',
      ].join('\n');
      return { contents, loader: 'js' };
    });
    bundle.onLoad({ filter: /\/src\/runbook\/json-schema\.ts$/ }, () => {
      const contents = [
        `export const RUNBOOK_SCHEMA_ID = ${JSON.stringify(RUNBOOK_SCHEMA_ID)};`,
        `const schema = ${JSON.stringify(JSON.stringify(runbookJsonSchema()))};`,
        'export function runbookJsonSchema() { return JSON.parse(schema); }',
      ].join('\n');
      return { contents, loader: 'js' };
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

// What runs through a V8 code cache made after a run (src/cached-bundle.ts), which V8 makes only of a
// classic script: each is one CommonJS file, dist/<name>.cjs, its own dynamic imports turned into
// requires. `validate` without oclif runs validate-files.ts; the commands that reach a cluster load the
// client library, and plan, run, resume and rollback the engine (src/engine-bundle.ts).
const commonJsBundles = {
  'src/ui/validate-files.ts': 'validate-files',
  'src/kube/client-library.ts': 'client-library',
  'src/engine-bundle.ts': 'engine',
};

/**
 * An import of the client library or of the engine, from outside its own bundle, is an import of that
 * bundle: its code is bundled once, and a process holds one copy of its classes and state. `dir` is where
 * the importing outputs are, relative to dist/ (`..` from dist/chunks/). validate-files.ts is left to the
 * ES modules of `validate` through oclif, as sources of their own.
 */
function bundleImports(dir: '.' | '..'): Plugin {
  const shared = ['src/kube/client-library.ts', 'src/engine-bundle.ts'] as const;
  const names = new Map(shared.map((entry) => [`${root}${entry}`, commonJsBundles[entry]]));
  return {
    name: 'commonjs-bundle-imports',
    setup(bundle) {
      bundle.onResolve({ filter: /\.ts$/ }, ({ path, resolveDir, kind }) => {
        const name = kind === 'entry-point' ? undefined : names.get(resolvePath(resolveDir, path));
        return name === undefined ? undefined : { path: `${dir}/${name}.cjs`, external: true };
      });
    },
  };
}

/**
 * oclif sorts each plugin's commands by id with localeCompare as it loads them, in every command. The
 * first localeCompare of a process sets up ICU's collator: 7-11 ms of each start. The CLI's command ids
 * are lowercase ASCII words, which sort alike by code unit, so the bundle sorts them that way. The build
 * fails if oclif no longer sorts as expected, rather than leave the change unmade unseen.
 */
const oclifCommandOrder: Plugin = {
  name: 'oclif-command-order',
  setup(bundle) {
    bundle.onLoad({ filter: /[\\/]@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const byLocale = '.sort((a, b) => a.id.localeCompare(b.id))';
      if (!source.includes(byLocale)) throw new Error(`${path} no longer sorts commands with ${byLocale}`);
      return { contents: source.replace(byLocale, '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))') };
    });
  },
};

/** What the ES modules and the CommonJS bundles are built with alike. */
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node22',
  sourcemap: true,
  // Stack traces need only the mappings; the sources are in the repository.
  sourcesContent: false,
  // oclif reads tsconfig.json with typescript, and registers ts-node or tsx, only when NODE_ENV says
  // development: looked up at run time then, never shipped.
  external: ['typescript', 'ts-node', 'tsx'],
  logLevel: 'warning',
  // Without whitespace and comments, which are most of the client library (its API documentation): 3.6 MB
  // instead of 7.6, and `plan` and `run` reach their first request about 35 ms sooner. Names are kept,
  // and stack traces are mapped back to the sources (src/stack-traces.ts).
  minifyWhitespace: true,
  // Licences go to a file beside each output (linked from it): some hold characters outside ASCII, and one
  // such character makes V8 hold the whole bundle as a two-byte string, slower to read.
  legalComments: 'linked',
} satisfies BuildOptions;

rmSync(`${root}dist`, { recursive: true, force: true });
const modules = await build({
  ...common,
  entryPoints: ['src/cli.ts', 'src/complete.ts', ...commands],
  outbase: 'src',
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  format: 'esm',
  // Bundled CommonJS dependencies call require(): an ES module has none, so each output makes one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  plugins: [precompiledSchema, builtinsThroughRequire, bundleImports('..'), oclifCommandOrder],
  metafile: true,
});
const misplaced = Object.entries(modules.metafile.outputs).filter(
  ([output, { imports }]) =>
    imports.some(({ path }) => path.startsWith('../') && path.endsWith('.cjs')) && !output.startsWith('dist/chunks/'),
);
if (misplaced.length > 0) throw new Error(`outside dist/chunks/, ${misplaced[0]?.[0]} imports a ../*.cjs bundle`);
for (const [entry, name] of Object.entries(commonJsBundles)) {
  await build({
    ...common,
    entryPoints: [entry],
    outfile: `dist/${name}.cjs`,
    format: 'cjs',
    supported: { 'dynamic-import': false },
    plugins: [
      precompiledSchema,
      undiciSubset(root),
      bundleImports('.'),
      ...(name === 'validate-files' ? [actionDeclarations] : []),
    ],
  });
}
console.log(
  `dist/: src/cli.ts, src/complete.ts, ${commands.length} commands, and ${Object.values(commonJsBundles).join(', ')} as CommonJS`,
);

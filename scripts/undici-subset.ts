// The client library imports three names from undici (fetch, Agent, ProxyAgent), and undici's index
// loads every other part of it as well: mocks, caches, WebSocket, EventSource, cookies. In the client
// library's bundle (scripts/build.ts) the library's `undici` is a module of those three alone, each
// required from the undici module that defines it: 14 ms less for `plan` and `run` to load the library,
// and 0.3 MB less to read. test/unit/undici-subset.test.ts checks that the library imports nothing else
// from undici, and that each module below has what it is asked for.
import type { Plugin } from 'esbuild';

/** Each name the client library imports from undici, and the undici module (and export) that has it. */
export const UNDICI_PARTS = {
  fetch: { module: 'undici/lib/web/fetch/index.js', exportName: 'fetch' },
  Agent: { module: 'undici/lib/dispatcher/agent.js', exportName: undefined },
  ProxyAgent: { module: 'undici/lib/dispatcher/proxy-agent.js', exportName: undefined },
} as const satisfies Record<string, { module: string; exportName: string | undefined }>;

/** Resolves `undici`, imported from the client library, to a module of UNDICI_PARTS alone. */
export function undiciSubset(resolveDir: string): Plugin {
  return {
    name: 'undici-subset',
    setup(bundle) {
      bundle.onResolve({ filter: /^undici$/ }, ({ importer }) =>
        importer.includes('/node_modules/@kubernetes/client-node/')
          ? { path: 'undici', namespace: 'undici-subset' }
          : undefined,
      );
      bundle.onLoad({ filter: /.*/, namespace: 'undici-subset' }, () => ({
        contents: Object.entries(UNDICI_PARTS)
          .map(([name, { module, exportName }]) => {
            const value = `require(${JSON.stringify(module)})${exportName === undefined ? '' : `.${exportName}`}`;
            return `module.exports.${name} = ${value};`;
          })
          .join('\n'),
        loader: 'js',
        resolveDir,
      }));
    },
  };
}

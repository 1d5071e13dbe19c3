// What src/cli.ts loads once the Node version is known to be good. It decides what happens before any
// other module loads: V8's compile cache, so that later runs skip compiling the bundles again, and
// stack traces mapped back to src/. Everything else is imported afterwards, once the cache is on: it
// covers only the modules loaded after it is. `validate` with plain arguments runs without oclif
// (src/validate-fast.ts); it, the client library and the engine run through code caches of their own
// (src/cached-bundle.ts).
import { enableCompileCache } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type CachedBundle, loadCachedBundle } from './cached-bundle.ts';
import type { Engine } from './engine-loader.ts';
import type { ClientLibrary } from './kube/client-library-loader.ts';
import { mapStackTraces } from './stack-traces.ts';
import { keepGoingWhenReaderGone } from './stdout.ts';

// Under the user's cache directory, not the system's temporary one, which other users share. Node keys
// entries by its version and each file's content, so a rebuilt bundle or another Node does not reuse a
// stale entry; a directory that cannot be written only means no cache.
/** Runs the CLI whose entry point is `entry` (the URL of dist/cli.js). */
export async function start(entry: string): Promise<void> {
  const cacheHome = process.env.XDG_CACHE_HOME ?? '';
  const cacheDir = join(cacheHome === '' ? join(homedir(), '.cache') : cacheHome, 'kubectl-drill');
  enableCompileCache(join(cacheDir, 'compile-cache'));
  const codeCacheDir = join(cacheDir, 'code-cache');
  const dist = new URL('.', entry);
  mapStackTraces(dist.href);
  const [command, ...args] = process.argv.slice(2);
  if (command === 'validate') {
    const { validateWithoutOclif } = await import('./validate-fast.ts');
    if (await validateWithoutOclif(args, dist, codeCacheDir)) return;
  }
  keepGoingWhenReaderGone();
  // The client library and the engine, each a CommonJS bundle run through a code cache. Saved as soon as
  // it has loaded, so that a drill killed halfway does not leave the next run without one; and again at
  // exit, with the functions the work called (undici's fetch, the generated APIs, the YAML parser):
  // compiled at their first call otherwise, in every process.
  const cached = <Exports>(bundle: CachedBundle<Exports>): Exports => {
    bundle.save('loaded');
    process.once('exit', () => {
      bundle.save('used');
    });
    return bundle.exports;
  };
  let library: ClientLibrary | undefined;
  const loadClientLibrary = (): Promise<ClientLibrary> => {
    library ??= cached(loadCachedBundle<ClientLibrary>(new URL('client-library.cjs', dist), codeCacheDir));
    return Promise.resolve(library);
  };
  const [{ clientLibrary }, { engine }] = await Promise.all([
    import('./kube/client-library-loader.ts'),
    import('./engine-loader.ts'),
  ]);
  clientLibrary.loadWith(loadClientLibrary);
  engine.loadWith(() => {
    const bundled = cached(loadCachedBundle<Engine>(new URL('engine.cjs', dist), codeCacheDir));
    bundled.clientLibrary.loadWith(loadClientLibrary);
    return Promise.resolve(bundled);
  });
  // oclif checks the Node version again as it loads, with every module of semver, against a package.json
  // that is not beside the bundle; src/cli.ts has checked it already. The variable is put back before
  // anything runs, so that steps' processes do not inherit it.
  const engineWarning = process.env.OCLIF_DISABLE_ENGINE_WARNING;
  process.env.OCLIF_DISABLE_ENGINE_WARNING = 'true';
  const { main } = await import('./main.ts');
  if (engineWarning === undefined) delete process.env.OCLIF_DISABLE_ENGINE_WARNING;
  else process.env.OCLIF_DISABLE_ENGINE_WARNING = engineWarning;
  await main(entry);
}

// Where the client library comes from: this module's import of it (tests and benches, which run from
// src/), unless the CLI has said otherwise before any cluster is opened (src/start.ts: its own bundle,
// through a code cache). A module apart from cluster.ts, with nothing of its own to load, so that
// setting the loader costs nothing to the commands that never connect.
import { LazyModule } from '../lazy-module.ts';
import type * as clientLibraryModule from './client-library.ts';

export type ClientLibrary = typeof clientLibraryModule;

export const clientLibrary = new LazyModule<ClientLibrary>(() => import('./client-library.ts'));

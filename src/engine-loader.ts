// Where the commands get the engine (src/engine-bundle.ts) from: this module's import of it, unless the
// CLI has said otherwise (src/start.ts: dist/engine.cjs through a code cache). Nothing of its own to
// load, so that the commands that never run a drill pay nothing for it.
import type * as engineBundle from './engine-bundle.ts';
import { LazyModule } from './lazy-module.ts';

export type Engine = typeof engineBundle;

export const engine = new LazyModule<Engine>(() => import('./engine-bundle.ts'));

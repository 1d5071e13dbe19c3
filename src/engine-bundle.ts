// What plan, run, resume and rollback call once their flags are parsed, as one module. The CLI runs it
// from a CommonJS bundle of its own, dist/engine.cjs, through a code cache made after use (src/start.ts,
// src/cached-bundle.ts): as ES modules the same code was some 25 chunks that Node linked one by one,
// every function compiled again at its first call, about 35 ms of each of those commands' start.
// The commands reach it only through src/engine-loader.ts, never by importing these modules, so that a
// process holds one copy of each: their classes (RunRefused, the API errors) and state are shared.
export { ExitCode, RunRefused, defaultJournalDir, runDrill } from './engine/session.ts';
export { resumeDrill } from './engine/resume.ts';
export { rollbackDrill } from './engine/rollback.ts';
export { Interrupts } from './engine/interrupts.ts';
export { describeError } from './kube/errors.ts';
export { clientLibrary } from './kube/client-library-loader.ts';
export { printPlan } from './ui/plan.ts';

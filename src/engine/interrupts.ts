// Ctrl-C, SIGTERM and SIGHUP during a run. The first stops the running step and starts the
// rollback; while the drill winds down a second is answered with what a third would cost, and a
// third exits at once, journaled, leaving the rest to `kubectl drill rollback` (users of other
// drill tools lost cleanups to an impatient second Ctrl-C; nobody should lose one by accident).
import type { InterruptSignal } from './runner.ts';

export type InterruptAnswer = 'stop-step' | 'warn' | 'exit';

export class Interrupts {
  readonly #controller = new AbortController();
  #received = 0;
  /** Aborted by the first interruption, with the signal's name as its reason. */
  readonly signal: AbortSignal = this.#controller.signal;
  /** Called before a third interruption exits the process: the journal notes it. */
  beforeExit: (() => void) | undefined;

  receive(name: InterruptSignal): InterruptAnswer {
    this.#received++;
    if (this.#received === 1) {
      this.#controller.abort(name);
      return 'stop-step';
    }
    if (this.#received === 2) return 'warn';
    this.beforeExit?.();
    return 'exit';
  }
}

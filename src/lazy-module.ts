/**
 * A module loaded once, at its first use: with the import its owner gives, unless the CLI has said
 * how before then (src/start.ts: a bundle of dist/ through a code cache). Tests and benches, which run
 * from src/, keep the import.
 */
export class LazyModule<Exports> {
  #load: () => Promise<Exports>;
  #loaded: Promise<Exports> | undefined;

  constructor(load: () => Promise<Exports>) {
    this.#load = load;
  }

  /** Loads with `load` instead; before the first use. */
  loadWith(load: () => Promise<Exports>): void {
    this.#load = load;
  }

  get(): Promise<Exports> {
    this.#loaded ??= this.#load();
    return this.#loaded;
  }
}

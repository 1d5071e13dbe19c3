// What a history format is: a name for `-o`, and a pure function from the histories (one per
// runbook) to the text to print. Each format is one object in its own file, found through
// registry.ts.
import type { Glyphs } from '../chart.ts';
import type { History } from './model.ts';

export interface HistoryRenderer {
  readonly name: string;
  readonly description: string;
  /** `width`: the terminal's columns, when the text goes to one. */
  render(histories: readonly History[], options: { glyphs: Glyphs; width?: number }): string;
}

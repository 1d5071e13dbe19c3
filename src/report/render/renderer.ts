// What a report format is: a name for `-o`, and a pure function from the report to the text to
// print. Each format is one object in its own file, found through registry.ts.
import type { Glyphs } from '../chart.ts';
import type { Report } from '../model.ts';

export interface RenderOptions {
  /** How the terminal draws charts (chart.ts); formats for files ignore it. */
  glyphs: Glyphs;
}

export interface ReportRenderer {
  readonly name: string;
  readonly description: string;
  render(report: Report, options: RenderOptions): string;
}

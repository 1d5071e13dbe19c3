/** Every report format, by its `-o` name. */
import { htmlRenderer } from './html.ts';
import { jsonRenderer } from './json.ts';
import { junitRenderer } from './junit.ts';
import { mdRenderer } from './md.ts';
import type { ReportRenderer } from './renderer.ts';
import { textRenderer } from './text.ts';

export const reportRenderers: readonly ReportRenderer[] = [
  textRenderer,
  mdRenderer,
  jsonRenderer,
  junitRenderer,
  htmlRenderer,
];

export function reportRenderer(name: string): ReportRenderer {
  const found = reportRenderers.find((r) => r.name === name);
  if (!found) throw new Error(`no report format "${name}" (${reportRenderers.map((r) => r.name).join(', ')})`);
  return found;
}

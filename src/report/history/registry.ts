/** Every history format, by its `-o` name. */
import { historyHtmlRenderer } from './html.ts';
import { historyJsonRenderer } from './json.ts';
import type { HistoryRenderer } from './renderer.ts';
import { historyTextRenderer } from './text.ts';

export const historyRenderers: readonly HistoryRenderer[] = [
  historyTextRenderer,
  historyJsonRenderer,
  historyHtmlRenderer,
];

export function historyRenderer(name: string): HistoryRenderer {
  const found = historyRenderers.find((r) => r.name === name);
  if (!found) throw new Error(`no history format "${name}" (${historyRenderers.map((r) => r.name).join(', ')})`);
  return found;
}

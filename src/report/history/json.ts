// -o json: the histories as computed (history/model.ts), one per runbook.
import type { HistoryRenderer } from './renderer.ts';

export const historyJsonRenderer: HistoryRenderer = {
  name: 'json',
  description: 'the runs, their values per column, trends and regressions',
  render: (histories) => JSON.stringify(histories, null, 2),
};

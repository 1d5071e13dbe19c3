// -o json: report.json, as the run writes it, but folded again from the journal.
import type { ReportRenderer } from './renderer.ts';

export const jsonRenderer: ReportRenderer = {
  name: 'json',
  description: 'report.json, folded from the journal',
  render: (report) => JSON.stringify(report, null, 2),
};

// The page every HTML format shares: one self-contained file (styles inline, charts as inline SVG,
// no script, nothing fetched: no src, href or url() at all), readable on screen and on paper.
// Text is escaped here, and a URL the data holds (a param's value) is written so that it reads the
// same but is no link anything would follow.

/** Text for HTML (content and attribute values alike). */
export function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/:\/\//g, '&#58;//');
}

/** The outcome colours, the same in every chart and badge; print keeps them. */
export const COLORS = {
  passed: '#2b8a3e',
  missed: '#e8590c',
  failed: '#c92a2a',
  interrupted: '#862e9c',
  skipped: '#868e96',
  'not-run': '#ced4da',
  curve: '#1864ab',
  target: '#212529',
} as const;

const CSS = `
:root { color-scheme: light; --ink: #212529; --muted: #6c757d; --line: #dee2e6; --panel: #f8f9fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: #fff; }
main { max-width: 1040px; margin: 0 auto; padding: 28px 32px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 17px; margin: 32px 0 10px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 14px; margin: 18px 0 6px; }
.sub { color: var(--muted); margin: 0 0 14px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.badge { display: inline-block; padding: 2px 9px; border-radius: 999px; font-size: 12px; font-weight: 600;
  color: #fff; vertical-align: middle; text-transform: uppercase; letter-spacing: 0.03em; }
.verdict { padding: 12px 16px; border-radius: 8px; border-left: 6px solid; background: var(--panel); font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 12px; margin: 16px 0 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: #fff; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
.card .value { font-size: 22px; font-weight: 650; margin-top: 2px; }
.card .note { font-size: 12px; color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: 0.03em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.missed td { background: #fff4e6; } tr.failed td, tr.interrupted td { background: #fff5f5; }
.chart { width: 100%; height: auto; display: block; margin: 6px 0 4px; }
.chart text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; font-size: 12px; color: var(--muted); margin: 4px 0 0; }
.legend span::before { content: ""; display: inline-block; width: 11px; height: 11px; border-radius: 2px;
  margin-right: 5px; vertical-align: -1px; background: var(--swatch); }
.empty { color: var(--muted); font-style: italic; }
.wide { overflow-x: auto; } .wide table { font-size: 12px; } .wide th, .wide td { padding: 5px 6px; }
ul.plain { padding-left: 18px; margin: 6px 0; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
@media print {
  @page { size: A4; margin: 12mm; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section, .cards, figure, tr { break-inside: avoid; }
  h2 { break-after: avoid; }
  .wide { overflow: visible; } .wide table { font-size: 8pt; }
}
`;

export function page(title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    `<body><main>${body}</main></body>`,
    '</html>',
    '',
  ].join('\n');
}

export function badge(text: string, color: string): string {
  return `<span class="badge" style="background:${color}">${esc(text)}</span>`;
}

export function htmlTable(
  header: string[],
  rows: { cells: string[]; className?: string }[],
  numeric: number[] = [],
): string {
  const th = header.map((h, i) => `<th${numeric.includes(i) ? ' class="num"' : ''}>${esc(h)}</th>`).join('');
  const tr = rows
    .map(
      (row) =>
        `<tr${row.className ? ` class="${row.className}"` : ''}>${row.cells
          .map((c, i) => `<td${numeric.includes(i) ? ' class="num"' : ''}>${c}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

// The charts of the HTML formats, drawn as inline SVG from the report's numbers: the run's
// timeline (a bar per step, its target marked, failed and missed steps in their colours), a
// drain's remaining-share curve (its threshold and the moment it was crossed), and a trend of one
// measure over many runs. Every mark carries a class and data attributes, so a test (or a person
// with the inspector) can find what was drawn; every mark has a <title> for its numbers.
import type { CurvePoint } from '../../kube/traffic/share.ts';
import { formatElapsed } from '../format.ts';
import type { DrainCurve, Report, StepReport } from '../model.ts';
import { stepOutcome } from '../verdict.ts';
import { COLORS, esc } from './html-page.ts';

const TICK_STEPS_MS = [
  100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
  3_600_000, 7_200_000,
];

/** Round tick positions from 0 to `maxMs`, about `count` of them. */
export function timeTicks(maxMs: number, count = 6): number[] {
  const step = TICK_STEPS_MS.find((s) => maxMs / s <= count) ?? Math.ceil(maxMs / count / 3_600_000) * 3_600_000;
  const ticks: number[] = [];
  for (let t = 0; t <= maxMs + 1e-9; t += step) ticks.push(t);
  return ticks;
}

function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const TIMELINE = { width: 980, label: 250, right: 150, row: 38, top: 34, bar: 16 };

/** A bar per step, across the run's time; a black tick where each step's target falls. */
export function timelineSvg(report: Report): string {
  const steps = report.steps;
  const { width, label, right, row, top, bar } = TIMELINE;
  const plot = { x0: label + 10, x1: width - right };
  // Targets far beyond the run would squeeze its bars: past 1.5 times the run they point off the scale.
  const ranMs = Math.max(report.durationMs, ...steps.map((s) => s.endMs ?? 0), 1);
  const targetEnds = steps.map((s) => (s.startMs ?? 0) + (s.targetMs ?? 0));
  const maxMs = Math.max(ranMs, ...targetEnds.filter((end) => end <= ranMs * 1.5));
  const x = (ms: number) => plot.x0 + (ms / maxMs) * (plot.x1 - plot.x0);
  const height = top + steps.length * row + 12;
  const parts: string[] = [];
  for (const tick of timeTicks(maxMs)) {
    parts.push(
      `<line x1="${n(x(tick))}" x2="${n(x(tick))}" y1="${top - 8}" y2="${height - 8}" stroke="#e9ecef"/>`,
      `<text x="${n(x(tick))}" y="${top - 14}" font-size="11" fill="#868e96" text-anchor="middle">${esc(formatElapsed(tick))}</text>`,
    );
  }
  steps.forEach((step, index) => parts.push(timelineRow(step, top + index * row, { x, plot, row, bar })));
  return (
    `<svg class="chart timeline" viewBox="0 0 ${width} ${height}" role="img" aria-label="timeline of the run's steps">` +
    `${parts.join('\n')}</svg>`
  );
}

function timelineRow(
  step: StepReport,
  y: number,
  geometry: { x: (ms: number) => number; plot: { x0: number; x1: number }; row: number; bar: number },
): string {
  const { x, plot, row, bar } = geometry;
  const outcome = stepOutcome(step);
  const color = COLORS[outcome];
  const parts: string[] = [];
  const standsOut = outcome === 'missed' || outcome === 'failed' || outcome === 'interrupted';
  if (standsOut) {
    const tint = outcome === 'missed' ? '#fff4e6' : '#fff5f5';
    parts.push(`<rect x="0" y="${y}" width="${TIMELINE.width}" height="${row - 2}" fill="${tint}" rx="4"/>`);
  }
  const prefix = step.phase === 'rollback' ? '↺ ' : '';
  parts.push(
    `<text x="8" y="${y + 16}" font-size="13" font-weight="600" fill="${standsOut ? color : '#212529'}">${esc(prefix + truncate(step.id, 30))}</text>`,
    `<text x="8" y="${y + 30}" font-size="11" fill="#868e96">${esc(truncate(step.name, 40))}</text>`,
  );
  const mid = y + row / 2 - 1;
  if (step.startMs !== undefined && step.endMs !== undefined && outcome !== 'skipped') {
    const x0 = x(step.startMs);
    const w = Math.max(3, x(step.endMs) - x0);
    const title = `${step.id}: ${step.status} in ${formatElapsed(step.durationMs)}${
      step.targetMs === undefined ? '' : ` (target ${formatElapsed(step.targetMs)})`
    }`;
    parts.push(
      `<rect class="bar ${outcome}" data-step="${esc(step.id)}" data-outcome="${outcome}" x="${n(x0)}" y="${n(mid - bar / 2)}" width="${n(w)}" height="${bar}" rx="3" fill="${color}"><title>${esc(title)}</title></rect>`,
    );
  } else {
    const at = step.endMs === undefined ? plot.x0 : x(step.endMs);
    parts.push(
      `<text class="bar ${outcome}" data-step="${esc(step.id)}" data-outcome="${outcome}" x="${n(at)}" y="${n(mid + 4)}" font-size="11" font-style="italic" fill="#868e96">${outcome === 'skipped' ? 'skipped' : 'not run'}</text>`,
    );
  }
  if (step.targetMs !== undefined && step.startMs !== undefined && x(step.startMs + step.targetMs) > plot.x1) {
    parts.push(
      `<g class="target off-scale" data-step="${esc(step.id)}" data-target-ms="${step.targetMs}"><title>${esc(`target ${formatElapsed(step.targetMs)}, off the scale`)}</title>` +
        `<path d="M${n(plot.x1 - 9)} ${n(mid - 6)} l9 6 l-9 6 z" fill="${COLORS.target}"/></g>`,
    );
  } else if (step.targetMs !== undefined && step.startMs !== undefined) {
    const tx = x(step.startMs + step.targetMs);
    parts.push(
      `<g class="target" data-step="${esc(step.id)}" data-target-ms="${step.targetMs}"><title>${esc(`target ${formatElapsed(step.targetMs)}`)}</title>` +
        `<line x1="${n(tx)}" x2="${n(tx)}" y1="${n(mid - bar / 2 - 5)}" y2="${n(mid + bar / 2 + 5)}" stroke="${COLORS.target}" stroke-width="2"/>` +
        `<path d="M${n(tx - 4)} ${n(mid - bar / 2 - 9)} h8 l-4 5 z" fill="${COLORS.target}"/></g>`,
    );
  }
  const time =
    step.status === 'not-run' || step.status === 'skipped'
      ? ''
      : `${formatElapsed(step.measuredMs ?? step.durationMs)}${step.targetMs === undefined ? '' : ` / ${formatElapsed(step.targetMs)}`}`;
  const mark = { missed: ' MISSED', failed: ' FAILED', interrupted: ' INTERRUPTED' }[outcome as string] ?? '';
  parts.push(
    `<text x="${plot.x1 + 12}" y="${n(mid + 4)}" font-size="12" font-weight="${mark ? 700 : 400}" fill="${mark ? color : '#495057'}">${esc(time)}${esc(mark)}</text>`,
  );
  return `<g class="row" data-step="${esc(step.id)}">${parts.join('')}</g>`;
}

const CURVE = { width: 980, height: 300, left: 56, right: 24, top: 20, bottom: 44 };

/** The remaining share over the drain: the samples as a step line, the threshold, the crossing. */
export function curveSvg(curve: DrainCurve): string {
  const { width, height, left, right, top, bottom } = CURVE;
  const points = curve.points;
  const lastMs = points.at(-1)?.[0] ?? 0;
  const maxMs = Math.max(lastMs, curve.crossedMs ?? 0, 1) * 1.03;
  const x = (ms: number) => left + (ms / maxMs) * (width - left - right);
  const y = (share: number) => top + (1 - Math.min(1, Math.max(0, share))) * (height - top - bottom);
  const parts: string[] = [];
  for (const share of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${n(y(share))}" y2="${n(y(share))}" stroke="${share === 0 ? '#adb5bd' : '#e9ecef'}"/>`,
      `<text x="${left - 8}" y="${n(y(share) + 4)}" font-size="11" fill="#868e96" text-anchor="end">${share * 100}%</text>`,
    );
  }
  for (const tick of timeTicks(maxMs, 8)) {
    parts.push(
      `<text x="${n(x(tick))}" y="${height - bottom + 18}" font-size="11" fill="#868e96" text-anchor="middle">${esc(formatElapsed(tick))}</text>`,
    );
  }
  parts.push(
    `<text x="${n((left + width - right) / 2)}" y="${height - 6}" font-size="11" fill="#868e96" text-anchor="middle">time since the drain was applied</text>`,
  );
  const path = stepPath(points, x, y);
  if (points.length > 0) {
    const first = points[0] as CurvePoint;
    const last = points.at(-1) as CurvePoint;
    parts.push(
      `<path d="${path} L${n(x(last[0]))} ${n(y(0))} L${n(x(first[0]))} ${n(y(0))} Z" fill="${COLORS.curve}" fill-opacity="0.12"/>`,
      `<path class="curve-line" d="${path}" fill="none" stroke="${COLORS.curve}" stroke-width="2.2" stroke-linejoin="round"/>`,
    );
  }
  if (curve.threshold !== undefined) {
    const level = 1 - curve.threshold;
    parts.push(
      `<g class="threshold" data-threshold="${curve.threshold}"><line x1="${left}" x2="${width - right}" y1="${n(y(level))}" y2="${n(y(level))}" stroke="${COLORS.failed}" stroke-width="1.5" stroke-dasharray="6 4"/>` +
        `<text x="${width - right - 4}" y="${n(y(level) - 6)}" font-size="11" fill="${COLORS.failed}" text-anchor="end">threshold: ${esc(String(Math.round(curve.threshold * 1000) / 10))}% gone</text></g>`,
    );
  }
  const dots = points
    .map(
      ([ms, share]) =>
        `<circle class="point" data-ms="${ms}" data-share="${share}" cx="${n(x(ms))}" cy="${n(y(share))}" r="2.4" fill="${COLORS.curve}"><title>${esc(`${formatElapsed(ms)}: ${Math.round(share * 1000) / 10}% left`)}</title></circle>`,
    )
    .join('');
  parts.push(`<g class="points">${dots}</g>`);
  if (curve.crossedMs !== undefined && curve.threshold !== undefined) {
    const cx = x(curve.crossedMs);
    const text = `${Math.round(curve.threshold * 1000) / 10}% gone at ${formatElapsed(curve.crossedMs)}`;
    const anchor = cx > width * 0.7 ? 'end' : 'start';
    parts.push(
      `<g class="crossing" data-ms="${curve.crossedMs}"><line x1="${n(cx)}" x2="${n(cx)}" y1="${top}" y2="${height - bottom}" stroke="${COLORS.passed}" stroke-width="2"/>` +
        `<circle cx="${n(cx)}" cy="${n(y(1 - curve.threshold))}" r="5" fill="#fff" stroke="${COLORS.passed}" stroke-width="2.5"/>` +
        `<text x="${n(cx + (anchor === 'start' ? 8 : -8))}" y="${top + 16}" font-size="13" font-weight="700" fill="${COLORS.passed}" text-anchor="${anchor}">${esc(text)}</text></g>`,
    );
  }
  return (
    `<svg class="chart curve" data-step="${esc(curve.step)}" viewBox="0 0 ${width} ${height}" role="img" aria-label="remaining traffic share of ${esc(curve.step)}">` +
    `${parts.join('\n')}</svg>`
  );
}

/** A step function through the samples: the share holds until the next sample. */
function stepPath(points: readonly CurvePoint[], x: (ms: number) => number, y: (share: number) => number): string {
  return points
    .map(([ms, share], index) => {
      const previous = points[index - 1];
      if (!previous) return `M${n(x(ms))} ${n(y(share))}`;
      return `L${n(x(ms))} ${n(y(previous[1]))} L${n(x(ms))} ${n(y(share))}`;
    })
    .join(' ');
}

const TREND = { width: 480, height: 170, left: 52, right: 16, top: 16, bottom: 30 };

export interface TrendPoint {
  label: string;
  ms?: number;
  regression: boolean;
}

/** One measure over runs, oldest first: a line through the values, regressions in red, the target dashed. */
export function trendSvg(key: string, points: readonly TrendPoint[], targetMs?: number): string {
  const { width, height, left, right, top, bottom } = TREND;
  const values = points.flatMap((p) => (p.ms === undefined ? [] : [p.ms]));
  const maxMs = Math.max(...values, targetMs ?? 0, 1) * 1.1;
  const x = (index: number) => left + (points.length <= 1 ? 0.5 : index / (points.length - 1)) * (width - left - right);
  const y = (ms: number) => top + (1 - ms / maxMs) * (height - top - bottom);
  const parts: string[] = [];
  for (const tick of timeTicks(maxMs, 4)) {
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${n(y(tick))}" y2="${n(y(tick))}" stroke="#e9ecef"/>`,
      `<text x="${left - 6}" y="${n(y(tick) + 4)}" font-size="10" fill="#868e96" text-anchor="end">${esc(formatElapsed(tick))}</text>`,
    );
  }
  if (targetMs !== undefined) {
    parts.push(
      `<line class="target" x1="${left}" x2="${width - right}" y1="${n(y(targetMs))}" y2="${n(y(targetMs))}" stroke="${COLORS.target}" stroke-dasharray="5 4"/>`,
      `<text x="${width - right}" y="${n(y(targetMs) - 4)}" font-size="10" text-anchor="end" fill="${COLORS.target}">target ${esc(formatElapsed(targetMs))}</text>`,
    );
  }
  const line = points.flatMap((p, i) => (p.ms === undefined ? [] : [`${n(x(i))},${n(y(p.ms))}`])).join(' ');
  parts.push(`<polyline points="${line}" fill="none" stroke="${COLORS.curve}" stroke-width="2"/>`);
  points.forEach((p, i) => {
    if (p.ms === undefined) return;
    const color = p.regression ? COLORS.failed : COLORS.curve;
    parts.push(
      `<circle class="run${p.regression ? ' regression' : ''}" data-ms="${p.ms}" cx="${n(x(i))}" cy="${n(y(p.ms))}" r="${p.regression ? 5 : 3.5}" fill="${color}"><title>${esc(`${p.label}: ${formatElapsed(p.ms)}${p.regression ? ' (regression)' : ''}`)}</title></circle>`,
    );
  });
  parts.push(
    `<text x="${left}" y="${height - 8}" font-size="10" fill="#868e96">oldest</text>`,
    `<text x="${width - right}" y="${height - 8}" font-size="10" fill="#868e96" text-anchor="end">latest</text>`,
  );
  return `<svg class="chart trend" data-key="${esc(key)}" viewBox="0 0 ${width} ${height}" role="img" aria-label="trend of ${esc(key)}">${parts.join('\n')}</svg>`;
}

// Small charts for a terminal: a share bar, a sparkline, and a drain's curve drawn in block
// characters. Where the terminal cannot show Unicode the same shapes are drawn in ASCII; callers
// decide which by `glyphsFor` (a UTF-8 locale), so the drawing itself stays a pure function.
import type { CurvePoint } from '../kube/traffic/share.ts';
import { formatElapsed } from './format.ts';

export interface Glyphs {
  /** Levels from empty to full, for sparklines and the columns of a chart. */
  levels: readonly string[];
  full: string;
  empty: string;
  axis: { corner: string; horizontal: string; vertical: string; mark: string };
}

export const UNICODE: Glyphs = {
  levels: [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'],
  full: '█',
  empty: '░',
  axis: { corner: '└', horizontal: '─', vertical: '│', mark: '▲' },
};

export const ASCII: Glyphs = {
  levels: [' ', '.', '.', '-', '-', '=', '=', '#', '#'],
  full: '#',
  empty: '-',
  axis: { corner: '+', horizontal: '-', vertical: '|', mark: '^' },
};

/** Unicode where the locale says UTF-8 (as terminals' own programs decide), ASCII elsewhere. */
export function glyphsFor(env: NodeJS.ProcessEnv = process.env): Glyphs {
  const locale = env.LC_ALL ?? env.LC_CTYPE ?? env.LANG ?? '';
  return /utf-?8/i.test(locale) ? UNICODE : ASCII;
}

/** `███████░░░ 70%`: the remaining share as a bar of `width` cells. */
export function shareBar(share: number, width: number, glyphs: Glyphs = UNICODE): string {
  const clamped = Math.min(1, Math.max(0, share));
  const filled = Math.round(clamped * width);
  return `${glyphs.full.repeat(filled)}${glyphs.empty.repeat(width - filled)} ${Math.round(clamped * 100)}%`;
}

/** One character per value, scaled between `min` and `max` (default: the values' own range). */
export function sparkline(
  values: readonly number[],
  glyphs: Glyphs = UNICODE,
  range: { min?: number; max?: number } = {},
): string {
  if (values.length === 0) return '';
  const min = range.min ?? Math.min(...values);
  const max = range.max ?? Math.max(...values);
  const top = glyphs.levels.length - 1;
  return values
    .map((value) => {
      const level = max === min ? top / 2 : ((value - min) / (max - min)) * (top - 1) + 1;
      return glyphs.levels[Math.max(1, Math.min(top, Math.round(level)))] ?? '';
    })
    .join('');
}

/** The share at `ms`: the last sample at or before it (the curve is a step function of samples). */
export function shareAt(points: readonly CurvePoint[], ms: number): number {
  let share = points[0]?.[1] ?? 1;
  for (const [at, value] of points) {
    if (at > ms) break;
    share = value;
  }
  return share;
}

export interface CurveChartOptions {
  width: number;
  height: number;
  glyphs: Glyphs;
  /** The share that had to be gone, and when it was: marked under the time axis. */
  threshold?: number;
  crossedMs?: number;
}

/** A drain's remaining share over time as an area of block characters, with its time axis. */
export function curveChart(points: readonly CurvePoint[], options: CurveChartOptions): string[] {
  const { width, height, glyphs } = options;
  const endMs = Math.max(points.at(-1)?.[0] ?? 0, options.crossedMs ?? 0, 1);
  const columns = Array.from({ length: width }, (_, column) => shareAt(points, (column / (width - 1)) * endMs));
  const steps = glyphs.levels.length - 1;
  const lines: string[] = [];
  for (let row = 0; row < height; row++) {
    const cells = columns.map((share) => {
      const fill = Math.min(1, Math.max(0, share * height - (height - 1 - row)));
      return glyphs.levels[Math.round(fill * steps)] ?? ' ';
    });
    const label = row === 0 ? '100%' : row === height - 1 ? '  0%' : '    ';
    lines.push(`${label} ${glyphs.axis.vertical}${cells.join('').trimEnd()}`);
  }
  lines.push(`     ${glyphs.axis.corner}${glyphs.axis.horizontal.repeat(width)}`);
  const end = formatElapsed(endMs);
  if (options.crossedMs === undefined || options.threshold === undefined) {
    lines.push(`      0s${end.padStart(width - 2)}`);
    return lines;
  }
  const at = Math.round((options.crossedMs / endMs) * (width - 1));
  const note = `${glyphs.axis.mark} ${Math.round(options.threshold * 100)}% gone at ${formatElapsed(options.crossedMs)}`;
  const marker = `${' '.repeat(6 + at)}${note}`;
  lines.push(marker.length < 6 + width - end.length - 1 ? `${marker.padEnd(6 + width - end.length)}${end}` : marker);
  return lines;
}

// Go-style duration text (`90s`, `1h30m`, `500ms`) written from milliseconds: how every time limit
// is named in messages, by the cluster layer as by the engine and actions. It stands outside
// src/runbook (which reads runbook durations, with its own strictness) so that src/kube can say
// "within 2s" while knowing nothing of runbooks.

export const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
export type Unit = keyof typeof UNIT_MS;
export const UNITS_LARGEST_FIRST: readonly Unit[] = ['h', 'm', 's', 'ms'];

/** Formats milliseconds as the shortest Go-style duration that the runbook's parseDuration reads back. */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`cannot format ${ms} as a duration`);
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const unit of UNITS_LARGEST_FIRST) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * UNIT_MS[unit];
  }
  return text;
}

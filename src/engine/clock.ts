/** A run's clock: wall time for people, and a monotonic offset that no clock change can bend. */
export interface Clock {
  /** Wall clock now, ISO 8601. */
  at(): string;
  /** Milliseconds since the clock started, monotonic. */
  t(): number;
}

/** `offsetMs`: how long ago the run started, for events appended to a run by a later process. */
export function startClock(offsetMs = 0): Clock {
  const origin = performance.now() - offsetMs;
  return {
    at: () => new Date().toISOString(),
    t: () => Math.round(performance.now() - origin),
  };
}

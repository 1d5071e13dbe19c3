/** A run's clock: wall time for people, and a monotonic offset that no clock change can bend. */
export interface Clock {
  /** Wall clock now, ISO 8601. */
  at(): string;
  /** Milliseconds since the clock started, monotonic. */
  t(): number;
}

export function startClock(): Clock {
  const origin = performance.now();
  return {
    at: () => new Date().toISOString(),
    t: () => Math.round(performance.now() - origin),
  };
}

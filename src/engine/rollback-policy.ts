// When a run that stops short of success is rolled back. Its own module, free of imports, because
// every command's flags read it and start-up must not pay for the engine.

/**
 * `always`: after a failure, an abort or an interruption; `on-failure`: not after an interruption,
 * which leaves the run to resume or roll back later; `never`: left to `kubectl drill rollback`.
 */
export const ROLLBACK_POLICIES = ['always', 'on-failure', 'never'] as const;
export type RollbackPolicy = (typeof ROLLBACK_POLICIES)[number];

// The context the engine gives an action's execute, built for a test or a bench: progress and
// questions recorded, manual confirmations answered, changes journaled in memory. It imports no
// sandbox, so a bench can hand it a cluster of its own.
import type { ExecuteContext } from '../../src/actions/action.ts';
import type { Cluster } from '../../src/kube/cluster.ts';
import type { Change } from '../../src/kube/changes.ts';

export interface Recorded {
  progress: { message: string; data?: Record<string, unknown> }[];
  questions: string[];
  /** The changes the action journaled before making them. */
  changes: Change[];
}

export interface RunActionOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** The answer manual confirmations get. */
  answer?: boolean;
  /** The changes of the run the action is a step of: what it records is appended, as the engine does. */
  run?: Change[];
  /** Sees each progress message as it comes, beside the record of them. */
  onProgress?: (message: string) => void;
}

export function stepContext(
  cluster: Cluster,
  options: RunActionOptions = {},
): { context: ExecuteContext; recorded: Recorded } {
  const recorded: Recorded = { progress: [], questions: [], changes: [] };
  const context: ExecuteContext = {
    step: { id: 'test-step', name: 'test step' },
    cluster: () => Promise.resolve(cluster),
    runbookDir: process.cwd(),
    signal: options.signal ?? new AbortController().signal,
    timeoutMs: options.timeoutMs,
    progress: (message, data) => {
      recorded.progress.push({ message, data });
      options.onProgress?.(message);
    },
    mask: () => undefined,
    confirm: (_instructions, question) => {
      recorded.questions.push(question);
      return Promise.resolve(options.answer ?? true);
    },
    record: (change) => {
      recorded.changes.push(change);
      options.run?.push(change);
    },
    changes: () => options.run ?? recorded.changes,
  };
  return { context, recorded };
}

// Waiting for a workload like `kubectl rollout status`, or for a scale to be reached: one watch of
// the workload, judged on every change by its kind's status viewer (or the scale check), reporting
// each new status as progress and failing fast when the workload cannot get there.
import type { Cluster } from '../cluster.ts';
import { formatDuration } from '../../duration-text.ts';
import { watchUntil } from '../watch.ts';
import { describeWorkload, type Workload, type WorkloadRef } from './kind.ts';
import { type RolloutKind, rolloutsOf, type ScaleKind, type WorkloadKindName, workloadKind } from './registry.ts';
import { failed, type RolloutStatus, scaleStatus } from './status.ts';

/** What a wait needs from the step running it (an action's ExecuteContext has all of it). */
export interface WaitContext {
  readonly signal: AbortSignal;
  progress(message: string, data?: Record<string, unknown>): void;
}

/** Waits like `kubectl rollout status`, for at most `limitMs` when given; fails fast when the rollout cannot finish. */
export function waitForRollout(
  cluster: Cluster,
  ref: WorkloadRef<RolloutKind>,
  context: WaitContext,
  limitMs: number | undefined,
): Promise<Workload> {
  const rollouts = rolloutsOf(ref.kind);
  return waitForWorkload(cluster, ref, 'finish rolling out', (w) => rollouts.status(w), context, limitMs);
}

/** Waits until a scaled workload has exactly `replicas` available pods, for at most `limitMs` when given. */
export function waitForReplicas(
  cluster: Cluster,
  ref: WorkloadRef<ScaleKind>,
  replicas: number,
  context: WaitContext,
  limitMs: number | undefined,
): Promise<Workload> {
  return waitForWorkload(
    cluster,
    ref,
    `reach ${replicas} available replicas`,
    (w) => scaleStatus(w, replicas),
    context,
    limitMs,
  );
}

/**
 * Watches one workload until `status` says done (resolving with the workload) or failed
 * (rejecting), reporting each new status as progress. Bounded by `limitMs` and by the step's signal.
 */
async function waitForWorkload(
  cluster: Cluster,
  ref: WorkloadRef<WorkloadKindName>,
  goal: string,
  status: (workload: Workload) => RolloutStatus,
  context: WaitContext,
  limitMs: number | undefined,
): Promise<Workload> {
  const what = describeWorkload(ref);
  let last = 'not seen yet';
  const [workload, outcome] = await watchUntil<Workload, [Workload | undefined, RolloutStatus]>(
    cluster,
    {
      apiVersion: workloadKind(ref.kind).apiVersion,
      kind: ref.kind,
      namespace: ref.namespace,
      fieldSelector: `metadata.name=${ref.name}`,
    },
    ([seen]) => {
      const now = seen ? status(seen) : failed('not found');
      if (now.message !== last) {
        last = now.message;
        context.progress(`${what}: ${now.message}`, { ...ref, state: now.state });
      }
      return now.state === 'waiting' ? undefined : [seen, now];
    },
    context.signal,
    limitMs === undefined
      ? undefined
      : {
          ms: limitMs,
          error: () => new Error(`${what} did not ${goal} within ${formatDuration(limitMs)}: ${last}`),
        },
  );
  if (outcome.state === 'failed' || !workload) throw new Error(`${what}: ${outcome.message}`);
  return workload;
}

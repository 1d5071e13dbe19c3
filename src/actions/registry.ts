/** Every action, by name. */
import type { ActionSpec } from './action.ts';
import exec from './generic/exec.ts';
import manual from './generic/manual.ts';
import sleep from './generic/sleep.ts';
import httpCheck from './http/check.ts';
import k8sApply from './k8s/apply.ts';
import k8sDelete from './k8s/delete.ts';
import k8sPatch from './k8s/patch.ts';
import k8sWait from './k8s/wait.ts';
import nodesCapacity from './nodes/capacity.ts';
import nodesCordon from './nodes/cordon.ts';
import nodesDrain from './nodes/drain.ts';
import nodesUncordon from './nodes/uncordon.ts';
import backupVelero from './backup/velero.ts';
import restoreJob from './restore/job.ts';
import restoreVelero from './restore/velero.ts';
import rolloutRestart from './rollout/restart.ts';
import rolloutStatus from './rollout/status.ts';
import rolloutUndo from './rollout/undo.ts';
import scale from './workloads/scale.ts';
import trafficDrain from './traffic/drain.ts';
import trafficRestore from './traffic/restore.ts';

export const actions: readonly ActionSpec[] = [
  nodesCordon,
  nodesUncordon,
  nodesDrain,
  nodesCapacity,
  rolloutUndo,
  rolloutStatus,
  rolloutRestart,
  scale,
  trafficDrain,
  trafficRestore,
  restoreVelero,
  restoreJob,
  backupVelero,
  k8sApply,
  k8sPatch,
  k8sDelete,
  k8sWait,
  httpCheck,
  exec,
  manual,
  sleep,
];

const byName = new Map(actions.map((action) => [action.name, action]));

export const actionNames: readonly string[] = actions.map((action) => action.name);

export function findAction(name: string): ActionSpec | undefined {
  return byName.get(name);
}

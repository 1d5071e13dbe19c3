// daemonSetFilter: a running pod of a DaemonSet is never evicted (its controller would put it
// straight back, ignoring the cordon), and stops the drain unless ignoreDaemonSets says to leave it.
// A finished one may go. A pod whose DaemonSet is gone stops the drain even with ignoreDaemonSets,
// and is deleted with force only. As kubectl, only a controller of kind DaemonSet in apps/v1 counts.
import { controllerOf, error, isFinished, okay, type PodFilter, warning } from './filter.ts';

export const daemonSetFilter: PodFilter = {
  name: 'daemonSetFilter',
  decide: (pod, settings) => {
    const controller = controllerOf(pod);
    if (controller?.kind !== 'DaemonSet' || controller.apiVersion !== 'apps/v1') return okay;
    if (isFinished(pod)) return okay;
    if (!settings.daemonSetExists(pod.metadata?.namespace ?? '', controller.name)) {
      // kubectl's message is the GET's error, which names the DaemonSet.
      const notFound = `daemonsets.apps "${controller.name}" not found`;
      return settings.force
        ? warning(true, `deleting orphaned DaemonSet Pods (${notFound})`)
        : error(`orphaned DaemonSet Pods (${notFound}; set force: true to override)`);
    }
    if (!settings.ignoreDaemonSets) return error('DaemonSet-managed Pods (set ignoreDaemonSets: true to ignore)');
    return warning(false, 'ignoring DaemonSet-managed Pods');
  },
};

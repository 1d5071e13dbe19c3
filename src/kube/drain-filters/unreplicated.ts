// unreplicatedFilter: a running pod no controller manages is not recreated once evicted, so it
// stops the drain unless force allows it. Any controller counts, whatever its kind, even one that
// no longer exists; a finished pod may always go.
import { controllerOf, error, isFinished, okay, type PodFilter, warning } from './filter.ts';

export const unreplicatedFilter: PodFilter = {
  name: 'unreplicatedFilter',
  decide: (pod, settings) => {
    if (isFinished(pod)) return okay;
    if (controllerOf(pod)) return okay;
    if (settings.force) return warning(true, 'deleting Pods that declare no controller');
    return error('Pods that declare no controller (set force: true to override)');
  },
};

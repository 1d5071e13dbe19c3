// localStorageFilter: evicting a running pod with an emptyDir volume loses that data, so it stops
// the drain unless deleteEmptyDirData allows it. A finished pod's data is no one's concern any more.
// Its warning is always replaced by the next filter's verdict, as in kubectl (a known TODO there).
import { error, isFinished, okay, type PodFilter, warning } from './filter.ts';

export const localStorageFilter: PodFilter = {
  name: 'localStorageFilter',
  decide: (pod, settings) => {
    if (!pod.spec?.volumes?.some((v) => v.emptyDir)) return okay;
    if (isFinished(pod)) return okay;
    if (!settings.deleteEmptyDirData)
      return error('Pods with local storage (set deleteEmptyDirData: true to override)');
    return warning(true, 'deleting Pods with local storage');
  },
};

// mirrorPodFilter: a mirror pod is the API server's copy of a kubelet's static pod; deleting it
// through the API does nothing (the kubelet recreates it), so it is skipped without a word.
import { okay, type PodFilter, skip } from './filter.ts';

/** corev1.MirrorPodAnnotationKey: its presence, whatever its value, marks a mirror pod. */
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export const mirrorPodFilter: PodFilter = {
  name: 'mirrorPodFilter',
  decide: (pod) => (pod.metadata?.annotations?.[MIRROR_ANNOTATION] === undefined ? okay : skip),
};

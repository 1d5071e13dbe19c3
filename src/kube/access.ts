// Permission preflight: every API call a run will make, checked with SelfSubjectAccessReview
// before anything changes, so a run without the rights it needs stops before its first write.
import type { Cluster } from './cluster.ts';

/** One permission, as RBAC sees it. */
export interface Permission {
  verb: string;
  /** API group; "" is the core group. */
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export function describePermission(p: Permission): string {
  const resource = `${p.resource}${p.subresource ? `/${p.subresource}` : ''}${p.group ? `.${p.group}` : ''}`;
  const scope = p.namespace ? ` in namespace "${p.namespace}"` : ' (cluster-wide)';
  return `${p.verb} ${resource}${p.name ? ` "${p.name}"` : ''}${scope}`;
}

/** Returns the permissions the current user lacks, each checked once. */
export async function missingPermissions(cluster: Cluster, permissions: readonly Permission[]): Promise<Permission[]> {
  const unique = new Map(permissions.map((p) => [describePermission(p), p]));
  const checks = [...unique.values()].map(async (p) => {
    const review = await cluster.authorization.createSelfSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: {
            verb: p.verb,
            group: p.group,
            resource: p.resource,
            subresource: p.subresource,
            namespace: p.namespace,
            name: p.name,
          },
        },
      },
    });
    return review.status?.allowed ? undefined : p;
  });
  return (await Promise.all(checks)).filter((p): p is Permission => p !== undefined);
}

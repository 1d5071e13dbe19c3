// Clients for the sandbox and per-test namespaces, so tests that run against the one shared
// sandbox cannot see each other's objects.
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { connect } from '../../src/kube/cluster.ts';
import { adminKubeconfig, restrictedKubeconfig } from './paths.ts';

export const admin = await connect({ kubeconfig: adminKubeconfig });
export const restricted = () => connect({ kubeconfig: restrictedKubeconfig });
export const { core, apps, batch, policy, discovery } = admin;

/** Creates a namespace for the calling test file, deleted when the file's tests end. */
export async function testNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name, labels: { 'drill.dev/test': 'true' } } } });
  // The service-account controller must create "default" before admission accepts pods.
  await waitFor(`ServiceAccount ${name}/default`, async () => {
    const accounts = await core.listNamespacedServiceAccount({ namespace: name });
    return accounts.items.some((a) => a.metadata?.name === 'default');
  });
  after(async () => {
    await core.deleteNamespace({ name });
  });
  return name;
}

/** Polls until check returns a truthy value, and returns it; fails with what it waited for. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function deployment(name: string, replicas: number, extra: Partial<k8s.V1PodSpec> = {}): k8s.V1Deployment {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'app', image: `registry.test.example/${name}:1`, ports: [{ containerPort: 8080 }] }],
          ...extra,
        },
      },
    },
  };
}

export function isPodReady(pod: k8s.V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function apiErrorCode(error: unknown): number | undefined {
  return error instanceof k8s.ApiException ? error.code : undefined;
}

// Real Velero in the sandbox, end to end: its BackupStorageLocation (the sandbox's S3 store) is
// Available, the baseline Backup of the demo's namespace that the sandbox takes before it is ready
// is Completed, and a Restore of that backup into a namespace of this test (namespaceMapping
// shop -> it) reaches Completed with every item restored and the demo's Deployments back, at the
// revision they had. Velero backs up Kubernetes objects only in the sandbox: no volume data.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { parseManifests } from '../../src/kube/objects.ts';
import { repoRoot, sandboxDir } from '../support/paths.ts';
import { admin, apps, testNamespace, waitFor } from '../support/sandbox.ts';

interface Ready {
  velero: {
    namespace: string;
    backupStorageLocation: string;
    baselineBackup: string;
    baselineNamespace: string;
    s3URL: string;
  };
}

interface VeleroObject extends KubernetesObject {
  status?: {
    phase?: string;
    message?: string;
    errors?: number;
    progress?: { totalItems?: number; itemsBackedUp?: number; itemsRestored?: number };
  };
}

const ready = JSON.parse(readFileSync(`${sandboxDir}/ready`, 'utf8')) as Ready;
const { namespace, backupStorageLocation, baselineBackup, baselineNamespace } = ready.velero;
const finalRestorePhases = new Set(['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation']);

function readVelero(kind: string, name: string): Promise<VeleroObject> {
  return admin.objects.read({ apiVersion: 'velero.io/v1', kind, metadata: { name, namespace } });
}

/** `name=image,...` of each Deployment, in name order. */
function images(deployments: V1Deployment[]): string[] {
  return deployments
    .map((d) => `${d.metadata?.name}=${d.spec?.template.spec?.containers.map((c) => c.image).join(',')}`)
    .sort();
}

/**
 * The demo's Deployments in the baseline namespace as the sandbox applied them (files in name
 * order, a later one changing an earlier one's Deployment), which is what the baseline holds:
 * other tests may have changed the live ones since.
 */
function demoDeployments(): V1Deployment[] {
  const dir = `${repoRoot}test/cluster/demo`;
  const byName = new Map<string, V1Deployment>();
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  for (const file of files.sort()) {
    for (const manifest of parseManifests(readFileSync(`${dir}/${file}`, 'utf8'))) {
      if (manifest.kind === 'Deployment' && manifest.metadata.namespace === baselineNamespace) {
        byName.set(manifest.metadata.name, manifest);
      }
    }
  }
  return [...byName.values()];
}

describe('velero in the sandbox', () => {
  test('the backup storage location is Available, on the S3 store on 127.0.0.1', async () => {
    assert.match(ready.velero.s3URL, /^http:\/\/127\.0\.0\.1:\d+$/);
    const location = await readVelero('BackupStorageLocation', backupStorageLocation);
    assert.equal(location.status?.phase, 'Available', JSON.stringify(location.status));
  });

  test('the baseline backup of the demo namespace is Completed', async () => {
    const backup = await readVelero('Backup', baselineBackup);
    assert.equal(backup.status?.phase, 'Completed', JSON.stringify(backup.status));
    assert.ok((backup.status?.progress?.itemsBackedUp ?? 0) > 0, JSON.stringify(backup.status?.progress));
  });

  test('a restore of the baseline into a new namespace completes with the items restored', async () => {
    const target = await testNamespace('velero-restore');
    const name = `restore-${target}`;
    await admin.objects.create({
      apiVersion: 'velero.io/v1',
      kind: 'Restore',
      metadata: { name, namespace },
      spec: {
        backupName: baselineBackup,
        includedNamespaces: [baselineNamespace],
        namespaceMapping: { [baselineNamespace]: target },
      },
    });
    after(async () => {
      await admin.objects.delete({ apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name, namespace } });
    });

    const restore = await waitFor(
      `Restore ${name} to finish`,
      async () => {
        const current = await readVelero('Restore', name);
        return finalRestorePhases.has(current.status?.phase ?? '') && current;
      },
      60_000,
    );
    assert.equal(restore.status?.phase, 'Completed', JSON.stringify(restore.status));
    const { totalItems = 0, itemsRestored = 0 } = restore.status?.progress ?? {};
    assert.ok(itemsRestored > 0, JSON.stringify(restore.status?.progress));
    assert.equal(itemsRestored, totalItems);
    const restored = await apps.listNamespacedDeployment({ namespace: target });
    assert.deepEqual(images(restored.items), images(demoDeployments()));
  });
});

// Starter: restore a workload's data with Velero and verify it serves; time-to-restore.
import type { RunbookTemplate } from './template.ts';

export default {
  name: 'restore-data',
  summary: "Restore a namespace's objects from a Velero backup, verify the workload serves; time-to-restore.",
  text: (name) => `# Restore data: restore a workload from its newest Velero backup, verify it serves again, and
# confirm; the span time-to-restore is what the drill practises. CHANGE the params' defaults, the
# resources restored and the verify step to your own. kubectl drill explain restore.velero lists
# every input (a Backup by name, a Schedule's newest, or a label selector).
apiVersion: drill/v1
kind: Runbook
metadata:
  name: ${name}
  description: Restore a workload from its Velero backup, verify it serves, confirm.
spec:
  params:
    namespace:
      default: shop # CHANGE: the namespace to restore
      description: Namespace restored.
    schedule:
      default: shop-nightly # CHANGE: the Velero Schedule whose newest Completed Backup is restored
      description: Velero Schedule to restore from.
  target: 30m # CHANGE: your recovery time objective
  steps:
    - id: decide
      name: Confirm the data is lost and a restore is the way back
      action: manual
      with:
        instructions: CHANGE this text to the checks your team makes before restoring.
        confirm: Restore \${{ params.namespace }} from the newest backup of \${{ params.schedule }}?
      target: 5m
    - id: restore
      name: Restore from the newest backup
      action: restore.velero
      with:
        scheduleName: \${{ params.schedule }}
        includedNamespaces: ['\${{ params.namespace }}']
        includedResources: [statefulsets, services, persistentvolumeclaims] # CHANGE: what to restore
        existingResourcePolicy: none
        timeout: 20m
      target: 10m
      timeout: 25m
    - id: verify
      name: The workload serves again
      action: rollout.status
      with:
        kind: StatefulSet
        name: orders-db # CHANGE: the workload the restore brings back
        namespace: \${{ params.namespace }}
        timeout: 10m
      target: 5m
    - id: confirm
      name: Confirm the data is back
      action: manual
      with:
        instructions: CHANGE this text to how your team checks the restored data (row counts, a known record).
        confirm: Is the data back?
      target: 10m
  spans:
    - { name: time-to-restore, from: restore, to: verify, target: 15m }
`,
} satisfies RunbookTemplate;

// Starter: roll a bad release back, wait for it, confirm; timed from the decision.
import type { RunbookTemplate } from './template.ts';

export default {
  name: 'rollback-release',
  summary: 'Roll a bad release back to the previous revision, wait for it everywhere, confirm; timed.',
  text: (name) => `# Roll back a bad release everywhere it runs, timed from the decision to the confirmation that
# errors are back to normal. CHANGE the params' defaults to your workload. Where the release runs in
# several clusters, copy the rollback and status steps once per cluster with \`context: NAME\`.
# Run it with --rollback never: if a check after the undo fails, the bad release must not come back.
apiVersion: drill/v1
kind: Runbook
metadata:
  name: ${name}
  description: Roll a bad release back to the previous revision, wait for it, confirm.
spec:
  params:
    namespace:
      default: shop # CHANGE: the workload's namespace
      description: Namespace of the workload.
    deployment:
      default: checkout # CHANGE: the Deployment whose newest release is bad
      description: The Deployment to roll back.
  target: 10m # CHANGE: your goal from decision to recovery
  steps:
    - id: decide
      name: Confirm the release is the one to roll back
      action: manual
      with:
        instructions: >-
          Check which revision is live: kubectl rollout history deployment/\${{ params.deployment }}
          -n \${{ params.namespace }}. CHANGE: name the dashboard that shows the release is bad.
        confirm: Roll back the newest release of \${{ params.deployment }}?
      target: 5m
    - id: rollback
      name: Roll back to the previous revision
      action: rollout.undo
      with:
        kind: Deployment
        name: \${{ params.deployment }}
        namespace: \${{ params.namespace }}
        # toRevision: 3 # CHANGE: uncomment to go to a given revision rather than the previous one
        timeout: 5m
      target: 2m
      timeout: 6m
    - id: rolled-out
      name: Every replica on the previous release
      action: rollout.status
      with:
        kind: Deployment
        name: \${{ params.deployment }}
        namespace: \${{ params.namespace }}
        timeout: 2m
      target: 30s
    - id: verify
      name: Confirm errors are back to normal
      action: manual
      with:
        instructions: Watch the error rate of \${{ params.deployment }} for a few minutes (CHANGE this text to name the dashboard).
        confirm: Are the errors of \${{ params.deployment }} back to normal?
      target: 5m
  spans:
    - { name: time-to-rollback, from: rollback, to: verify, target: 10m }
`,
} satisfies RunbookTemplate;

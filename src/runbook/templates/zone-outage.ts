// Starter: check the other zones have room, then cordon and drain a zone, confirm, bring it back.
import type { RunbookTemplate } from './template.ts';

export default {
  name: 'zone-outage',
  summary: 'Check the surviving zones have room, cordon and drain a zone, confirm, bring the zone back.',
  text: (name) => `# A zone outage: check that the other zones have room for the zone's pods (requests against
# allocatable, keeping a share spare), cordon and drain the zone, confirm the service is healthy,
# then bring the zone back so the drill can run again (in a real outage, stop after the
# confirmation). CHANGE the params' defaults, the headroom and the workload checked.
apiVersion: drill/v1
kind: Runbook
metadata:
  name: ${name}
  description: Check the surviving zones have room, cordon and drain a zone, confirm, bring it back.
spec:
  params:
    zone:
      default: eu-west-a # CHANGE: the zone to empty (its topology.kubernetes.io/zone label)
      description: Zone to empty.
    namespace:
      default: shop # CHANGE: the namespace of the workload that must keep serving
      description: Namespace of the workload checked.
  target: 10m # CHANGE: the goal for the whole drill
  steps:
    - id: capacity
      name: Check the other zones have room for the zone's pods
      action: nodes.capacity
      with:
        selector: topology.kubernetes.io/zone=\${{ params.zone }}
        headroom: 0.2 # CHANGE: the share of the survivors' allocatable to keep spare
      target: 30s
    - id: cordon
      name: Cordon the zone's nodes
      action: nodes.cordon
      with:
        selector: topology.kubernetes.io/zone=\${{ params.zone }}
      target: 30s
    - id: drain
      name: Drain the zone's nodes
      action: nodes.drain
      with:
        selector: topology.kubernetes.io/zone=\${{ params.zone }}
        parallelism: 2 # CHANGE: how many nodes at once your budgets allow
        deleteEmptyDirData: true
        waitForReplacements: true
        timeout: 5m
      target: 5m
      timeout: 10m
    - id: serving
      name: The workload is fully served by the other zones
      action: rollout.status
      with:
        kind: Deployment
        name: frontend # CHANGE: the workload that must keep serving
        namespace: \${{ params.namespace }}
        timeout: 5m
      target: 1m
    - id: confirm
      name: Confirm the service is healthy without the zone
      action: manual
      with:
        instructions: CHANGE this text to your dashboard and what healthy looks like.
        confirm: Is the service healthy with \${{ params.zone }} empty?
      target: 5m
    - id: uncordon
      name: Bring the zone back
      action: nodes.uncordon
      with:
        selector: topology.kubernetes.io/zone=\${{ params.zone }}
      target: 30s
  spans:
    - { name: time-to-evacuate, from: cordon, to: serving, target: 5m }
  rollback:
    - name: Uncordon the zone
      action: nodes.uncordon
      with:
        selector: topology.kubernetes.io/zone=\${{ params.zone }}
`,
} satisfies RunbookTemplate;

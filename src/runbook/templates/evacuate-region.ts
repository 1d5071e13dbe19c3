// Starter: move a region's users away, empty its nodes, confirm, bring it back.
import type { RunbookTemplate } from './template.ts';

export default {
  name: 'evacuate-region',
  summary: "Move a region's traffic out (timed to 99% gone), cordon and drain its nodes, confirm, restore.",
  text: (name) => `# Evacuate a region: move its users' traffic to the other regions (timed: 99% gone within the
# target), cordon and drain its nodes, confirm with a person, then bring it all back so the drill
# can run again. CHANGE the params' defaults, the route and the measure to your own.
# kubectl drill explain traffic.drain lists every way to move traffic (Gateway routes, Services,
# nodes, any patch) and to measure it.
apiVersion: drill/v1
kind: Runbook
metadata:
  name: ${name}
  description: Drain a region's traffic, cordon and drain its nodes, confirm, restore.
spec:
  params:
    region:
      default: eu-west # CHANGE: the region to evacuate (its topology.kubernetes.io/region label)
      description: Region to evacuate.
    namespace:
      default: shop # CHANGE: where your HTTPRoute lives
      description: Namespace of the route.
    prometheus:
      default: http://127.0.0.1:9090 # CHANGE: a Prometheus that sees requests by region
      description: Prometheus that sees the requests by region.
  target: 15m # CHANGE: the goal for the whole drill
  steps:
    - id: drain-traffic
      name: Move the region's users to the other regions
      action: traffic.drain
      with:
        strategy: gateway
        region: \${{ params.region }}
        namespace: \${{ params.namespace }}
        routes: [storefront] # CHANGE: your HTTPRoute(s), one backendRef per region
        threshold: 0.99
        measure:
          source: prometheus
          url: \${{ params.prometheus }}
          # CHANGE: your request rate of the region
          query: sum(rate(http_requests_total{region="\${{ params.region }}"}[1m]))
        timeout: 10m
      target: 5m
      timeout: 15m
    - id: cordon
      name: Cordon the region's nodes
      action: nodes.cordon
      with:
        selector: topology.kubernetes.io/region=\${{ params.region }}
      target: 30s
    - id: drain
      name: Drain the region's nodes
      action: nodes.drain
      with:
        selector: topology.kubernetes.io/region=\${{ params.region }}
        parallelism: 4 # CHANGE: how many nodes at once your budgets allow
        deleteEmptyDirData: true
        timeout: 5m
      target: 5m
      timeout: 10m
    - id: confirm-region-empty
      name: Confirm the region serves nothing
      action: manual
      with:
        instructions: Open your dashboard (CHANGE this text) and check \${{ params.region }} serves no requests.
        confirm: Is \${{ params.region }} serving no requests?
      target: 5m
    - id: uncordon
      name: Bring the region's nodes back
      action: nodes.uncordon
      with:
        selector: topology.kubernetes.io/region=\${{ params.region }}
      target: 30s
    - id: restore-traffic
      name: Send the region its users again
      action: traffic.restore
      with:
        restore: \${{ steps.drain-traffic.outputs.restore }}
      target: 5m
  spans:
    - { name: time-to-evacuate, from: drain-traffic, to: confirm-region-empty, target: 15m }
  # Whatever stops the drill, users get their region back first, then every recorded change is undone.
  rollback:
    - name: Send the region its users again
      action: traffic.restore
      with:
        strategy: gateway
        region: \${{ params.region }}
        namespace: \${{ params.namespace }}
        routes: [storefront] # CHANGE: the same routes as drain-traffic
    - name: Uncordon the region
      action: nodes.uncordon
      with:
        selector: topology.kubernetes.io/region=\${{ params.region }}
`,
} satisfies RunbookTemplate;

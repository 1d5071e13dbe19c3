#!/usr/bin/env bash
# npm run demo: start the sandbox (building it the first time), then run the demo drill,
# runbooks/evacuate-region.yaml, unattended (--yes): drain eu-west's traffic (time-to-drain from
# Prometheus), drain its nodes, roll back checkout, restore. In a terminal: the live step list.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
npm run --silent build
bash test/cluster/sandbox.sh up
# The sandbox's Prometheus is on 127.0.0.1:9090 unless that port was taken; pass where it is.
prometheus=$(node_modules/.bin/node -p 'JSON.parse(require("fs").readFileSync(".sandbox/ready", "utf8")).prometheusURL')
status=0
bin/kubectl-drill run runbooks/evacuate-region.yaml --yes --kubeconfig .sandbox/kubeconfig \
  --set "prometheus=$prometheus" "$@" || status=$?
cat <<MSG

The sandbox is still up: 12 simulated nodes in 3 regions, the demo shop in namespace "shop".
  export KUBECONFIG=$root/.sandbox/kubeconfig
  PATH=$root/bin:\$PATH kubectl drill run runbooks/evacuate-region.yaml     # again, step by step
  npm run sandbox:down                                                    # stop it
MSG
exit "$status"

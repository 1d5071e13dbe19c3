#!/usr/bin/env bash
# npm run demo [-- RUNBOOK [run flags]]: start the sandbox (building it the first time), then run a
# demo drill unattended (--yes). RUNBOOK is a name in runbooks/ (default evacuate-region: drain
# eu-west's traffic, time-to-drain from Prometheus, drain its nodes, roll back checkout, restore;
# restore-orders: lose the orders database, restore it with Velero, time-to-restore).
# In a terminal: the live step list.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
runbook=evacuate-region
if [ $# -gt 0 ] && [ -f "runbooks/$1.yaml" ]; then
  runbook=$1
  shift
fi
npm run --silent build
bash test/cluster/sandbox.sh up
extra=()
if [ "$runbook" = evacuate-region ]; then
  # The sandbox's Prometheus is on 127.0.0.1:9090 unless that port was taken; pass where it is.
  prometheus=$(node_modules/.bin/node -p 'JSON.parse(require("fs").readFileSync(".sandbox/ready", "utf8")).prometheusURL')
  extra=(--set "prometheus=$prometheus")
fi
status=0
bin/kubectl-drill run "runbooks/$runbook.yaml" --yes --kubeconfig .sandbox/kubeconfig "${extra[@]}" "$@" || status=$?
cat <<MSG

The sandbox is still up: 12 simulated nodes in 3 regions, the demo shop in namespace "shop".
  export KUBECONFIG=$root/.sandbox/kubeconfig
  PATH=$root/bin:\$PATH kubectl drill run runbooks/$runbook.yaml     # again, step by step
  npm run sandbox:down                                                    # stop it
MSG
exit "$status"

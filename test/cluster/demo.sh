#!/usr/bin/env bash
# npm run demo: start the sandbox (building it the first time), then run the demo drill,
# runbooks/evacuate-region.yaml, unattended (--yes). In a terminal it shows the live step list.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
npm run --silent build
bash test/cluster/sandbox.sh up
status=0
bin/kubectl-drill run runbooks/evacuate-region.yaml --yes --kubeconfig .sandbox/kubeconfig "$@" || status=$?
cat <<MSG

The sandbox is still up: 12 simulated nodes in 3 regions, the demo shop in namespace "shop".
  export KUBECONFIG=$root/.sandbox/kubeconfig
  PATH=$root/bin:\$PATH kubectl drill run runbooks/evacuate-region.yaml     # again, step by step
  npm run sandbox:down                                                    # stop it
MSG
exit "$status"

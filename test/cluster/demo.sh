#!/usr/bin/env bash
# npm run demo: start the sandbox (building it the first time) and show how to use it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
bash test/cluster/sandbox.sh up
cat <<MSG

The sandbox is up: 12 simulated nodes in 3 regions, the demo shop in namespace "shop".

  export KUBECONFIG=$root/.sandbox/kubeconfig
  $(bash test/cluster/sandbox.sh bin)/kubectl get nodes -L topology.kubernetes.io/region
  PATH=$root/bin:\$PATH kubectl drill --help

Stop it with: npm run sandbox:down
MSG

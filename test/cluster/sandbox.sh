#!/usr/bin/env bash
# sandbox.sh up|down|build|bin|velero-bin|krew-bin|status|install-prometheus|fault: the local
# Kubernetes sandbox (see test/cluster/README.md).
#
# The binaries are built once per version of this folder's sources and go.sum, into a cache
# outside the checkout, so fresh clones (and CI) on the same machine reuse them. The Gateway API
# CRDs of the sigs.k8s.io/gateway-api module in go.mod are copied beside them (gateway-api/).
# Velero (velero/, a Go module of its own: it is on older Kubernetes libraries than the control
# plane) is built the same way into a folder of its own, keyed on velero/ alone, so that a change
# to either side does not rebuild the other.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
state="${SANDBOX_DIR:-$root/.sandbox}"
cache="${KUBECTL_DRILL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-drill}"
components=(kube-apiserver kube-controller-manager kube-scheduler kubectl sandbox)

velero_components=(velero s3 plugins/velero-plugin-for-aws version)

# source_key DIR [EXCLUDED]: a hash of the Go sources, manifests and module files under DIR.
source_key() {
  local dir=$1 excluded=${2:-}
  (cd "$dir" && find . ${excluded:+-path "./$excluded" -prune -o} -type f \( -name '*.go' -o -name '*.yaml' -o -name go.mod -o -name go.sum \) -print0 |
    LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

bin_dir() { echo "$cache/sandbox-$(source_key "$here" velero)"; }
velero_dir() { echo "$cache/velero-$(source_key "$here/velero")"; }
# krew (test/krew, a module of its own) is no part of the sandbox: the release test installs our
# archive with it.
krew_dir() { echo "$cache/krew-$(source_key "$root/test/krew")"; }

build() { build_sandbox && build_velero; }
build_sandbox() { build_cached sandbox "$(bin_dir)" build_into "${components[@]}" gateway-api; }
build_velero() { build_cached velero "$(velero_dir)" build_velero_into "${velero_components[@]}" crds; }
build_krew() { build_cached krew "$(krew_dir)" build_krew_into krew; }
build_krew_into() { (cd "$root/test/krew" && go build -trimpath -o "$1/" sigs.k8s.io/krew/cmd/krew); }

# build_cached NAME DIR BUILDER FILE...: unless every FILE is in DIR, BUILDER builds into a
# temporary folder that then becomes DIR.
build_cached() {
  local name=$1 bin=$2 builder=$3
  shift 3
  local missing=0
  for c in "$@"; do [ -e "$bin/$c" ] || missing=1; done
  if [ "$missing" = 0 ]; then
    return 0
  fi
  echo "building $name into $bin (first time: several minutes)" >&2
  local started=$SECONDS tmp="$bin.tmp.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  if ! "$builder" "$tmp"; then
    rm -rf "$tmp"
    return 1
  fi
  rm -rf "$bin" && mv "$tmp" "$bin"
  echo "built $name in $((SECONDS - started))s" >&2
  # Builds of other versions of the sources: keep the two newest, for clones of other branches.
  ls -dt "$cache/$name"-* | grep -vx "$bin" | grep -v '\.tmp\.' | tail -n +3 | xargs -r rm -rf
}

build_into() {
  local dir=$1
  (cd "$here" && go build -trimpath -o "$dir/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubectl \
    ./cmd/sandbox) || return 1
  # The standard channel's CRDs, from the module's own files at the version go.mod pins.
  local gateway_api
  gateway_api=$(cd "$here" && go list -m -f '{{.Dir}}' sigs.k8s.io/gateway-api) || return 1
  mkdir -p "$dir/gateway-api"
  cp "$gateway_api"/config/crd/standard/*.yaml "$dir/gateway-api/"
}

# build_velero_into: the velero server (Velero's command, see velero/cmd/velero), the AWS
# object-store plugin into plugins/, our S3 store, Velero's CRDs (the server checks for the
# v2alpha1 kinds too) from the module's own files at the version velero/go.mod pins, and that
# version (the sandbox reports it, and names the image of Velero's Deployment after it).
build_velero_into() {
  local dir=$1
  (cd "$here/velero" && go build -trimpath -o "$dir/" ./cmd/velero ./cmd/s3) || return 1
  mkdir -p "$dir/plugins" "$dir/crds"
  (cd "$here/velero" && go build -trimpath -o "$dir/plugins/" github.com/vmware-tanzu/velero-plugin-for-aws/velero-plugin-for-aws) || return 1
  local velero version
  read -r velero version < <(cd "$here/velero" && go list -m -f '{{.Dir}} {{.Version}}' github.com/vmware-tanzu/velero) || return 1
  cp "$velero"/config/crd/v1/bases/*.yaml "$velero"/config/crd/v2alpha1/bases/*.yaml "$dir/crds/"
  echo "$version" >"$dir/version"
}

supervisor_pid() {
  [ -f "$state/sandbox.pid" ] || return 1
  local pid
  pid=$(head -n1 "$state/sandbox.pid")
  ours "$pid" || return 1
  echo "$pid"
}

# ours: the pid is alive and is one of this sandbox's processes (not a recycled pid).
ours() {
  local pid=$1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$state"
}

# install_prometheus installs Debian's prometheus package without its recommendations (the node
# exporter) and makes sure no service instance of it is left running: the sandbox starts its own.
install_prometheus() {
  if command -v prometheus >/dev/null; then return 0; fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "prometheus is missing: install Debian's package (sudo apt-get install -y --no-install-recommends prometheus)," >&2
    echo "or start the sandbox without it: $0 up --prometheus=false" >&2
    return 1
  fi
  echo "installing Debian's prometheus package" >&2
  # Keep the package's maintainer scripts from starting the service, where nothing else does.
  local policy=/usr/sbin/policy-rc.d added=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# sandbox.sh: no service starts while prometheus installs\nexit 101\n' >"$policy"
    chmod +x "$policy"
    added=1
  fi
  local rc=0
  { DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >/dev/null ||
    { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus >/dev/null; }; } || rc=$?
  if [ "$added" = 1 ]; then rm -f "$policy"; fi
  [ "$rc" = 0 ] || return "$rc"
  stop_prometheus_services
}

# stop_prometheus_services stops what the package may have started: Debian's service runs
# /usr/bin/prometheus (and prometheus-node-exporter, when recommendations are installed) as the
# user prometheus. The sandbox's own Prometheus runs as the caller and is never touched.
stop_prometheus_services() {
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl disable --now prometheus.service prometheus-node-exporter.service >/dev/null 2>&1 || true
  fi
  local pid exe
  for pid in $(ps -u prometheus -o pid= 2>/dev/null); do
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
    case "$exe" in
      /usr/bin/prometheus | /usr/bin/prometheus-node-exporter)
        echo "stopping the $exe service instance the package started (pid $pid)" >&2
        kill -TERM "$pid" 2>/dev/null || true
        ;;
    esac
  done
}

up() {
  if supervisor_pid >/dev/null && [ -f "$state/ready" ]; then
    echo "sandbox already running" >&2
    print_usage
    return 0
  fi
  build_sandbox
  case " $* " in
    *" --prometheus=false "* | *" --traffic=false "* | *" --demo=false "*) ;;
    *) install_prometheus ;;
  esac
  local defaults=()
  case " $* " in
    *" --velero=false "*) ;;
    *)
      build_velero
      defaults+=(--velero-dir="$(velero_dir)")
      ;;
  esac
  down >/dev/null 2>&1 || true
  mkdir -p "$state/logs"
  local bin
  bin=$(bin_dir)
  echo "starting the sandbox" >&2
  local started=$SECONDS
  # The default sandbox's Prometheus is where runbooks/evacuate-region.yaml looks by default
  # (127.0.0.1:9090); other sandboxes (SANDBOX_DIR) take a free port.
  if [ -z "${SANDBOX_DIR:-}" ] && ! (exec 3<>/dev/tcp/127.0.0.1/9090) 2>/dev/null; then
    defaults+=(--prometheus-port=9090)
  fi
  setsid "$bin/sandbox" run --dir "$state" "${defaults[@]}" "$@" </dev/null >"$state/logs/sandbox.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$state/sandbox.pid"
  until [ -f "$state/ready" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the sandbox failed to start; last lines of $state/logs/sandbox.log:" >&2
      tail -n 30 "$state/logs/sandbox.log" >&2
      return 1
    fi
    if [ $((SECONDS - started)) -gt 180 ]; then
      echo "the sandbox did not become ready within 180s; see $state/logs/" >&2
      down
      return 1
    fi
    sleep 0.2
  done
  echo "sandbox ready in $((SECONDS - started))s" >&2
  print_usage
}

print_usage() {
  echo "export KUBECONFIG=$state/kubeconfig"
}

down() {
  [ -f "$state/sandbox.pid" ] || { echo "sandbox not running" >&2; return 0; }
  local pids
  mapfile -t pids <"$state/sandbox.pid"
  local supervisor=${pids[0]}
  if ours "$supervisor"; then
    kill -TERM "$supervisor" 2>/dev/null || true
    for _ in $(seq 1 150); do ours "$supervisor" || break; sleep 0.1; done
  fi
  # Whatever is still there after a graceful stop is killed: sandbox processes must not linger.
  for pid in "${pids[@]}"; do
    if ours "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  rm -f "$state/sandbox.pid" "$state/ready"
  echo "sandbox stopped" >&2
}

status() {
  if supervisor_pid >/dev/null && [ -f "$state/ready" ]; then
    cat "$state/ready"
  else
    echo "sandbox not running" >&2
    return 1
  fi
}

# fault restart | pause DURATION | answer CODE DURATION [RETRY_AFTER_SECONDS]: asks the running
# sandbox for a fault (internal/faults; its endpoint is faultsURL in the ready file).
fault() {
  [ -f "$state/ready" ] || { echo "sandbox not running" >&2; return 1; }
  local url
  url=$(sed -n 's/^ *"faultsURL": "\(.*\)",\{0,1\}$/\1/p' "$state/ready")
  case "${1:-}" in
    restart) curl -fsS -X POST "$url/apiserver/restart" ;;
    pause) curl -fsS -X POST "$url/apiserver/pause?for=${2:?pause DURATION}" ;;
    answer) curl -fsS -X POST "$url/apiserver/answer?code=${2:?answer CODE DURATION}&for=${3:?answer CODE DURATION}&retryAfter=${4:-1}" ;;
    *) echo "usage: $0 fault restart | pause DURATION | answer CODE DURATION [RETRY_AFTER_SECONDS]" >&2; return 2 ;;
  esac
}

cmd=${1:-}
shift || true
case "$cmd" in
  up) up "$@" ;;
  down) down ;;
  build) build ;;
  bin) build_sandbox && bin_dir ;;
  velero-bin) build_velero && velero_dir ;;
  krew-bin) build_krew && krew_dir ;;
  status) status ;;
  install-prometheus) install_prometheus ;;
  fault) fault "$@" ;;
  *) echo "usage: $0 up|down|build|bin|velero-bin|krew-bin|status|install-prometheus|fault" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# A real Kubernetes control plane (etcd + kube-apiserver + kube-controller-manager)
# on loopback, for the operator's end-to-end tests.
#
#   .ci/kube.sh build        obtain the binaries into the cache (each reused when present)
#   .ci/kube.sh kubectl      print the path of the cached kubectl (after build)
#   .ci/kube.sh start DIR    start them with data, certs, logs and pids under DIR;
#                            writes DIR/kubeconfig and DIR/env
#   .ci/kube.sh stop DIR     stop what `start DIR` started; safe to call twice
#   .ci/kube.sh status DIR   show what runs and whether the API server is ready
#   .ci/kube.sh restart-controllers DIR
#                            restart kube-controller-manager so that its garbage
#                            collector knows CRDs installed since (see start_kcm)
#   .ci/kube.sh stop-apiserver DIR
#                            stop only the kube-apiserver (an outage: etcd and the
#                            controller-manager keep running); safe to call twice
#   .ci/kube.sh start-apiserver DIR
#                            start it again on the same port with the same certs,
#                            tokens and etcd data; returns once /readyz answers 200
#                            (if it never does, the whole cluster is stopped)
#
# Built from source: no prebuilt Kubernetes binary is reachable from here, but the Go
# module proxy serves k8s.io/kubernetes and etcd's server module. Each is built through a
# committed wrapper module under .ci/kube-modules/ (see kube-modules.sh), whose go.sum pins
# every dependency, with the machine's Go; the binaries are cached per version.
#
# Environment:
#   KUBE_VERSION        Kubernetes version to build and run (default v1.37.2; each version
#                       needs .ci/kube-modules/kubernetes-$KUBE_VERSION)
#   ETCD_VERSION        etcd version (default v3.6.17; likewise etcd-$ETCD_VERSION)
#   KUBE_CACHE          cache dir (default ~/.cache/image-pipeline-operator/kube-$KUBE_VERSION)
#   KUBE_MAX_LIFETIME   seconds after which every started process is killed even if
#                       `stop` is never called (default 3600)
#   KUBE_CONTROLLERS    controllers run by kube-controller-manager
#                       (default garbagecollector,namespace,serviceaccount,serviceaccount-token,
#                       clusterrole-aggregation,root-ca-cert-publisher)
#   KUBE_NODE=1         `start` also starts a node (containerd, kubelet, kube-proxy,
#                       kube-scheduler) in a network namespace; see kube-node.sh.
#                       The API server then listens on 10.213.0.1, not 127.0.0.1.
#   KUBE_NODE_IMAGES    image tars (colon-separated) imported into the node's containerd
#
# `.ci/kube.sh kubectl` prints the path of the cached kubectl of KUBE_VERSION: the tests
# drive the cluster with the client of its own version.
set -euo pipefail

# With or without the "v": 1.35.4 and v1.35.4 are the same version.
KUBE_VERSION=${KUBE_VERSION:-v1.37.2}
readonly KUBE_VERSION=v${KUBE_VERSION#v}
ETCD_VERSION=${ETCD_VERSION:-v3.6.17}
readonly ETCD_VERSION=v${ETCD_VERSION#v}
readonly MODULES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kube-modules
readonly CACHE_ROOT=${XDG_CACHE_HOME:-$HOME/.cache}/image-pipeline-operator
readonly CACHE=${KUBE_CACHE:-$CACHE_ROOT/kube-$KUBE_VERSION}
readonly BIN=$CACHE/bin
readonly ETCD_BIN=$CACHE_ROOT/etcd-$ETCD_VERSION/bin
# The control plane, started by `start`; the node, started by `start` with KUBE_NODE=1.
readonly COMPONENTS=(etcd kube-apiserver kube-controller-manager)
# pause is the pod sandbox's process, compiled from the same version's build/pause and
# turned into an image at start, since no registry holds one for us.
readonly NODE_COMPONENTS=(kube-scheduler kubelet kube-proxy pause)
# What `build` puts into $BIN (etcd goes to $ETCD_BIN). Each binary is cached on its own:
# the tier without a node needs no node binaries, and a later build with a node adds them.
if [[ ${KUBE_NODE:-0} == 1 ]]; then
  readonly KUBE_BUILT=(kube-apiserver kube-controller-manager kubectl "${NODE_COMPONENTS[@]}")
else
  readonly KUBE_BUILT=(kube-apiserver kube-controller-manager kubectl)
fi

log() { printf 'kube.sh: %s\n' "$*" >&2; }
# shellcheck source=kube-node.sh
. "$(dirname "${BASH_SOURCE[0]}")/kube-node.sh"
die() { log "error: $*"; exit 1; }

# Runs a command silently; shows its output only when it fails.
quiet() {
  local out
  out=$("$@" 2>&1) || { printf '%s\n' "$out" | tail -n 20 >&2; die "failed: $*"; }
}

# ---------------------------------------------------------------- tools

# Installs the Debian packages behind the commands we need, only when missing:
# CI starts from a fresh machine that has no rsync, maybe no openssl.
# Arguments are command:package pairs.
APT_UPDATED=
ensure_tools() {
  local pair missing=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  ((${#missing[@]})) || return 0
  [[ $(id -u) == 0 ]] || die "missing packages ${missing[*]}; install them (needs root)"
  log "installing ${missing[*]}"
  if [[ -z $APT_UPDATED ]]; then
    quiet apt-get update
    APT_UPDATED=1
  fi
  quiet env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# ---------------------------------------------------------------- build

have_binary() { [[ -x $BIN/$1 ]]; }
binary() { if [[ $1 == etcd ]]; then echo "$ETCD_BIN/etcd"; else echo "$BIN/$1"; fi; }

# Go with the module proxy and checksum database as configured for this machine; the
# build and module caches live in ~/.cache and ~/go (Go's defaults), so a second version
# or a rebuild reuses what the first one compiled.
go_build() { # module dir, output dir, ldflags, packages...
  local dir=$1 out=$2 ldflags=$3
  shift 3
  (cd "$dir" && env CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=readonly \
    go build -trimpath -ldflags "$ldflags" -o "$out/" "$@")
}

need_go() {
  command -v go >/dev/null 2>&1 || die "go is required to build Kubernetes (the machine's Go, >= $(sed -n 's/^go //p' "$MODULES/kubernetes-$KUBE_VERSION/go.mod"))"
}

build_etcd() {
  [[ -x $ETCD_BIN/etcd ]] && return 0
  local dir=$MODULES/etcd-$ETCD_VERSION work
  [[ -f $dir/go.mod ]] || die "no wrapper module for etcd $ETCD_VERSION in $dir (run .ci/kube-modules.sh etcd $ETCD_VERSION)"
  need_go
  mkdir -p "$ETCD_BIN"
  rm -rf "${ETCD_BIN%/bin}"/build.*
  work=$(mktemp -d "${ETCD_BIN%/bin}/build.XXXXXX")
  log "go: building etcd $ETCD_VERSION (log: $work/build.log)"
  go_build "$dir" "$work" "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_VERSION" \
    go.etcd.io/etcd/server/v3 >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; die "etcd build failed"; }
  mv "$work/server" "$work/etcd" # go names the binary after the package's directory
  "$work/etcd" --version | grep -q "etcd Version: ${ETCD_VERSION#v}" || die "etcd reports $("$work/etcd" --version | head -1)"
  mv -f "$work/etcd" "$ETCD_BIN/etcd"
  rm -rf "$work"
}

# The Kubernetes binaries named in "$@", built from the wrapper module of KUBE_VERSION with
# the version stamped where /version and the node's status read it.
build_kube() {
  local dir=$MODULES/kubernetes-$KUBE_VERSION pkgs=() b ldflags=-s\ -w p
  [[ -f $dir/go.mod ]] || die "no wrapper module for Kubernetes $KUBE_VERSION in $dir (run .ci/kube-modules.sh kubernetes $KUBE_VERSION)"
  [[ $KUBE_VERSION =~ ^v1\.([0-9]+)\. ]] || die "KUBE_VERSION must look like v1.37.2: $KUBE_VERSION"
  local minor=${BASH_REMATCH[1]}
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  for b in "$@"; do [[ $b == pause ]] || pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  if [[ " $* " == *" pause "* ]]; then
    # The module's source in the module cache (downloaded first if it is not there yet).
    local src
    src=$(cd "$dir" && GOTOOLCHAIN=local go mod download -json k8s.io/kubernetes | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    [[ -f $src/build/pause/linux/pause.c ]] || die "no build/pause in k8s.io/kubernetes $KUBE_VERSION ($src)"
    log "gcc: building pause"
    local pv
    pv=$(sed -n 's/^TAG *?\{0,1\}= *//p' "$src/build/pause/Makefile")
    quiet gcc -Os -Wall -Werror -static -DVERSION="$pv" -o "$WORK/out/pause" "$src/build/pause/linux/pause.c"
    "$WORK/out/pause" -v | grep -q "pause" || die "pause does not run"
  fi
  ((${#pkgs[@]})) || return 0
  log "go: building Kubernetes $KUBE_VERSION ${pkgs[*]#k8s.io/kubernetes/cmd/} (about 15 min on 2 cores when nothing is cached; log: $WORK/build.log)"
  if ! go_build "$dir" "$WORK/out" "$ldflags" "${pkgs[@]}" >"$WORK/build.log" 2>&1; then
    tail -n 30 "$WORK/build.log" >&2
    die "kubernetes build failed"
  fi
  local version
  for b in "${pkgs[@]#k8s.io/kubernetes/cmd/}"; do
    if [[ $b == kubectl ]]; then version=$("$WORK/out/$b" version --client 2>/dev/null | head -1)
    else version=$("$WORK/out/$b" --version); fi
    [[ $version == *"$KUBE_VERSION" ]] || die "$b reports $version"
  done
}

go_arch() { dpkg --print-architecture; }

cmd_build() {
  local c missing=()
  for c in "${KUBE_BUILT[@]}"; do have_binary "$c" || missing+=("$c"); done
  if ((${#missing[@]} == 0)) && [[ -x $ETCD_BIN/etcd ]]; then
    log "cached: Kubernetes $KUBE_VERSION (${KUBE_BUILT[*]}) in $BIN, etcd $ETCD_VERSION in $ETCD_BIN"
    return 0
  fi
  # pause is linked statically: it runs alone in its image.
  if [[ " ${missing[*]} " == *" pause "* ]]; then
    ensure_tools gcc:gcc
    [[ -f /usr/lib/$(gcc -print-multiarch)/libc.a ]] || ensure_tools no-such-command:libc6-dev
  fi
  mkdir -p "$CACHE" "$CACHE_ROOT"
  # One build at a time for all versions (they share Go's caches, and 2 cores); a second
  # caller waits and then finds the binaries.
  exec 9>"$CACHE_ROOT/.build.lock"
  flock 9
  build_etcd
  missing=()
  for c in "${KUBE_BUILT[@]}"; do have_binary "$c" || missing+=("$c"); done
  ((${#missing[@]})) || { log "cached: ${KUBE_BUILT[*]} in $BIN"; return 0; }
  need_go

  # Leftovers of an interrupted build (we hold the lock, so nobody uses them).
  rm -rf "$CACHE"/build.*
  WORK=$(mktemp -d "$CACHE/build.XXXXXX")
  mkdir -p "$WORK/out"
  trap 'rm -rf "$WORK"' EXIT
  trap 'exit 130' INT TERM # so that the EXIT trap also runs when interrupted
  log "building: ${missing[*]}"
  build_kube "${missing[@]}"

  # Only finished, verified binaries enter the cache; mv within one file system
  # is atomic, so an interrupted build never leaves a partial binary in bin/.
  mkdir -p "$BIN"
  for c in "${missing[@]}"; do mv -f "$WORK/out/$c" "$BIN/$c"; done
  log "done: ${KUBE_BUILT[*]} in $BIN"
}


# ---------------------------------------------------------------- start/stop

# A loopback TCP port nobody listens on, below the ephemeral range so outgoing
# connections do not grab it meanwhile; never one of the already chosen ones
# (runs in $(...), so the caller records the port in CHOSEN_PORTS).
CHOSEN_PORTS=" "
free_port() {
  local p i
  for i in $(seq 1 100); do
    p=$((20000 + RANDOM % 12000))
    [[ $CHOSEN_PORTS == *" $p "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  die "no free loopback port found"
}

# Self-signed CA, a serving cert for 127.0.0.1/localhost, and the service-account
# key pair. Short validity: the cluster lives at most KUBE_MAX_LIFETIME.
make_certs() {
  local pki=$1 san=$2
  mkdir -p "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj /CN=e2e-kube-ca \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
      -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -new -newkey rsa:2048 -nodes -subj /CN=kube-apiserver \
      -keyout apiserver.key -out apiserver.csr 2>/dev/null
    printf '%s\n' "subjectAltName=$san" 'extendedKeyUsage=serverAuth' \
      'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' >apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 7 \
      -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    chmod 600 ./*.key
  )
}

# kubeconfig for one bearer token (and, for the admin file, a second context
# for the group-less e2e-user, used by RBAC and impersonation tests).
write_kubeconfig() {
  local file=$1 user=$2 token=$3 extra_user=${4:-} extra_token=${5:-}
  {
    cat <<EOF
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: $API_URL
    certificate-authority: $DIR/pki/ca.crt
users:
- name: $user
  user:
    token: $token
EOF
    [[ -z $extra_user ]] || printf -- '- name: %s\n  user:\n    token: %s\n' "$extra_user" "$extra_token"
    printf 'contexts:\n- name: e2e\n  context:\n    cluster: e2e\n    user: %s\n' "$user"
    [[ -z $extra_user ]] || printf -- '- name: %s\n  context:\n    cluster: e2e\n    user: %s\n' "$extra_user" "$extra_user"
    printf 'current-context: e2e\n'
  } >"$file"
  chmod 600 "$file"
}

# Starts "$@" as component $name, bounded by $DEADLINE (epoch seconds): coreutils
# timeout puts itself and the process into a new process group and kills that
# group (TERM, then KILL 10 s later) when the time is up, even if nobody ever
# calls stop. The pid file holds the group id and the leader's start time
# (against pid reuse).
launch() {
  local name=$1; shift
  local left=$((DEADLINE - $(date +%s)))
  ((left > 0)) || die "the cluster's lifetime is over (KUBE_MAX_LIFETIME)"
  timeout --kill-after=10 "$left" "$@" </dev/null >"$DIR/logs/$name.log" 2>&1 &
  local pid=$!
  echo "$pid $(start_time "$pid")" >"$DIR/run/$name.pid"
}

# Fields of /proc/PID/stat after "pid (comm) ": 1 state, 2 ppid, 3 pgrp, ... 20 starttime.
stat_fields() { local s; { read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1; echo "${s##*) }"; }
start_time() { local f; read -ra f <<<"$(stat_fields "$1")"; echo "${f[19]:-}"; }

# Group id of component $1 if it is still ours and alive; fails otherwise.
component_group() {
  local pidfile=$DIR/run/$1.pid pid st now
  [[ -f $pidfile ]] || return 1
  read -r pid st <"$pidfile"
  if [[ -d /proc/$pid ]]; then
    now=$(start_time "$pid")
    [[ -z $now || $now == "$st" ]] || return 1 # pid reused by someone else
  fi
  pgrep_group "$pid"
}

# Prints $1 and succeeds while any process of process group $1 exists (the
# timeout leader may be gone while the server it started still runs).
pgrep_group() {
  local want=$1 f s pg
  for f in /proc/[0-9]*/stat; do
    { read -r s <"$f"; } 2>/dev/null || continue
    read -r _ _ pg _ <<<"${s##*) }"
    if [[ $pg == "$want" ]]; then echo "$want"; return 0; fi
  done
  return 1
}

wait_gone() { # group, seconds
  local i
  for ((i = 0; i < $2 * 10; i++)); do pgrep_group "$1" >/dev/null || return 0; sleep 0.1; done
  return 1
}

stop_component() {
  local name=$1 pg
  if pg=$(component_group "$name"); then
    kill -TERM -- "-$pg" 2>/dev/null || true
    if ! wait_gone "$pg" 15; then
      log "$name did not exit on TERM; killing"
      kill -KILL -- "-$pg" 2>/dev/null || true
      wait_gone "$pg" 5 || die "$name (process group $pg) survived KILL"
    fi
    log "stopped $name"
  fi
  rm -f "$DIR/run/$name.pid"
}

# curl against the API server with the admin token; prints the HTTP status.
api_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$DIR/pki/ca.crt" \
    -H "Authorization: Bearer $ADMIN_TOKEN" "$API_URL$1" 2>/dev/null || true
}

# Waits up to $2 seconds for "$1" (a command, eval'd each time, hence the
# single quotes of the callers) to succeed; fails early when a component died,
# showing its log.
wait_for() {
  local what=$1 secs=$2 i c
  for ((i = 0; i < secs * 5; i++)); do
    eval "$what" && return 0
    for c in "${COMPONENTS[@]}" "${NODE_RUN[@]}"; do
      if [[ -f $DIR/run/$c.pid ]] && ! component_group "$c" >/dev/null; then
        tail -n 20 "$DIR/logs/$c.log" >&2 || true
        cmd_stop >/dev/null 2>&1 || true
        die "$c exited during start (log: $DIR/logs/$c.log)"
      fi
    done
    sleep 0.2
  done
  cmd_stop >/dev/null 2>&1 || true
  die "timed out after ${secs}s waiting for: $what"
}

# Sets DIR to the absolute path of $1 (created when $2 is "create").
set_dir() {
  [[ -n ${1:-} ]] || die "usage: $0 COMMAND DIR (see the header of $0)"
  [[ $1 != *[[:space:]]* ]] || die "DIR must not contain whitespace: $1"
  if [[ ${2:-} == create ]]; then mkdir -p "$1"; fi
  DIR=$(cd "$1" 2>/dev/null && pwd) || DIR=$1
}

cmd_start() {
  set_dir "${1:-}" create
  local c
  for c in "${COMPONENTS[@]}"; do
    ! component_group "$c" >/dev/null || die "already running in $DIR (stop it first)"
  done
  for c in "${COMPONENTS[@]}"; do [[ -x $(binary "$c") ]] || die "$c not in $(binary "$c"); run: $0 build"; done
  ensure_tools openssl:openssl curl:curl
  local node=${KUBE_NODE:-0} api_host=127.0.0.1 san=IP:127.0.0.1,DNS:localhost
  if [[ $node == 1 ]]; then
    for c in "${NODE_COMPONENTS[@]}"; do have_binary "$c" || die "$c not in $BIN; run: $0 build"; done
    node_tools
    # Held by every process started below (they inherit the descriptor), so released
    # only when the last of them is gone.
    exec 8>"$NODE_LOCK"
    flock -n 8 || die "another node runs on this machine (lock $NODE_LOCK)"
    api_host=$HOST_IP
    # The pods reach the API server through the "kubernetes" Service.
    san+=,IP:$HOST_IP,IP:${SERVICE_CIDR%.0/*}.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc
  fi
  local t0=$SECONDS
  local lifetime=${KUBE_MAX_LIFETIME:-3600}
  [[ $lifetime =~ ^[0-9]+$ ]] || die "KUBE_MAX_LIFETIME must be seconds"
  DEADLINE=$(($(date +%s) + lifetime))

  # A fresh cluster every time: old data, certs and tokens go.
  rm -rf "$DIR/etcd" "$DIR/pki" "$DIR/logs" "$DIR/run" "$DIR/kubeconfig" "$DIR/env" "$DIR/node"
  mkdir -p "$DIR/logs" "$DIR/run"
  mkdir -m 700 "$DIR/etcd"
  make_certs "$DIR/pki" "$san"
  if [[ $node == 1 ]]; then
    mkdir -p "$DIR/node"
    ls -d /run/netns/cni-* >"$DIR/node/netns.before" 2>/dev/null || true
    node_network_up
  fi

  local etcd_port peer_port api_port
  etcd_port=$(free_port); CHOSEN_PORTS+="$etcd_port "
  peer_port=$(free_port); CHOSEN_PORTS+="$peer_port "
  api_port=$(free_port)
  API_URL=https://$api_host:$api_port
  local etcd_url=http://127.0.0.1:$etcd_port peer_url=http://127.0.0.1:$peer_port

  # Static tokens: admin (system:masters), the controller-manager (also
  # system:masters: the garbage collector must delete anything), and e2e-user
  # with no group at all, so RBAC denies it everything by default.
  ADMIN_TOKEN=$(openssl rand -hex 16)
  local kcm_token e2e_token
  kcm_token=$(openssl rand -hex 16)
  e2e_token=$(openssl rand -hex 16)
  NODE_TOKEN=$(openssl rand -hex 16)
  {
    # kubelet, kube-proxy and kube-scheduler share one all-powerful identity.
    [[ $node != 1 ]] || echo "$NODE_TOKEN,system:node:$NODE_NAME,system:node:$NODE_NAME,system:masters"
    echo "$ADMIN_TOKEN,e2e-admin,e2e-admin,system:masters"
    echo "$kcm_token,system:kube-controller-manager,system:kube-controller-manager,system:masters"
    echo "$e2e_token,e2e-user,e2e-user"
  } >"$DIR/pki/tokens.csv"
  chmod 600 "$DIR/pki/tokens.csv"

  log "starting etcd on $etcd_url"
  # 4 GiB of storage: `make bench` leaves about 400,000 executions in the cluster it measures.
  launch etcd "$(binary etcd)" --name e2e --data-dir "$DIR/etcd" \
    --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
    --listen-peer-urls "$peer_url" --initial-advertise-peer-urls "$peer_url" \
    --initial-cluster "e2e=$peer_url" \
    --quota-backend-bytes 4294967296 --snapshot-count 10000
  wait_for "curl -sf --max-time 2 $etcd_url/health >/dev/null" 30

  # --endpoint-reconciler-type=none without a node: the "kubernetes" Service's endpoints
  # would be 127.0.0.1, which the API server refuses (loopback) and logs every 10 s.
  # With a node they are the host's end of the node's link, which pods reach.
  local reconciler=none
  [[ $node != 1 ]] || reconciler=lease
  start_apiserver "$etcd_url" "$api_port" "$api_host" "$reconciler"
  # /readyz answers before the namespace controller of the API server has
  # created "default", and tests that use it would race; wait for it too.
  # shellcheck disable=SC2016
  wait_for '[[ $(api_status /api/v1/namespaces/default) == 200 ]]' 30

  write_kubeconfig "$DIR/kubeconfig" e2e-admin "$ADMIN_TOKEN" e2e-user "$e2e_token"
  write_kubeconfig "$DIR/pki/kcm.kubeconfig" system:kube-controller-manager "$kcm_token"

  local default_controllers=garbagecollector,namespace,serviceaccount,serviceaccount-token,clusterrole-aggregation,root-ca-cert-publisher
  # A node runs Deployments' pods and routes Services to them.
  [[ $node != 1 ]] || default_controllers+=,deployment,replicaset,endpoint,endpointslice,disruption,nodelifecycle
  CONTROLLERS=${KUBE_CONTROLLERS:-$default_controllers}
  start_kcm
  [[ $node != 1 ]] || start_node

  cat >"$DIR/env" <<EOF
KUBECONFIG=$DIR/kubeconfig
KUBE_API_SERVER=$API_URL
KUBE_CA_FILE=$DIR/pki/ca.crt
KUBE_ADMIN_TOKEN=$ADMIN_TOKEN
KUBE_E2E_USER=e2e-user
KUBE_E2E_USER_TOKEN=$e2e_token
KUBE_ETCD_URL=$etcd_url
KUBE_DEADLINE=$DEADLINE
KUBE_CONTROLLERS=$CONTROLLERS
KUBE_VERSION=$KUBE_VERSION
EOF
  if [[ $node == 1 ]]; then
    cat >>"$DIR/env" <<EOF
KUBE_NODE=1
KUBE_NODE_NAME=$NODE_NAME
KUBE_NODE_NETNS=$NODE_NS
KUBE_NODE_HOST_IP=$HOST_IP
KUBE_NODE_POD_CIDR=$POD_CIDR
KUBE_NODE_CONTAINERD=$DIR/node/containerd/containerd.sock
KUBE_NODE_CGROUP_ROOT=$CGROUP_ROOT
KUBE_NODE_IP=$NODE_IP
KUBE_NODE_REGISTRY=$HOST_IP:$REGISTRY_PORT
EOF
  fi
  log "ready in $((SECONDS - t0))s: $API_URL; KUBECONFIG=$DIR/kubeconfig; killed at the latest after ${lifetime}s"
}

# Starts kube-apiserver against etcd at $1 on port $2 of 127.0.0.1, with the
# certs and tokens under $DIR/pki, and waits until /readyz answers 200. Used by
# start and, after stop-apiserver, by start-apiserver: same port, certs and
# data, so clients (and their kubeconfigs) keep working across the outage.
start_apiserver() {
  local etcd_url=$1 api_port=$2 api_host=${3:-${API_HOST:-127.0.0.1}} reconciler=${4:-${API_RECONCILER:-none}}
  log "starting kube-apiserver on $API_URL"
  launch kube-apiserver "$BIN/kube-apiserver" \
    --advertise-address="$api_host" --bind-address="$api_host" \
    --secure-port="$api_port" \
    --etcd-servers="$etcd_url" \
    --tls-cert-file="$DIR/pki/apiserver.crt" --tls-private-key-file="$DIR/pki/apiserver.key" \
    --token-auth-file="$DIR/pki/tokens.csv" --authorization-mode=RBAC \
    --service-account-key-file="$DIR/pki/sa.pub" \
    --service-account-signing-key-file="$DIR/pki/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --endpoint-reconciler-type="$reconciler" \
    --kubelet-preferred-address-types=InternalIP,Hostname \
    --allow-privileged=true --profiling=false --v=1
  # shellcheck disable=SC2016
  wait_for '[[ $(api_status /readyz) == 200 ]]' 60
}

# Starts kube-controller-manager with $CONTROLLERS and waits until they work:
# - garbagecollector deletes children whose ownerReferences point at deleted
#   owners. It learns new resource types (CRDs) only by rediscovery every 30 s, and
#   retries an owner of a kind it does not know yet with exponential backoff: right
#   after a CRD is installed, children of its custom resources were seen to go only
#   after ~40 s. A fresh controller-manager knows every CRD at once, hence
#   restart-controllers.
# - namespace deletes the contents of deleted namespaces.
# - serviceaccount gives every namespace a "default" service account, which the
#   ServiceAccount admission plugin requires before it admits any Pod;
#   serviceaccount-token fills token Secrets that someone asks for (none are made
#   by default since 1.24: pods get their tokens from TokenRequest).
# - clusterrole-aggregation copies the rules of ClusterRoles labelled
#   rbac.authorization.k8s.io/aggregate-to-{view,edit,admin} into the built-in
#   view, edit and admin roles (the chart's roles for people).
# - root-ca-cert-publisher writes the ConfigMap kube-root-ca.crt into every
#   namespace; every Pod's ServiceAccount token volume mounts it.
# No ports: secure serving is off.
start_kcm() {
  log "starting kube-controller-manager ($CONTROLLERS)"
  launch kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig="$DIR/pki/kcm.kubeconfig" \
    --controllers="$CONTROLLERS" \
    --service-account-private-key-file="$DIR/pki/sa.key" --root-ca-file="$DIR/pki/ca.crt" \
    --leader-elect=false --secure-port=0 --v=1
  # Its only sign of a synced garbage collector is this log line.
  if [[ ,$CONTROLLERS, == *,garbagecollector,* ]]; then
    wait_for "grep -q 'all resource monitors have synced' '$DIR/logs/kube-controller-manager.log'" 60
  fi
  # Waiting for default/default also proves the service-account controller works.
  if [[ ,$CONTROLLERS, == *,serviceaccount,* ]]; then
    # shellcheck disable=SC2016
    wait_for '[[ $(api_status /api/v1/namespaces/default/serviceaccounts/default) == 200 ]]' 30
  fi
}

# Reads what start wrote to DIR/env (the API server, token, deadline, controllers).
load_env() {
  [[ -f $DIR/env ]] || die "no cluster started in $DIR"
  API_URL=$(sed -n 's/^KUBE_API_SERVER=//p' "$DIR/env")
  ADMIN_TOKEN=$(sed -n 's/^KUBE_ADMIN_TOKEN=//p' "$DIR/env")
  DEADLINE=$(sed -n 's/^KUBE_DEADLINE=//p' "$DIR/env")
  CONTROLLERS=$(sed -n 's/^KUBE_CONTROLLERS=//p' "$DIR/env")
  ETCD_URL=$(sed -n 's/^KUBE_ETCD_URL=//p' "$DIR/env")
}

cmd_restart_controllers() {
  set_dir "${1:-}"
  load_env
  component_group kube-apiserver >/dev/null || die "kube-apiserver is not running in $DIR"
  local t0=$SECONDS
  stop_component kube-controller-manager
  start_kcm
  log "kube-controller-manager ready in $((SECONDS - t0))s"
}

cmd_stop_apiserver() {
  set_dir "${1:-}"
  load_env
  stop_component kube-apiserver
}

cmd_start_apiserver() {
  set_dir "${1:-}"
  load_env
  ! component_group kube-apiserver >/dev/null || die "kube-apiserver is already running in $DIR"
  component_group etcd >/dev/null || die "etcd is not running in $DIR (start the cluster with: $0 start DIR)"
  local t0=$SECONDS
  # Keep the log of the run before the outage beside the new one.
  [[ ! -f $DIR/logs/kube-apiserver.log ]] || mv -f "$DIR/logs/kube-apiserver.log" "$DIR/logs/kube-apiserver.log.1"
  # The address and endpoint reconciler of `start`: with a node, the host's end of its link
  # (127.0.0.1 would leave the node and every client of API_URL without an API server).
  local host_port=${API_URL#https://} reconciler=none
  ! grep -qx 'KUBE_NODE=1' "$DIR/env" || reconciler=lease
  start_apiserver "$ETCD_URL" "${host_port##*:}" "${host_port%:*}" "$reconciler"
  log "kube-apiserver ready again in $((SECONDS - t0))s: $API_URL"
}

cmd_stop() {
  set_dir "${1:-${DIR:-}}"
  local c
  [[ ! -d $DIR/node ]] || stop_node
  # Reverse order: the controller-manager and API server would only log errors
  # about a vanished etcd.
  for c in kube-controller-manager kube-apiserver etcd; do stop_component "$c"; done
}

cmd_status() {
  set_dir "${1:-}"
  local c pg rc=0
  for c in "${COMPONENTS[@]}"; do
    if pg=$(component_group "$c"); then echo "$c: running (process group $pg)"
    else echo "$c: not running"; rc=1; fi
  done
  if [[ -d $DIR/node ]]; then
    for c in "${NODE_RUN[@]}"; do
      if pg=$(component_group "$c"); then echo "$c: running (process group $pg)"
      else echo "$c: not running"; rc=1; fi
    done
  fi
  if [[ -f $DIR/env ]]; then
    load_env
    echo "readyz: $(api_status /readyz) at $API_URL; lifetime ends $(date -d "@$DEADLINE" '+%F %T')"
  fi
  return $rc
}

main() {
  case ${1:-} in
    build) cmd_build ;;
    start) cmd_start "${2:-}" ;;
    stop) cmd_stop "${2:-}" ;;
    status) cmd_status "${2:-}" ;;
    restart-controllers) cmd_restart_controllers "${2:-}" ;;
    stop-apiserver) cmd_stop_apiserver "${2:-}" ;;
    start-apiserver) cmd_start_apiserver "${2:-}" ;;
    kubectl) [[ -x $BIN/kubectl ]] || die "no kubectl $KUBE_VERSION in $BIN; run: $0 build"; echo "$BIN/kubectl" ;;
    *) sed -n '2,20s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
  esac
}

main "$@"

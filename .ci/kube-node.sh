# shellcheck shell=bash
# The node of `.ci/kube.sh start` with KUBE_NODE=1, sourced by kube.sh: containerd, runc
# and the CNI plugins from Debian's packages, kubelet, kube-proxy and kube-scheduler from
# the cache, all on one machine with no route off it.
#
# Layout (fixed names: one such node per machine at a time, guarded by a lock):
#
#   host                          network namespace $NODE_NS ("the node")
#   ipo-h 10.213.0.1/30  <-veth->  ipo-n 10.213.0.2/30
#   kube-apiserver, etcd           containerd, kubelet, kube-proxy (iptables)
#   kube-controller-manager        bridge ipo0 10.213.1.1/24 -> pods 10.213.1.0/24
#   kube-scheduler, the tests
#
# The API server listens on 10.213.0.1 (a local address, also reachable from the pods)
# and advertises it as the endpoint of the "kubernetes" Service, so pods reach it at
# 10.0.0.1:443 through kube-proxy like in any cluster. The host routes the pod and
# Service ranges into the namespace, so tests reach pods and ClusterIPs directly. The
# namespace has no default route: nothing in it reaches beyond these addresses.
#
# containerd pulls from one registry: $HOST_IP:$REGISTRY_PORT (KUBE_NODE_REGISTRY in DIR/env),
# a port chosen at start where nothing listens until a test starts a registry there
# (RegistryInstallIT). Plain http: the address exists only on this machine's veth link, and what
# is pulled is pinned by digest, which containerd verifies whatever the transport.
# Processes enter only the network namespace (nsenter --net), so kubelet's volume
# mounts and containerd's bind mounts are in one mount namespace.
#
# Bridged pod-to-pod traffic does not pass iptables here (no br_netfilter module can be
# loaded), so a pod that reaches a Service whose endpoint is itself or a neighbour gets
# no reply; traffic from the host or a pod to the host works.

readonly NODE_NS=ipo-e2e-node
readonly NODE_NAME=e2e-node
readonly HOST_VETH=ipo-h NODE_VETH=ipo-n BRIDGE=ipo0
readonly HOST_IP=10.213.0.1 NODE_IP=10.213.0.2 LINK_PREFIX=30
readonly POD_CIDR=10.213.1.0/24 POD_GATEWAY=10.213.1.1
readonly SERVICE_CIDR=10.0.0.0/24
readonly CGROUP_ROOT=ipo-e2e
readonly CNI_BIN=/usr/lib/cni
readonly PAUSE_IMAGE=e2e.local/pause:v1
readonly NODE_LOCK=/run/ipo-e2e-node.lock
readonly KUBELET_PORT=10250
# What start_node launches (pid files under DIR/run), in the order stop_node ends them.
readonly NODE_RUN=(kubelet kube-proxy kube-scheduler containerd)

in_node() { nsenter --net="/run/netns/$NODE_NS" "$@"; }

node_tools() {
  ensure_tools containerd:containerd runc:runc iptables:iptables conntrack:conntrack \
    ip:iproute2 nsenter:util-linux
  [[ -x $CNI_BIN/bridge ]] || ensure_tools no-such-command:containernetworking-plugins
}

# The veth pair, the namespace's loopback, and the host's routes into it.
node_network_up() {
  # Leftovers of a node whose stop never ran (the machine is ours while we hold the lock).
  node_network_down
  ip netns add "$NODE_NS"
  ip link add "$HOST_VETH" type veth peer name "$NODE_VETH" netns "$NODE_NS"
  ip addr add "$HOST_IP/$LINK_PREFIX" dev "$HOST_VETH"
  ip link set "$HOST_VETH" up
  in_node ip link set lo up
  in_node ip addr add "$NODE_IP/$LINK_PREFIX" dev "$NODE_VETH"
  in_node ip link set "$NODE_VETH" up
  ip route add "$POD_CIDR" via "$NODE_IP" dev "$HOST_VETH"
  ip route add "$SERVICE_CIDR" via "$NODE_IP" dev "$HOST_VETH"
  # Pods answer the host and reach the host's API server through the node.
  in_node sysctl -qw net.ipv4.ip_forward=1
  sysctl -qw "net.ipv4.conf.$HOST_VETH.forwarding=1" 2>/dev/null || true
}

node_network_down() {
  ip route del "$SERVICE_CIDR" via "$NODE_IP" 2>/dev/null || true
  ip route del "$POD_CIDR" via "$NODE_IP" 2>/dev/null || true
  ip link del "$HOST_VETH" 2>/dev/null || true
  # Deleting the namespace removes its bridge, its iptables rules and the pods' veth ends.
  ip netns del "$NODE_NS" 2>/dev/null || true
}

# One cgroup per hierarchy for all pods (kubelet's --cgroup-root), so stop can find and
# end every container process, whatever happened to containerd.
node_cgroups_up() {
  local h
  for h in /sys/fs/cgroup/*/; do
    [[ $h == */unified/ ]] && continue
    mkdir -p "$h$CGROUP_ROOT"
  done
  if [[ -d /sys/fs/cgroup/cpuset/$CGROUP_ROOT ]]; then
    cat /sys/fs/cgroup/cpuset/cpuset.cpus >"/sys/fs/cgroup/cpuset/$CGROUP_ROOT/cpuset.cpus"
    cat /sys/fs/cgroup/cpuset/cpuset.mems >"/sys/fs/cgroup/cpuset/$CGROUP_ROOT/cpuset.mems"
  fi
}

# Kills every process left in the pods' cgroups, then removes the cgroups, deepest first.
node_cgroups_down() {
  local i pids
  for i in 1 2 3 4 5 6 7 8 9 10; do
    pids=$(find /sys/fs/cgroup/pids/"$CGROUP_ROOT" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u || true)
    [[ -z $pids ]] && break
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.5
  done
  local h
  for h in /sys/fs/cgroup/*/; do
    [[ -d $h$CGROUP_ROOT ]] || continue
    find "$h$CGROUP_ROOT" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

write_containerd_config() {
  local d=$DIR/node/containerd
  mkdir -p "$d" "$DIR/node/cni"
  cat >"$d/config.toml" <<EOF
version = 2
root = "$d/root"
state = "$d/state"
[grpc]
  address = "$d/containerd.sock"
[ttrpc]
  address = "$d/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_hugetlb_controller = true
  disable_apparmor = true
  # Lowering an OOM score needs CAP_SYS_RESOURCE, which some machines (VMs, containers)
  # withhold even from root; runc then fails with "failed to update oom_score_adj".
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$DIR/node/cni"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$d/certs.d"
EOF
  # The test registry, by plain http; every other registry as containerd's defaults have it
  # (unreachable here: the node has no route off the machine).
  mkdir -p "$d/certs.d/$HOST_IP:$REGISTRY_PORT"
  cat >"$d/certs.d/$HOST_IP:$REGISTRY_PORT/hosts.toml" <<EOF
server = "http://$HOST_IP:$REGISTRY_PORT"

[host."http://$HOST_IP:$REGISTRY_PORT"]
  capabilities = ["pull", "resolve"]
EOF
  # The pod network: a bridge inside the node, addresses from host-local, the bridge as
  # the pods' gateway, no masquerading (nothing lies beyond the machine to reach).
  cat >"$DIR/node/cni/10-e2e.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "e2e",
  "plugins": [
    {
      "type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$DIR/node/ipam",
        "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$POD_GATEWAY"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "loopback"}
  ]
}
EOF
}

ctr_node() { ctr --address "$DIR/node/containerd/containerd.sock" --namespace k8s.io "$@"; }

# The pod sandbox image: the cached pause binary alone, as a `docker save` tar.
import_pause_image() {
  local w=$DIR/node/pause-image layer cfg
  rm -rf "$w"
  mkdir -p "$w/rootfs" "$w/img"
  install -m 0755 "$BIN/pause" "$w/rootfs/pause"
  tar -C "$w/rootfs" --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$w/layer.tar" pause
  layer=$(sha256sum "$w/layer.tar" | cut -d' ' -f1)
  mkdir "$w/img/$layer"
  mv "$w/layer.tar" "$w/img/$layer/layer.tar"
  printf '{"architecture":"%s","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$(go_arch)" "$layer" >"$w/img/config.json"
  cfg=$(sha256sum "$w/img/config.json" | cut -d' ' -f1)
  mv "$w/img/config.json" "$w/img/$cfg.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$cfg" "$PAUSE_IMAGE" "$layer" >"$w/img/manifest.json"
  tar -C "$w/img" -cf "$w/pause.tar" .
  quiet ctr_node images import "$w/pause.tar"
}

# Imports each of KUBE_NODE_IMAGES (colon-separated paths of image tars) into the node. An
# OCI tar names its image as written ("image-pipeline-operator:0.1.0"), while the kubelet
# asks for the normalized name ("docker.io/library/image-pipeline-operator:0.1.0"), so a
# short name gets the long one too.
import_node_images() {
  local tar out name
  IFS=: read -ra tars <<<"${KUBE_NODE_IMAGES:-}"
  for tar in "${tars[@]}"; do
    [[ -n $tar ]] || continue
    [[ -f $tar ]] || die "KUBE_NODE_IMAGES: no such file: $tar"
    log "importing $(basename "$tar") into containerd"
    out=$(ctr_node images import "$tar" 2>&1) || { printf '%s\n' "$out" >&2; die "ctr import $tar failed"; }
    while read -r name; do
      case $name in
        */*/*) ;;                         # registry/path/name
        */*) [[ ${name%%/*} == *[.:]* ]] || quiet ctr_node images tag --force "$name" "docker.io/$name" ;;
        *) quiet ctr_node images tag --force "$name" "docker.io/library/$name" ;;
      esac
    done < <(sed -n 's/^unpacking \([^ ]*\) (sha256:.*/\1/p' <<<"$out")
  done
}

# A port free on loopback and on the host's end of the link (where the API server listens).
free_registry_port() {
  local p i
  for i in $(seq 1 100); do
    p=$(free_port)
    (exec 3<>"/dev/tcp/$HOST_IP/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  die "no free port on $HOST_IP for the registry"
}

# Starts the node's components; called by cmd_start after the control plane is up.
start_node() {
  local t0=$SECONDS
  REGISTRY_PORT=$(free_registry_port)
  write_kubeconfig "$DIR/pki/node.kubeconfig" system:node:$NODE_NAME "$NODE_TOKEN"
  write_containerd_config
  node_cgroups_up

  log "starting containerd in network namespace $NODE_NS"
  launch containerd nsenter --net="/run/netns/$NODE_NS" containerd --config "$DIR/node/containerd/config.toml"
  wait_for "ctr --address '$DIR/node/containerd/containerd.sock' version >/dev/null 2>&1" 30
  import_pause_image
  import_node_images

  log "starting kube-scheduler"
  launch kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$DIR/pki/node.kubeconfig" \
    --leader-elect=false --secure-port=0 --v=1

  log "starting kubelet ($NODE_NAME, $NODE_IP)"
  mkdir -p "$DIR/node/kubelet"
  write_kubelet_config
  launch kubelet nsenter --net="/run/netns/$NODE_NS" "$BIN/kubelet" \
    --config="$DIR/node/kubelet/config.yaml" \
    --kubeconfig="$DIR/pki/node.kubeconfig" --hostname-override="$NODE_NAME" \
    --node-ip="$NODE_IP" \
    --root-dir="$DIR/node/kubelet" --cert-dir="$DIR/node/kubelet/pki" \
    --volume-plugin-dir="$DIR/node/kubelet/volume-plugins" \
    --v=1

  log "starting kube-proxy (iptables)"
  launch kube-proxy nsenter --net="/run/netns/$NODE_NS" "$BIN/kube-proxy" --kubeconfig="$DIR/pki/node.kubeconfig" \
    --hostname-override="$NODE_NAME" --proxy-mode=iptables --cluster-cidr="$POD_CIDR" \
    --conntrack-max-per-core=0 --conntrack-tcp-timeout-established=0 \
    --conntrack-tcp-timeout-close-wait=0 \
    --healthz-bind-address=127.0.0.1:10256 --metrics-bind-address=127.0.0.1:10249 \
    --v=1

  # shellcheck disable=SC2016
  wait_for 'node_ready' 90
  log "node $NODE_NAME ready in $((SECONDS - t0))s"
}

# What the kubelet reads from its config file (most of its flags are gone since 1.20):
# - cgroupfs, and cgroup v1 allowed: this machine runs no systemd and has cgroup v1, which
#   the kubelet refuses since 1.35 unless failCgroupV1 is false; containerd 1.6 cannot tell
#   the kubelet its cgroup driver, so the kubelet's own setting must match containerd's.
# - No eviction and no image garbage collection: the disk is shared with other builds and
#   the imported images cannot be pulled again.
# - resolvConf "": pods get no name server (there is none to reach).
# - imagePullCredentialsVerificationPolicy NeverVerify: since 1.35 the kubelet records which
#   images it pulled and, for an image present on the node, checks that a pod asking for it could
#   have pulled it itself; once one test pulls from the registry, a later pod of an image imported
#   by hand was sent to pull it again, which nothing can serve. The node is the tests' alone.
# - The API server reaches the kubelet (logs, exec) without a client certificate, so the
#   kubelet serves it as the 1.20 kubelet's flags did: anonymous, always allowed, only on the
#   node's address inside its network namespace.
write_kubelet_config() {
  cat >"$DIR/node/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzPort: 0
containerRuntimeEndpoint: unix://$DIR/node/containerd/containerd.sock
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_ROOT
failCgroupV1: false
failSwapOn: false
resolvConf: ""
evictionHard:
  memory.available: "1%"
  nodefs.available: "1%"
  imagefs.available: "1%"
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
imagePullCredentialsVerificationPolicy: NeverVerify
authentication:
  anonymous:
    enabled: true
  webhook:
    enabled: false
authorization:
  mode: AlwaysAllow
EOF
}

node_ready() {
  curl -s --max-time 2 --cacert "$DIR/pki/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" \
    "$API_URL/api/v1/nodes/$NODE_NAME" 2>/dev/null \
    | tr -d ' \n' | grep -q '"type":"Ready","status":"True"'
}

# Stops the node: kubelet first (so it restarts nothing), then every container process,
# containerd and its shims, then mounts, network and cgroups.
stop_node() {
  local c
  for c in kubelet kube-proxy kube-scheduler; do stop_component "$c"; done
  node_cgroups_down
  stop_component containerd
  # Shims outlive containerd by design; ours name our socket on their command line.
  local f pid
  for f in /proc/[0-9]*/cmdline; do
    pid=${f#/proc/}; pid=${pid%/cmdline}
    if { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -qF -- "-address $DIR/node/containerd/containerd.sock"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  # Pod network namespaces, sandbox shm and rootfs mounts under the node's dirs; the pods'
  # network namespaces that containerd made (cni-*) and that no longer exist.
  local m
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(awk -v d="$DIR/node/" \
    'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r)
  if [[ -f $DIR/node/netns.before ]]; then
    for f in /run/netns/cni-*; do
      [[ -e $f ]] || continue
      grep -qxF "$f" "$DIR/node/netns.before" && continue
      umount -l "$f" 2>/dev/null || true
      rm -f "$f"
    done
  fi
  node_network_down
  node_cgroups_down
}

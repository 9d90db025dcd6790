#!/usr/bin/env bash
# A real Kubernetes node on this machine for the end-to-end tests, with a control plane of its own
# (controlplane.sh, no simulated nodes): containerd and runc (Debian), the CNI bridge and portmap
# plugins (Debian), kubelet and kube-proxy (built from the control plane's Kubernetes module),
# CoreDNS behind the kube-dns Service, and the local-path volume provisioner with the default
# StorageClass "standard", as kind ships. Images are never pulled: the ones node/build.sh made
# and the hooks image built here from the project's Dockerfile are imported at start.
#
# Network: Pods in 198.18.0.0/24 on the bridge learnflow0, whose address 198.18.0.1 is the node's
# and the API server's; Services in 198.19.0.0/24. Guard rules (mangle table) drop anything from
# or to 198.18.0.0/15 that would leave through any other interface, and nothing is masqueraded.
#
#   node.sh start NAME   start it and wait until the node is Ready; prints the admin kubeconfig
#                        (the hooks image's reference is in the instance's hooks-image file)
#   node.sh stop NAME    stop everything and restore the machine as it was before start
#                        (interfaces, rules, mounts, kernel settings, cgroups); removes its data
# One node at a time: the bridge and the address ranges are the machine's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../env.sh
source "$here/../env.sh"
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"
# shellcheck source=node/images.sh
source "$here/node/images.sh"

bridge=learnflow0
node_address=198.18.0.1
pod_cidr=198.18.0.0/24
service_cidr=198.19.0.0/24
dns_address=198.19.0.10
guarded=198.18.0.0/15
apiserver_port=6443
node_name=learnflow-node
# What the kubelet and the node change in the kernel, restored by stop.
sysctls=(net.ipv4.ip_forward kernel.panic kernel.panic_on_oops vm.overcommit_memory net.bridge.bridge-nf-call-iptables)
# Paths the runtime, CNI and kubelet write whatever their root: removed by stop when start made them.
machine_paths=(/var/run/netns /var/lib/cni /var/log/pods /var/log/containers /var/lib/kubelet)
bin=$LEARNFLOW_CONTROLPLANE_BIN
tools=$LEARNFLOW_NODE_DIR

kubectl_admin() { "$bin/kubectl" --kubeconfig "$cp_dir/admin.kubeconfig" "$@"; }

preflight() {
  [ "$(id -u)" -eq 0 ] || die "the node needs root (network, mounts, containers)"
  [ -f "$bin/.complete" ] && [ -x "$bin/kubelet" ] || die "kubelet is not built in $bin: run scripts/install-tools.sh"
  [ -f "$tools/.complete" ] || die "the node's tools and images are not built in $tools: run scripts/install-tools.sh"
  local tool
  for tool in containerd containerd-shim-runc-v2 runc ctr iptables buildah; do
    command -v "$tool" >/dev/null || die "'$tool' is missing: run scripts/install-tools.sh"
  done
  [ -x /usr/lib/cni/bridge ] || die "the CNI plugins are missing: run scripts/install-tools.sh"
  ! ip link show "$bridge" >/dev/null 2>&1 || die "$bridge exists: another node runs (node.sh stop NAME first)"
}

save_machine() { # what stop restores
  local key path
  : >"$dir/sysctls"
  for key in "${sysctls[@]}"; do echo "$key=$(sysctl -n "$key")" >>"$dir/sysctls"; done
  : >"$dir/made-paths"
  for path in "${machine_paths[@]}"; do [ -e "$path" ] || echo "$path" >>"$dir/made-paths"; done
}

network() {
  sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
  ip link add "$bridge" type bridge
  ip addr add "$node_address/24" dev "$bridge"
  ip link set "$bridge" up
  # Forwarded: only between the node's own Pods. Sent (by the host or forwarded): only on lo or
  # the bridge. Anything else touching the ranges is dropped before it can leave.
  iptables -t mangle -N LEARNFLOW-FORWARD
  iptables -t mangle -A LEARNFLOW-FORWARD -i "$bridge" -o "$bridge" -j RETURN
  iptables -t mangle -A LEARNFLOW-FORWARD -s "$guarded" -j DROP
  iptables -t mangle -A LEARNFLOW-FORWARD -d "$guarded" -j DROP
  iptables -t mangle -N LEARNFLOW-OUT
  iptables -t mangle -A LEARNFLOW-OUT -o lo -j RETURN
  iptables -t mangle -A LEARNFLOW-OUT -o "$bridge" -j RETURN
  iptables -t mangle -A LEARNFLOW-OUT -s "$guarded" -j DROP
  iptables -t mangle -A LEARNFLOW-OUT -d "$guarded" -j DROP
  iptables -t mangle -I FORWARD 1 -j LEARNFLOW-FORWARD
  iptables -t mangle -I POSTROUTING 1 -j LEARNFLOW-OUT
  mkdir -p "$dir/cni/net.d" "$dir/cni/ipam"
  cat >"$dir/cni/net.d/10-learnflow.conflist" <<CNI
{
  "cniVersion": "1.0.0",
  "name": "learnflow",
  "plugins": [
    {
      "type": "bridge", "bridge": "$bridge", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$dir/cni/ipam",
        "ranges": [[{ "subnet": "$pod_cidr", "rangeStart": "198.18.0.10", "gateway": "$node_address" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true }, "snat": false }
  ]
}
CNI
}

containerd_start() {
  mkdir -p "$dir/containerd"
  cat >"$dir/containerd/config.toml" <<TOML
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$dir/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # This VM lacks CAP_SYS_RESOURCE: without this, runc cannot lower oom_score_adj and no Pod starts.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$dir/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$dir/containerd/registries"
TOML
  # Every registry leads to a loopback port where nothing listens: an image that is not imported
  # fails to pull as on a cluster without registry access, and no pull leaves the machine.
  mkdir -p "$dir/containerd/registries/_default"
  printf 'server = "http://127.0.0.1:9"\n[host."http://127.0.0.1:9"]\n  capabilities = ["pull", "resolve"]\n' \
    >"$dir/containerd/registries/_default/hosts.toml"
  start_process containerd containerd --config "$dir/containerd/config.toml"
  wait_until containerd 30 ctr --address "$dir/containerd.sock" version
}

import_images() {
  local archive
  for archive in "$tools"/images/*.tar "$(hooks_image_archive "$(cat "$dir/hooks-image")")"; do
    ctr --address "$dir/containerd.sock" -n k8s.io images import --no-unpack=false "$archive" >/dev/null
  done
}

node_certificates() { # client certificates of the control plane's CA for the node's programs
  local name subject
  for name in kubelet kube-proxy coredns local-path-provisioner; do
    case $name in
      kubelet) subject="/O=system:nodes/CN=system:node:$node_name" ;;
      kube-proxy) subject="/CN=system:kube-proxy" ;;
      *) subject="/O=system:masters/CN=$name" ;;
    esac
    bash "$here/controlplane.sh" client "$cp_name" "$name" "$subject" >/dev/null
  done
}

kubelet_start() {
  mkdir -p "$dir/kubelet"
  echo "nameserver $dns_address" >"$dir/resolv.conf"
  cat >"$dir/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_address
port: 10250
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $cp_dir/pki/ca.crt }
authorization: { mode: Webhook }
cgroupDriver: cgroupfs
# cgroups are v1 on these machines: since 1.35 the kubelet refuses them unless told otherwise, and
# then only warns (KEP-5573; no release up to 1.38 removes the v1 code).
failCgroupV1: false
failSwapOn: false
clusterDomain: cluster.local
clusterDNS: [$dns_address]
resolvConf: $dir/resolv.conf
# Imported images can never be pulled again: never collect them, never evict for disk.
imageGCHighThresholdPercent: 100
evictionHard: { memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1% }
serializeImagePulls: false
YAML
  start_process kubelet "$bin/kubelet" --config "$dir/kubelet/config.yaml" --kubeconfig "$cp_dir/kubelet.kubeconfig" \
    --container-runtime-endpoint "unix://$dir/containerd.sock" --root-dir "$dir/kubelet" --cert-dir "$dir/kubelet/pki" \
    --hostname-override "$node_name" --node-ip "$node_address" --v 1
}

kube_proxy_start() {
  cat >"$dir/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clusterCIDR: $pod_cidr
hostnameOverride: $node_name
bindAddress: $node_address
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
clientConnection: { kubeconfig: $cp_dir/kube-proxy.kubeconfig }
# Leave the machine's conntrack settings alone.
conntrack: { maxPerCore: 0 }
iptables: { localhostNodePorts: false }
YAML
  start_process kube-proxy "$bin/kube-proxy" --config "$dir/kube-proxy.yaml"
}

cluster_services() { # kube-dns (CoreDNS on the host, the Service without selector), the provisioner
  cat >"$dir/Corefile" <<COREFILE
.:53 {
    bind $node_address
    errors
    health 127.0.0.1:18080
    ready 127.0.0.1:18181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $cp_dir/coredns.kubeconfig
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 30
}
COREFILE
  # No forward plugin: names outside the cluster are not resolved, so nothing leaves the machine.
  start_process coredns "$tools/bin/coredns" -conf "$dir/Corefile"
  sed "s|@NODE_ADDRESS@|$node_address|g; s|@DNS_ADDRESS@|$dns_address|g; s|@HELPER_IMAGE@|$NODE_BASE_IMAGE|g; s|@VOLUMES@|$dir/volumes|g" \
    "$here/node/cluster.yaml" | kubectl_admin apply -f - >/dev/null
  start_process local-path-provisioner "$tools/bin/local-path-provisioner" start \
    --kubeconfig "$cp_dir/local-path-provisioner.kubeconfig" --namespace local-path-storage \
    --service-account-name local-path-provisioner --helper-image "$NODE_BASE_IMAGE" \
    --configmap-name local-path-config
  wait_until CoreDNS 60 curl -sf http://127.0.0.1:18181/ready
}

node_ready() {
  kubectl_admin wait --for=condition=Ready "node/$node_name" --timeout=1s &&
    [ -z "$(kubectl_admin get node "$node_name" -o jsonpath='{.spec.taints}')" ]
}

failed_start() { # the logs' last lines, kept beside the instance, then the machine restored
  local log
  mkdir -p "$dir.failed"
  for log in "$dir"/*.log; do
    [ -f "$log" ] || continue
    echo "--- $(basename "$log") (last lines; whole log in $dir.failed)" >&2
    tail -n 15 "$log" >&2
    cp "$log" "$dir.failed/"
  done
  stop >/dev/null 2>&1
}

start() {
  preflight
  # A start that fails part-way leaves the machine as it was.
  trap failed_start EXIT
  rm -rf "$dir" "$dir.failed"
  mkdir -p "$dir"
  save_machine
  network
  bash "$here/node/hooks-image.sh" >"$dir/hooks-image"
  containerd_start
  import_images
  bash "$here/controlplane.sh" start "$cp_name" "$apiserver_port" "$node_address" "$service_cidr" >/dev/null
  node_certificates
  kubelet_start
  kube_proxy_start
  wait_until "node $node_name" 120 node_ready
  cluster_services
  trap - EXIT
  echo "$cp_dir/admin.kubeconfig"
}

stop_containers() { # every container and sandbox of the node, without a kubelet to ask
  local socket=$dir/containerd.sock task
  if [ -S "$socket" ]; then
    for task in $(ctr --address "$socket" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$socket" -n k8s.io tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true
    done
  fi
  pkill -KILL -f "containerd-shim-runc-v2 -namespace k8s.io .*-address $socket" 2>/dev/null || true
}

restore_machine() {
  local mount path line rule
  # Mounts under the instance (the kubelet's root bind-mounts itself; volumes; rootfs; shm), innermost first.
  awk -v dir="$dir/" 'index($2, dir) == 1 { print $2 }' /proc/mounts | sort -r | while read -r mount; do
    umount -l "$mount" 2>/dev/null || true
  done
  for path in /var/run/netns/cni-*; do
    [ -e "$path" ] || continue
    umount "$path" 2>/dev/null || true
    rm -f "$path"
  done
  # The kubelet's cgroups (cgroupfs driver, v1), leaves first.
  find /sys/fs/cgroup/*/kubepods -depth -type d -exec rmdir {} + 2>/dev/null || true
  for chain in FORWARD:LEARNFLOW-FORWARD POSTROUTING:LEARNFLOW-OUT; do
    iptables -t mangle -D "${chain%%:*}" -j "${chain#*:}" 2>/dev/null || true
    iptables -t mangle -F "${chain#*:}" 2>/dev/null || true
    iptables -t mangle -X "${chain#*:}" 2>/dev/null || true
  done
  [ -x "$bin/kube-proxy" ] && "$bin/kube-proxy" --cleanup >/dev/null 2>&1 || true
  # The kubelet's and kube-proxy's chains that --cleanup leaves, in both families.
  for command in iptables ip6tables; do
    for table in filter nat mangle; do
      for chain in KUBE-FIREWALL KUBE-KUBELET-CANARY KUBE-PROXY-CANARY KUBE-IPTABLES-HINT; do
        { "$command" -t "$table" -S 2>/dev/null | grep -- "-j $chain\$" || true; } | sed 's/^-A/-D/' | while read -r -a rule; do
          "$command" -t "$table" "${rule[@]}" 2>/dev/null || true
        done
        "$command" -t "$table" -F "$chain" 2>/dev/null || true
        "$command" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
  ip link delete "$bridge" 2>/dev/null || true
  if [ -f "$dir/sysctls" ]; then
    while read -r line; do sysctl -qw "$line" || true; done <"$dir/sysctls"
  fi
  if [ -f "$dir/made-paths" ]; then
    while read -r path; do
      awk -v dir="$path/" 'index($2, dir) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r umount -l 2>/dev/null || true
      rm -rf "$path"
    done <"$dir/made-paths"
  fi
}

stop() {
  local process
  for process in local-path-provisioner coredns kubelet kube-proxy; do stop_pid "$dir/$process.pid"; done
  stop_containers
  stop_pid "$dir/containerd.pid"
  bash "$here/controlplane.sh" delete "$cp_name" >/dev/null 2>&1 || true
  restore_machine
  rm -rf "$dir"
}

[ $# -eq 2 ] || usage
name=$2
[[ "$name" =~ ^[a-zA-Z0-9_-]+$ ]] || die "NAME must be letters, digits, - or _, not '$name'"
dir=$LEARNFLOW_STATE/node/$name
cp_name=node-$name
cp_dir=$LEARNFLOW_STATE/controlplane/$cp_name
case "$1" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac

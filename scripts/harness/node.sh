#!/usr/bin/env bash
# A real Kubernetes node on this machine for the end-to-end tests, with a control plane of its own
# (controlplane.sh, no simulated nodes): containerd and runc (Debian), the CNI bridge and portmap
# plugins (Debian), kubelet and kube-proxy (built from the control plane's Kubernetes module),
# CoreDNS behind the kube-dns Service, the local-path volume provisioner with the default
# StorageClass "standard", and NetworkPolicies enforced by kube-network-policies, as kind ships
# them (checked at start by a canary policy). Images are never pulled: the ones node/build.sh made,
# and the hooks image and the example service's built here from the project's Dockerfiles, are
# imported at start.
#
# Network: Pods on a bridge whose address is the node's and the API server's, Services in a range
# of their own, both inside a guarded range: guard rules (mangle table) drop anything from or to it
# that would leave through any other interface, and nothing is masqueraded. The addresses, names,
# kernel settings, paths, folders and ports are in node.env, which the tests read too.
#
#   node.sh start NAME   start it and wait until the node is Ready; prints the admin kubeconfig
#                        (the project's images' references are in the instance's files
#                        NODE_HOOKS_IMAGE_FILE and NODE_EXAMPLE_IMAGE_FILE)
#   node.sh stop NAME    stop everything and restore the machine as it was before start
#                        (interfaces, rules, mounts, kernel settings, cgroups); removes its data
#   node.sh canary NAME  run the canary start runs on the started node again; fails, naming the
#                        cause, if NetworkPolicies are not enforced
#   node.sh argocd NAME  start Argo CD on the started node (harness/argocd/build.sh: the
#                        application controller and repo server, with Redis and a chart registry,
#                        on the host), its objects in the namespace argocd; stop stops it with the rest
#   node.sh registry NAME  start a private registry beside the started node, which wants a login
#                        (node.env's NODE_REGISTRY_*), and push the hooks image to it under its tag
#                        and under <tag>-unpulled (for a pull no earlier Pod made); stop stops it
# One node at a time: the bridge and the address ranges are the machine's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../env.sh
source "$here/../env.sh"
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"
# shellcheck source=node/images.sh
source "$here/node/images.sh"
# shellcheck source=node.env
source "$here/node.env"

bridge=$NODE_BRIDGE
node_address=$NODE_ADDRESS
pod_cidr=$NODE_POD_CIDR
service_cidr=$NODE_SERVICE_CIDR
dns_address=$NODE_DNS_ADDRESS
guarded=$NODE_GUARDED_RANGE
node_name=$NODE_NAME
# The lists of node.env, as arrays.
read -r -a sysctls_set <<<"$NODE_SYSCTLS_SET"
read -r -a sysctls_kubelet <<<"$NODE_SYSCTLS_KUBELET"
# What the kubelet and the node change in the kernel, restored by stop.
sysctls=("${sysctls_set[@]%%=*}" "${sysctls_kubelet[@]}")
read -r -a machine_paths <<<"$NODE_MACHINE_PATHS"
read -r -a kube_chains <<<"$NODE_KUBE_CHAINS"
forward_chain=${NODE_GUARD_FORWARD#*:}
out_chain=${NODE_GUARD_OUT#*:}
# Argo CD's processes beside the node (node.sh argocd), the last started first.
argocd_processes=(argocd-application-controller argocd-repo-server argocd-registry argocd-redis)
argocd_in_chain=${NODE_GUARD_ARGOCD_IN#*:}
argocd_local_chain=${NODE_GUARD_ARGOCD_LOCAL#*:}
bin=$LEARNFLOW_CONTROLPLANE_BIN
tools=$LEARNFLOW_NODE_DIR

kubectl_admin() { "$bin/kubectl" --kubeconfig "$cp_dir/admin.kubeconfig" "$@"; }

preflight() {
  [ "$(id -u)" -eq 0 ] || die "the node needs root (network, mounts, containers)"
  [ -f "$bin/.complete" ] && [ -x "$bin/kubelet" ] || die "kubelet is not built in $bin: run scripts/install-tools.sh"
  [ -f "$tools/.complete" ] || die "the node's tools and images are not built in $tools: run scripts/install-tools.sh"
  [ -f "$LEARNFLOW_NODE_SERVERS_DIR/.complete" ] || die "the node's Kafka and PostgreSQL images are not built in $LEARNFLOW_NODE_SERVERS_DIR: run scripts/install-tools.sh"
  [ -f "$LEARNFLOW_NETPOL_DIR/.complete" ] || die "the NetworkPolicy controller is not built in $LEARNFLOW_NETPOL_DIR: run scripts/install-tools.sh"
  local tool
  for tool in containerd containerd-shim-runc-v2 runc ctr iptables buildah; do
    command -v "$tool" >/dev/null || die "'$tool' is missing: run scripts/install-tools.sh"
  done
  [ -x /usr/lib/cni/bridge ] || die "the CNI plugins are missing: run scripts/install-tools.sh"
  ! ip link show "$bridge" >/dev/null 2>&1 || die "$bridge exists: another node runs (node.sh stop NAME first)"
  ! netpol_queue_bound || die "netfilter queue $NODE_NETPOL_QUEUE is taken by another program (/proc/net/netfilter/nfnetlink_queue)"
}

save_machine() { # what stop restores
  local key path
  : >"$dir/sysctls"
  for key in "${sysctls[@]}"; do echo "$key=$(sysctl -n "$key")" >>"$dir/sysctls"; done
  : >"$dir/made-paths"
  for path in "${machine_paths[@]}"; do [ -e "$path" ] || echo "$path" >>"$dir/made-paths"; done
}

network() {
  sysctl -qw "${sysctls_set[@]}"
  ip link add "$bridge" type bridge
  ip addr add "$node_address/24" dev "$bridge"
  ip link set "$bridge" up
  # Forwarded: only between the node's own Pods. Sent (by the host or forwarded): only on lo or
  # the bridge. Anything else touching the ranges is dropped before it can leave.
  iptables -t mangle -N "$forward_chain"
  iptables -t mangle -A "$forward_chain" -i "$bridge" -o "$bridge" -j RETURN
  iptables -t mangle -A "$forward_chain" -s "$guarded" -j DROP
  iptables -t mangle -A "$forward_chain" -d "$guarded" -j DROP
  iptables -t mangle -N "$out_chain"
  iptables -t mangle -A "$out_chain" -o lo -j RETURN
  iptables -t mangle -A "$out_chain" -o "$bridge" -j RETURN
  iptables -t mangle -A "$out_chain" -s "$guarded" -j DROP
  iptables -t mangle -A "$out_chain" -d "$guarded" -j DROP
  iptables -t mangle -I "${NODE_GUARD_FORWARD%%:*}" 1 -j "$forward_chain"
  iptables -t mangle -I "${NODE_GUARD_OUT%%:*}" 1 -j "$out_chain"
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
        "ranges": [[{ "subnet": "$pod_cidr", "rangeStart": "$NODE_POD_RANGE_START", "gateway": "$node_address" }]],
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
  for archive in "$tools"/images/*.tar "$LEARNFLOW_NODE_SERVERS_DIR"/*.tar "$(project_image_archive "$(cat "$dir/$NODE_HOOKS_IMAGE_FILE")")" \
    "$(project_image_archive "$(cat "$dir/$NODE_EXAMPLE_IMAGE_FILE")")"; do
    ctr --address "$dir/containerd.sock" -n k8s.io images import --no-unpack=false "$archive" >/dev/null
  done
}

node_certificates() { # client certificates of the control plane's CA for the node's programs
  local name subject
  for name in kubelet kube-proxy coredns local-path-provisioner kube-network-policies; do
    case $name in
      kubelet) subject="/O=system:nodes/CN=system:node:$node_name" ;;
      kube-proxy) subject="/CN=system:kube-proxy" ;;
      kube-network-policies) subject="/CN=kube-network-policies" ;; # cluster.yaml's ClusterRole
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
port: $NODE_KUBELET_PORT
healthzBindAddress: 127.0.0.1
healthzPort: $NODE_KUBELET_HEALTHZ_PORT
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
# The hooks image is imported and also pulled from the private registry under its name there
# (node.sh registry): once a Secret pulled it, the default policy (KEP-2535) would make Pods that
# name the imported copy pull it again, from no registry. A cluster holds one name per image.
imagePullCredentialsVerificationPolicy: NeverVerify
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
healthzBindAddress: 127.0.0.1:$NODE_KUBE_PROXY_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$NODE_KUBE_PROXY_METRICS_PORT
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
    health 127.0.0.1:$NODE_COREDNS_HEALTH_PORT
    ready 127.0.0.1:$NODE_COREDNS_READY_PORT
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
  wait_until CoreDNS 60 curl -sf "http://127.0.0.1:$NODE_COREDNS_READY_PORT/ready"
}

# Whether a program listens on the NetworkPolicy controller's queue.
netpol_queue_bound() { awk -v queue="$NODE_NETPOL_QUEUE" '$1 == queue { found = 1 } END { exit !found }' /proc/net/netfilter/nfnetlink_queue 2>/dev/null; }

netpol_start() { # the controller judges the first packet of each new connection between Pods
  start_process kube-network-policies "$LEARNFLOW_NETPOL_DIR/kube-network-policies" \
    --kubeconfig "$cp_dir/kube-network-policies.kubeconfig" --hostname-override "$node_name" \
    --nfqueue-id "$NODE_NETPOL_QUEUE" --metrics-bind-address "127.0.0.1:$NODE_NETPOL_METRICS_PORT"
  # It binds its queue once it has read every Pod, namespace and policy.
  wait_until --pid "$dir/kube-network-policies.pid" --log "$dir/kube-network-policies.log" \
    "the NetworkPolicy controller" 60 netpol_queue_bound
  # Its own nftables rule cannot load on this kernel (REAL-NODE.md): this rule feeds the queue. With
  # --queue-bypass, traffic flows while nothing listens (the canary then fails the start).
  iptables -t mangle -I "$forward_chain" 1 -i "$bridge" -o "$bridge" -m conntrack --ctstate NEW \
    -j NFQUEUE --queue-num "$NODE_NETPOL_QUEUE" --queue-bypass
}

canary_done() {
  [[ "$(kubectl_admin get pod probe -n learnflow-netpol-canary -o jsonpath='{.status.phase}')" =~ ^(Succeeded|Failed)$ ]]
}

netpol_canary() { # a policy must close what it selects, or the node does not start
  # A canary run before, on this node (node.sh canary), is gone first.
  kubectl_admin delete namespace learnflow-netpol-canary --ignore-not-found --wait --timeout=120s >/dev/null
  sed "s|@IMAGE@|$NODE_BASE_IMAGE|g" "$here/node/netpol-canary.yaml" | kubectl_admin apply -f - >/dev/null
  # The probe gives up after 25 tries of at most 5 s each.
  wait_until "the NetworkPolicy canary" 180 canary_done
  if [ "$(kubectl_admin get pod probe -n learnflow-netpol-canary -o jsonpath='{.status.phase}')" != Succeeded ]; then
    kubectl_admin logs probe -n learnflow-netpol-canary >&2 || true
    # Without its nftables rule's failures, which it logs at every change (see netpol_start).
    grep -v -e nftables -e 'netlink receive' -e '^ *>$' -e 'Unhandled Error' "$dir/kube-network-policies.log" | tail -n 20 >&2
    die "the NetworkPolicy canary failed (above: its probe's log, then the controller's): NetworkPolicies are not enforced, or its Pods could not run"
  fi
  kubectl_admin delete namespace learnflow-netpol-canary --wait=false >/dev/null
}

port_open() { (: </dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

argocd_crds_established() {
  local crd
  for crd in applications.argoproj.io appprojects.argoproj.io; do
    [ "$(kubectl_admin get crd "$crd" -o jsonpath='{.status.conditions[?(@.type=="Established")].status}')" = True ] || return 1
  done
}

argocd_ports() { # every port Argo CD's processes listen on: node.env's NODE_ARGOCD_*_PORT, so none goes unguarded
  local var
  for var in ${!NODE_ARGOCD_@}; do if [[ $var == *_PORT ]]; then echo "${!var}"; fi; done
}

argocd_guard() { # Argo CD's ports for Argo CD and root alone (node.env says why)
  local port
  iptables -t mangle -N "$argocd_in_chain"
  iptables -t mangle -N "$argocd_local_chain"
  for port in $(argocd_ports); do
    iptables -t mangle -A "$argocd_in_chain" -p tcp --dport "$port" ! -i lo -j DROP
    iptables -t mangle -A "$argocd_local_chain" -o lo -p tcp --dport "$port" -m owner ! --uid-owner 0 -j DROP
  done
  iptables -t mangle -I "${NODE_GUARD_ARGOCD_IN%%:*}" 1 -j "$argocd_in_chain"
  iptables -t mangle -I "${NODE_GUARD_ARGOCD_LOCAL%%:*}" 1 -j "$argocd_local_chain"
}

argocd_stop() { # its processes, then its guard: what a failed start leaves, so that it can run again
  stop_processes "${argocd_processes[@]}"
  remove_guard "$NODE_GUARD_ARGOCD_IN"
  remove_guard "$NODE_GUARD_ARGOCD_LOCAL"
}

argocd_start() { # what Argo CD needs to sync an Application: no API server, UI or Dex
  local argocd=$LEARNFLOW_ARGOCD_DIR redis=127.0.0.1:$NODE_ARGOCD_REDIS_PORT port process
  [ -f "$argocd/.complete" ] || die "Argo CD is not built: run scripts/install-tools.sh"
  need redis-server "Argo CD's cache (scripts/install-tools.sh installs it)"
  need docker-registry "the OCI Application's chart registry (scripts/install-tools.sh installs it)"
  for process in "${argocd_processes[@]}"; do
    ! running "$dir/$process.pid" || die "Argo CD is already started on node $name ($process runs)"
  done
  for port in $(argocd_ports); do
    ! port_open "$port" || die "port $port, one of Argo CD's (scripts/harness/node.env), is taken: stop what listens on it"
  done
  trap argocd_stop EXIT
  argocd_guard
  kubectl_admin apply --server-side -f "$LEARNFLOW_ARGOCD_CRDS/application-crd.yaml" \
    -f "$LEARNFLOW_ARGOCD_CRDS/appproject-crd.yaml" >/dev/null
  # Not `kubectl wait`: it fails at once on a CRD whose status has no conditions yet.
  wait_until "Argo CD's CRDs" 60 argocd_crds_established
  kubectl_admin apply -f "$here/node/argocd.yaml" >/dev/null
  # On loopback, no persistence: a cache, as in Argo CD's own manifests. Its password, made here,
  # is in a file only root reads, and reaches Argo CD through the environment, never a command line.
  local REDIS_PASSWORD
  REDIS_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  export REDIS_PASSWORD
  (
    umask 077
    printf '%s\n' "bind 127.0.0.1" "port $NODE_ARGOCD_REDIS_PORT" "save ''" "appendonly no" \
      "protected-mode yes" "requirepass $REDIS_PASSWORD" >"$dir/argocd-redis.conf"
  )
  start_process argocd-redis redis-server "$dir/argocd-redis.conf"
  wait_until --pid "$dir/argocd-redis.pid" --log "$dir/argocd-redis.log" "Redis" 30 port_open "$NODE_ARGOCD_REDIS_PORT"
  # The OCI registry the OCI Application pulls the chart from (Debian's docker-registry: the
  # CNCF Distribution registry), on loopback, its storage in the instance folder.
  mkdir -p "$dir/argocd-registry"
  cat >"$dir/argocd-registry.yml" <<REGISTRY
version: 0.1
storage:
  filesystem:
    rootdirectory: $dir/argocd-registry
http:
  addr: 127.0.0.1:$NODE_ARGOCD_REGISTRY_PORT
REGISTRY
  start_process argocd-registry docker-registry serve "$dir/argocd-registry.yml"
  wait_until --pid "$dir/argocd-registry.pid" --log "$dir/argocd-registry.log" "the chart registry" 30 \
    curl -sf --max-time 2 "http://127.0.0.1:$NODE_ARGOCD_REGISTRY_PORT/v2/"
  # Plain gRPC on loopback (no client CA: --client-ca-path= skips mTLS); helm, git and the module's
  # git-verify-wrapper.sh from PATH; its clones and Helm's caches under the instance folder.
  mkdir -p "$dir/argocd-repo-server"
  start_process argocd-repo-server env PATH="$argocd:$LEARNFLOW_HELM_DIR:$PATH" HOME="$dir/argocd-repo-server" \
    TMPDIR="$dir/argocd-repo-server" ARGOCD_GPG_ENABLED=false \
    "$argocd/argocd" repo-server --address 127.0.0.1 --port "$NODE_ARGOCD_REPO_SERVER_PORT" \
    --metrics-address 127.0.0.1 --metrics-port "$NODE_ARGOCD_REPO_SERVER_METRICS_PORT" \
    --redis "$redis" --disable-tls --client-ca-path=
  wait_until --pid "$dir/argocd-repo-server.pid" --log "$dir/argocd-repo-server.log" \
    "Argo CD's repo server" 60 port_open "$NODE_ARGOCD_REPO_SERVER_PORT"
  # The in-cluster destination (https://kubernetes.default.svc) through the admin kubeconfig, as
  # Argo CD's own e2e tests run it (ARGOCD_FAKE_IN_CLUSTER). Its metrics listen on every address
  # (Argo CD has no setting for it): argocd_guard keeps the Pods off.
  start_process argocd-application-controller env ARGOCD_FAKE_IN_CLUSTER=true KUBECONFIG="$cp_dir/admin.kubeconfig" \
    "$argocd/argocd" application-controller --kubeconfig "$cp_dir/admin.kubeconfig" --namespace argocd \
    --repo-server "127.0.0.1:$NODE_ARGOCD_REPO_SERVER_PORT" --repo-server-plaintext --redis "$redis" \
    --metrics-port "$NODE_ARGOCD_CONTROLLER_METRICS_PORT"
  wait_until --pid "$dir/argocd-application-controller.pid" --log "$dir/argocd-application-controller.log" \
    "Argo CD's application controller" 60 curl -sf --max-time 2 "http://127.0.0.1:$NODE_ARGOCD_CONTROLLER_METRICS_PORT/healthz"
  trap - EXIT
}

registry_start() { # a team's private registry, as the node's containerd pulls from it
  local host=127.0.0.1:$NODE_REGISTRY_PORT hooks pushed tag password
  need docker-registry "the private registry (scripts/install-tools.sh installs it)"
  need htpasswd "the private registry's logins (scripts/install-tools.sh installs apache2-utils)"
  ! running "$dir/private-registry.pid" || die "the private registry already runs on node $name"
  ! port_open "$NODE_REGISTRY_PORT" || die "port $NODE_REGISTRY_PORT, the private registry's (scripts/harness/node.env), is taken: stop what listens on it"
  # A start that fails part-way stops the registry, so that it can run again.
  trap 'stop_processes private-registry' EXIT
  # The password, made here, is only in files root reads: never on a command line but ctr's push.
  password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  (
    umask 077
    printf '%s\n' "$password" >"$dir/$NODE_REGISTRY_PASSWORD_FILE"
    htpasswd -iBn "$NODE_REGISTRY_USER" <<<"$password" >"$dir/private-registry.htpasswd"
  )
  mkdir -p "$dir/private-registry"
  cat >"$dir/private-registry.yml" <<REGISTRY
version: 0.1
storage:
  filesystem:
    rootdirectory: $dir/private-registry
http:
  addr: $host
auth:
  htpasswd:
    realm: learnflow
    path: $dir/private-registry.htpasswd
REGISTRY
  start_process private-registry docker-registry serve "$dir/private-registry.yml"
  wait_until --pid "$dir/private-registry.pid" --log "$dir/private-registry.log" "the private registry" 30 \
    registry_asks_login "$host"
  # Over plain HTTP on loopback: containerd reads its registries' folder at each pull.
  mkdir -p "$dir/containerd/registries/$host"
  printf 'server = "http://%s"\n[host."http://%s"]\n  capabilities = ["pull", "resolve"]\n' "$host" "$host" \
    >"$dir/containerd/registries/$host/hosts.toml"
  # Pushed from the node's own store, then untagged there: a Pod that names it makes the node pull it.
  hooks=$(cat "$dir/$NODE_HOOKS_IMAGE_FILE")
  tag=${hooks##*:}
  for pushed in "$host/learnflow/learnflow-hooks:$tag" "$host/learnflow/learnflow-hooks:$tag-unpulled"; do
    ctr --address "$dir/containerd.sock" -n k8s.io images tag --force "$hooks" "$pushed" >/dev/null
    ctr --address "$dir/containerd.sock" -n k8s.io images push --plain-http --user "$NODE_REGISTRY_USER:$password" "$pushed" >/dev/null
    ctr --address "$dir/containerd.sock" -n k8s.io images rm "$pushed" >/dev/null
  done
  trap - EXIT
}

# Whether the registry at $1 answers, and wants a login.
registry_asks_login() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$1/v2/")" = 401 ]; }

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
  bash "$here/node/project-image.sh" learnflow-hooks "$root" >"$dir/$NODE_HOOKS_IMAGE_FILE"
  bash "$here/node/project-image.sh" learnflow-example-service "$root/examples/service" >"$dir/$NODE_EXAMPLE_IMAGE_FILE"
  containerd_start
  import_images
  bash "$here/controlplane.sh" start "$cp_name" "$NODE_APISERVER_PORT" "$node_address" "$service_cidr" >/dev/null
  node_certificates
  kubelet_start
  kube_proxy_start
  wait_until "node $node_name" 120 node_ready
  cluster_services
  netpol_start
  netpol_canary
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

remove_guard() { # BUILTIN:CHAIN, as node.env gives a guard: the jump to the chain, and the chain
  iptables -t mangle -D "${1%%:*}" -j "${1#*:}" 2>/dev/null || true
  iptables -t mangle -F "${1#*:}" 2>/dev/null || true
  iptables -t mangle -X "${1#*:}" 2>/dev/null || true
}

restore_machine() {
  local mount path line rule guard
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
  # Every guard node.env names (NODE_GUARD_*), as the suite's restore check reads them.
  for guard in ${!NODE_GUARD_@}; do remove_guard "${!guard}"; done
  [ -x "$bin/kube-proxy" ] && "$bin/kube-proxy" --cleanup >/dev/null 2>&1 || true
  # The kubelet's and kube-proxy's chains that --cleanup leaves, in both families.
  for command in iptables ip6tables; do
    for table in filter nat mangle; do
      for chain in "${kube_chains[@]}"; do
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
  stop_processes "${argocd_processes[@]}" private-registry kube-network-policies local-path-provisioner coredns kubelet kube-proxy
  stop_containers
  stop_pid "$dir/containerd.pid"
  bash "$here/controlplane.sh" delete "$cp_name" >/dev/null 2>&1 || true
  restore_machine
  rm -rf "$dir"
}

[ $# -eq 2 ] || usage
name=$2
[[ "$name" =~ ^[a-zA-Z0-9_-]+$ ]] || die "NAME must be letters, digits, - or _, not '$name'"
dir=$LEARNFLOW_STATE/$NODE_STATE_FOLDER/$name
cp_name=$NODE_CONTROLPLANE_PREFIX$name
cp_dir=$LEARNFLOW_STATE/$NODE_CONTROLPLANE_FOLDER/$cp_name
case "$1" in
  start) start ;;
  stop) stop ;;
  canary | argocd | registry)
    [ -f "$dir/kube-network-policies.pid" ] || die "node $name is not started: run node.sh start $name"
    case "$1" in
      canary) netpol_canary ;;
      argocd) argocd_start ;;
      registry) registry_start ;;
    esac
    ;;
  *) usage ;;
esac

#!/usr/bin/env bash
# A real Kubernetes control plane on loopback for the test suite: etcd, kube-apiserver,
# kube-controller-manager and kube-scheduler (built by controlplane/build.sh), and KWOK simulating
# two nodes: Pods are scheduled and reported Running; Job Pods and helm test Pods Succeeded; the
# failures a kubelet reports are simulated on request (controlplane/kwok-test-pods.yaml).
#
#   controlplane.sh start NAME PORT [ADDRESS SERVICE_CIDR]
#                                          start instance NAME: kube-apiserver on PORT, etcd on
#                                          PORT+1 (clients) and PORT+2 (peers); prints the kubeconfig.
#                                          With ADDRESS and SERVICE_CIDR, for a real node (node.sh):
#                                          the API server on ADDRESS, Services in SERVICE_CIDR, and
#                                          no simulated nodes
#   controlplane.sh client NAME USER SUBJECT
#                                          a client certificate of the instance's CA for SUBJECT
#                                          (/O=group/CN=user) and its kubeconfig, USER.kubeconfig
#   controlplane.sh wait NAME              wait until it is ready (start does, before it returns)
#   controlplane.sh stop NAME              stop it, keeping its data
#   controlplane.sh delete NAME            stop it and remove its data
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../env.sh
source "$here/../env.sh"
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"

bin=$LEARNFLOW_CONTROLPLANE_BIN

need_binaries() {
  [ -f "$bin/.complete" ] || die "the control plane is not built in $bin: run scripts/install-tools.sh"
}

wait_for() { # wait_for WHAT PROCESS COMMAND...: retry COMMAND for 120s while PROCESS lives
  local what=$1 process=$2
  shift 2
  wait_until --pid "$dir/$process.pid" --log "$dir/$process.log" "$what" 120 "$@"
}

issue() { # issue NAME SUBJECT [SAN]: a certificate of the instance's CA, in $dir/pki
  local pki=$dir/pki extensions=$dir/pki/$1.ext
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n' >"$extensions"
  [ -n "${3:-}" ] && echo "subjectAltName=$3" >>"$extensions"
  openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$pki/$1.key" -out "$pki/$1.csr" 2>/dev/null
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 3650 \
    -extfile "$extensions" -out "$pki/$1.crt" 2>/dev/null
}

certificates() { # a CA, the API server's serving certificate, client certificates, the service-account key
  local pki=$dir/pki
  [ -f "$pki/.complete" ] && return 0
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=learnflow-test-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  # The kubernetes Service's address is the first of the Service range.
  local service_ip
  service_ip=$(python3 -c 'import ipaddress, sys; print(ipaddress.ip_network(sys.argv[1])[1])' "$service_cidr")
  issue apiserver "/CN=kube-apiserver" \
    "IP:127.0.0.1,IP:$address,IP:$service_ip,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  issue apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
  issue admin "/O=system:masters/CN=learnflow-test-admin"
  issue controller-manager "/CN=system:kube-controller-manager"
  issue scheduler "/CN=system:kube-scheduler"
  issue kwok "/O=system:masters/CN=kwok"
  openssl genrsa -out "$pki/service-account.key" 2048 2>/dev/null
  openssl rsa -in "$pki/service-account.key" -pubout -out "$pki/service-account.pub" 2>/dev/null
  touch "$pki/.complete"
}

kubeconfig() { # kubeconfig USER PORT: a kubeconfig for a client certificate
  cat >"$dir/$1.kubeconfig" <<CONFIG
apiVersion: v1
kind: Config
clusters:
  - name: learnflow-test
    cluster:
      server: https://$address:$2
      certificate-authority: $dir/pki/ca.crt
users:
  - name: $1
    user:
      client-certificate: $dir/pki/$1.crt
      client-key: $dir/pki/$1.key
contexts:
  - name: learnflow-test
    context: { cluster: learnflow-test, user: $1 }
current-context: learnflow-test
CONFIG
}

start() { # start NAME PORT
  local port=$2 simulated_nodes=$3
  [[ "$port" =~ ^[0-9]+$ ]] || die "PORT must be a number, not '$port'"
  need_binaries
  stop_all
  # A start that fails part-way leaves nothing running.
  trap stop_all EXIT
  mkdir -p "$dir"
  certificates
  echo "$address $port" >"$dir/endpoint"
  for user in admin controller-manager scheduler kwok; do kubeconfig "$user" "$port"; done

  start_process etcd "$bin/etcd" --name learnflow-test --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$((port + 1))" --advertise-client-urls "http://127.0.0.1:$((port + 1))" \
    --listen-peer-urls "http://127.0.0.1:$((port + 2))" --initial-advertise-peer-urls "http://127.0.0.1:$((port + 2))" \
    --initial-cluster "learnflow-test=http://127.0.0.1:$((port + 2))" --log-level warn
  wait_for etcd etcd curl -sf "http://127.0.0.1:$((port + 1))/health"

  # The kubernetes Service's endpoints name the API server's address, which may not be loopback
  # (refused at start since 1.37): a control plane on loopback, whose nodes are simulated and whose
  # Pods never run, keeps no endpoints; the real node's, on the node's address, keeps them.
  local reconciler=lease
  case $address in 127.*) reconciler=none ;; esac
  start_process kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$((port + 1))" \
    --bind-address "$address" --advertise-address "$address" --secure-port "$port" \
    --endpoint-reconciler-type "$reconciler" \
    --tls-cert-file "$dir/pki/apiserver.crt" --tls-private-key-file "$dir/pki/apiserver.key" \
    --client-ca-file "$dir/pki/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$dir/pki/service-account.pub" \
    --service-account-signing-key-file "$dir/pki/service-account.key" \
    --service-cluster-ip-range "$service_cidr" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --kubelet-client-certificate "$dir/pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$dir/pki/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types InternalIP \
    --cert-dir "$dir/pki"
  wait_apiserver

  start_process kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig "$dir/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$dir/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$dir/controller-manager.kubeconfig" \
    --service-account-private-key-file "$dir/pki/service-account.key" \
    --root-ca-file "$dir/pki/ca.crt" --use-service-account-credentials \
    --cluster-signing-cert-file "$dir/pki/ca.crt" --cluster-signing-key-file "$dir/pki/ca.key" \
    --service-cluster-ip-range "$service_cidr" \
    --leader-elect=false --bind-address 127.0.0.1 --secure-port 0

  start_process kube-scheduler "$bin/kube-scheduler" \
    --kubeconfig "$dir/scheduler.kubeconfig" \
    --authentication-kubeconfig "$dir/scheduler.kubeconfig" \
    --authorization-kubeconfig "$dir/scheduler.kubeconfig" \
    --leader-elect=false --bind-address 127.0.0.1 --secure-port 0

  if [ "$simulated_nodes" = true ]; then
    local stages=()
    for stage in "$bin"/stages/*.yaml "$here/controlplane/kwok-test-pods.yaml"; do stages+=(--config "$stage"); done
    start_process kwok "$bin/kwok" --kubeconfig "$dir/kwok.kubeconfig" --manage-all-nodes=true \
      --node-lease-duration-seconds 40 "${stages[@]}"
    "$bin/kubectl" --kubeconfig "$dir/admin.kubeconfig" apply -f "$here/controlplane/node.yaml" >/dev/null
    wait_node
  fi
  trap - EXIT
  echo "$dir/admin.kubeconfig"
}

wait_apiserver() { wait_for kube-apiserver kube-apiserver "$bin/kubectl" --kubeconfig "$dir/admin.kubeconfig" get --raw /readyz; }

# Ready, and untainted: the node lifecycle controller lifts its not-ready taint a few seconds later.
nodes_schedulable() {
  "$bin/kubectl" --kubeconfig "$dir/admin.kubeconfig" \
    wait --for=condition=Ready node/learnflow-test-node-a node/learnflow-test-node-b --timeout=1s &&
    [ -z "$("$bin/kubectl" --kubeconfig "$dir/admin.kubeconfig" get nodes -o jsonpath='{.items[*].spec.taints}')" ]
}

wait_node() { wait_for "schedulable nodes" kwok nodes_schedulable; }

stop_all() {
  # The API server's clients at once, then the API server before its store.
  stop_processes kwok kube-scheduler kube-controller-manager
  stop_pid "$dir/kube-apiserver.pid"
  stop_pid "$dir/etcd.pid"
}

[ $# -ge 2 ] || usage
name=$2
[[ "$name" =~ ^[a-zA-Z0-9_-]+$ ]] || die "NAME must be letters, digits, - or _, not '$name'"
dir=$LEARNFLOW_STATE/controlplane/$name
address=127.0.0.1 service_cidr=10.0.0.0/24
case "$1" in
  start)
    case $# in
      3) start "$name" "$3" true ;;
      5) address=$4 service_cidr=$5; start "$name" "$3" false ;;
      *) usage ;;
    esac ;;
  client)
    [ $# -eq 4 ] || usage
    read -r address port <"$dir/endpoint"
    issue "$3" "$4"
    kubeconfig "$3" "$port"
    echo "$dir/$3.kubeconfig" ;;
  wait) need_binaries; wait_apiserver; wait_node ;;
  stop) stop_all ;;
  delete) stop_all; rm -rf "$dir" ;;
  *) usage ;;
esac

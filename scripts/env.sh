# shellcheck shell=bash
# Sourced by the scripts, .ci/run and developers: where the cached tools live, and a PATH that
# finds them. Tools are cached outside the clone, keyed by version, so fresh clones reuse them.
_learnflow_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=versions.env
source "$_learnflow_root/scripts/versions.env"
export LEARNFLOW_CACHE=${LEARNFLOW_CACHE:-$HOME/.cache/learnflow-infra}
export LEARNFLOW_STATE=${LEARNFLOW_STATE:-${TMPDIR:-/tmp}/learnflow-infra}
# Node.js and npm (install-tools.sh), first on PATH: the same everywhere, whatever the machine has.
export LEARNFLOW_NODEJS_DIR=$LEARNFLOW_CACHE/nodejs/$NODE_VERSION-npm-$NPM_VERSION
export LEARNFLOW_HELM_DIR=$LEARNFLOW_CACHE/helm/$HELM_VERSION
export LEARNFLOW_KUBE_SCORE_DIR=$LEARNFLOW_CACHE/kube-score/$KUBE_SCORE_VERSION
export LEARNFLOW_SHELLCHECK_DIR=$LEARNFLOW_CACHE/shellcheck/$SHELLCHECK_VERSION
export LEARNFLOW_KAFKA_LIBS=$LEARNFLOW_CACHE/kafka/$KAFKA_VERSION/libs
# The PostgreSQL server runs as the postgres user when we are root: its files may not sit under
# root's home, which that user cannot enter.
if [ "$(id -u)" -eq 0 ]; then _learnflow_pg_root=/opt/learnflow-infra; else _learnflow_pg_root=$LEARNFLOW_CACHE; fi
export LEARNFLOW_POSTGRESQL_DIR=${LEARNFLOW_POSTGRESQL_DIR:-$_learnflow_pg_root/postgresql/$POSTGRESQL_PACKAGE_VERSION}
export LEARNFLOW_VALIDATE_DIR=$LEARNFLOW_CACHE/kubernetes-validate/$KUBERNETES_VALIDATE_VERSION
# The dapr chart, from the Dapr Go module (its Helm repository is not reachable from CI).
export LEARNFLOW_DAPR_CHARTS=$LEARNFLOW_CACHE/charts/dapr-$DAPR_VERSION
# Argo CD's application controller and repo server, and its CRDs (harness/argocd/build.sh), keyed
# by what they are built from.
_learnflow_argocd=$(cat "$_learnflow_root"/scripts/harness/argocd/{go.mod,go.sum,main.go,build.sh} | sha256sum | cut -c1-12)
export LEARNFLOW_ARGOCD_DIR=$LEARNFLOW_CACHE/argocd/$ARGOCD_VERSION-$_learnflow_argocd
export LEARNFLOW_ARGOCD_CRDS=$LEARNFLOW_ARGOCD_DIR/crds
# daprd with LearnFlow's components, keyed by what it is built from.
_learnflow_daprd=$(cat "$_learnflow_root"/scripts/harness/dapr/{go.mod,go.sum,main.go,components.go,build.sh} | sha256sum | cut -c1-12)
export LEARNFLOW_DAPRD_DIR=$LEARNFLOW_CACHE/daprd/$DAPR_VERSION-$_learnflow_daprd
# The test node's NetworkPolicy controller (harness/netpol/build.sh), keyed by what it is built from.
_learnflow_netpol=$(awk '$1 == "sigs.k8s.io/kube-network-policies" { print $2 }' "$_learnflow_root/scripts/harness/netpol/go.mod")-$(
  cat "$_learnflow_root"/scripts/harness/netpol/{go.mod,go.sum,main.go,build.sh} | sha256sum | cut -c1-12)
export LEARNFLOW_NETPOL_DIR=$LEARNFLOW_CACHE/kube-network-policies/$_learnflow_netpol
# The control plane's Kubernetes version is the one its Go module requires.
KUBERNETES_VERSION=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2 }' "$_learnflow_root/scripts/harness/controlplane/go.mod")
# Keyed by what the binaries are built from, so a changed recipe builds anew.
_learnflow_recipe=$(cat "$_learnflow_root"/scripts/harness/controlplane/{go.mod,go.sum,build.sh} \
  "$_learnflow_root"/scripts/harness/controlplane/cmd/*/main.go | sha256sum | cut -c1-12)
export LEARNFLOW_CONTROLPLANE_BIN=$LEARNFLOW_CACHE/controlplane/$KUBERNETES_VERSION-kwok-$KWOK_VERSION-$_learnflow_recipe
# The test node's tools and images (harness/node/build.sh), keyed by their recipe and the Dapr binaries.
_learnflow_node=$(cat "$_learnflow_root"/scripts/harness/node/{build.sh,images.sh,pause.c} "$_learnflow_root"/scripts/versions.env |
  sha256sum | cut -c1-12)
export LEARNFLOW_NODE_DIR=$LEARNFLOW_CACHE/node/$KUBERNETES_VERSION-$_learnflow_node-${LEARNFLOW_DAPRD_DIR##*-}
# The node's Kafka and PostgreSQL images (harness/node/servers/build.sh), built on the node's image.
_learnflow_servers=$(cat "$_learnflow_root"/scripts/harness/node/servers/{build.sh,kafka.sh,log4j.properties,postgresql.sh} \
  "$_learnflow_root"/scripts/versions.env | sha256sum | cut -c1-12)
export LEARNFLOW_NODE_SERVERS_DIR=$LEARNFLOW_CACHE/node-servers/$_learnflow_servers-${LEARNFLOW_NODE_DIR##*/}
# Each directory once, checked on its own: a shell that sourced an earlier version still gets new ones.
for _learnflow_dir in "$LEARNFLOW_CONTROLPLANE_BIN" "$LEARNFLOW_VALIDATE_DIR/bin" "$LEARNFLOW_KUBE_SCORE_DIR" "$LEARNFLOW_SHELLCHECK_DIR" "$LEARNFLOW_HELM_DIR" "$LEARNFLOW_NODEJS_DIR/bin"; do
  case ":$PATH:" in
    *":$_learnflow_dir:"*) ;;
    *) PATH=$_learnflow_dir:$PATH ;;
  esac
done
export PATH
unset _learnflow_root _learnflow_recipe _learnflow_daprd _learnflow_netpol _learnflow_node _learnflow_servers _learnflow_dir

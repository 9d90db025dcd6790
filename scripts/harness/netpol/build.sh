#!/usr/bin/env bash
# Builds the NetworkPolicy controller of kubernetes-sigs' kube-network-policies (the version this
# folder's go.mod requires) into the cache (env.sh keys it by this folder's files), for the real
# node's NetworkPolicy tests. v0.8.0's own cmd reads only the in-cluster config and cleans up only
# on SIGINT, so main.go is that cmd with a --kubeconfig, stopping on SIGTERM too. Its nftables
# rules cannot load on this kernel (no nft `queue` expression): an iptables NFQUEUE rule, added by
# whoever starts the controller, feeds the queue instead, and the failed nft syncs are only logged.
# Nothing of kube-network-policies is copied into the repository.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../env.sh
source "$here/../../env.sh"
# shellcheck source=../../lib/common.sh
source "$here/../../lib/common.sh"
script_name=netpol/build.sh
out=$LEARNFLOW_NETPOL_DIR
version=$(awk '$1 == "sigs.k8s.io/kube-network-policies" { print $2 }' "$here/go.mod")

if [ -f "$out/.complete" ]; then echo "==> kube-network-policies $version: cached"; exit 0; fi
need go "it builds from the Go module proxy"
echo "==> kube-network-policies $version: building (about 2 minutes the first time)"
rm -rf "$out"
mkdir -p "$out"
# Static, as upstream's image is (distroless/static): netlink, nftables and nfqueue are pure Go.
export CGO_ENABLED=0
# Read-only: a go.sum line missing from the committed go.sum fails the build instead of being added
# (regenerate go.sum with `go mod tidy` in this folder).
(cd "$here" && go build -mod=readonly -trimpath -ldflags "-s -w" -o "$out/kube-network-policies" .)
touch "$out/.complete"

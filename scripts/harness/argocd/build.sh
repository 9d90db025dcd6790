#!/usr/bin/env bash
# Builds Argo CD's application controller and repo server (main.go: one binary, the component its
# first argument) from the Argo CD Go module at the version go.mod requires, into the cache (env.sh
# keys it by this folder's files), for the real node's Argo CD tests; beside it, the module's
# hack/git-verify-wrapper.sh, which the repo server runs from PATH for every git source, and its
# CRDs (crds/), which the node and the control plane's schema tests apply. Argo CD
# v3.6 needs Go 1.27 (the Go command fetches that toolchain from the module proxy); its nested
# module gitops-engine is served apart, and its dependencies resolve only with Argo CD's own
# replace block, which go.mod repeats. Nothing of Argo CD's is copied into the repository.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../env.sh
source "$here/../../env.sh"
# shellcheck source=../../lib/common.sh
source "$here/../../lib/common.sh"
script_name=argocd/build.sh
out=$LEARNFLOW_ARGOCD_DIR

if [ -f "$out/.complete" ]; then echo "==> argo cd $ARGOCD_VERSION: cached"; exit 0; fi
need go "it builds from the Go module proxy"
echo "==> argo cd $ARGOCD_VERSION: building (about 7 minutes the first time)"
rm -rf "$out"
mkdir -p "$out"
export GOTOOLCHAIN=go1.27.3
# Static, as Argo CD's release builds are.
export CGO_ENABLED=0
# Read-only: a go.sum line missing from the committed go.sum fails the build instead of being added
# (regenerate go.sum with `GOTOOLCHAIN=go1.27.3 go mod tidy` in this folder).
(cd "$here" && go build -mod=readonly -trimpath -ldflags "-s -w" -o "$out/argocd" .)
module=$(cd "$here" && go list -m -f '{{.Dir}}' "github.com/argoproj/argo-cd/v3")
install -m 0755 "$module/hack/git-verify-wrapper.sh" "$out/git-verify-wrapper.sh"
mkdir "$out/crds"
cp "$module/manifests/crds/application-crd.yaml" "$module/manifests/crds/appproject-crd.yaml" "$out/crds/"
touch "$out/.complete"

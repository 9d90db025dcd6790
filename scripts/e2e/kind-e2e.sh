#!/usr/bin/env bash
# End to end on a real cluster, for hosts with Docker (no machine we build on has it; the CI
# workflow .github/workflows/e2e-kind.yml runs this on GitHub's runners): a fresh kind cluster,
# `learnflow-infra up` (which builds the hooks image and loads it into the cluster, downloads the
# subcharts, installs, waits and runs every check), then `verify` and `status` again from outside.
# The cluster is deleted at the end unless LEARNFLOW_KEEP_CLUSTER=1.
#
#   scripts/e2e/kind-e2e.sh [UP OPTIONS...]    e.g. scripts/e2e/kind-e2e.sh -f profiles/kraft.yaml
#
# Needs docker (running, with at least 4 CPUs and 8 GiB for the stack), kind, kubectl, helm and
# Node.js. LEARNFLOW_KIND_CLUSTER names the cluster (default learnflow-e2e).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../versions.env
source "$here/../versions.env"
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"
name=${LEARNFLOW_KIND_CLUSTER:-learnflow-e2e}

need docker "see https://docs.docker.com/engine/install/"
need kind "go install sigs.k8s.io/kind@$KIND_VERSION"
need kubectl "see https://kubernetes.io/docs/tasks/tools/"
need helm "go install helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
need node "Node.js 24.11 or newer"
docker info >/dev/null 2>&1 || die "Docker is not running"

cd "$root"
npm ci --no-audit --no-fund
npm run build

cleanup() {
  if [ "${LEARNFLOW_KEEP_CLUSTER:-}" = 1 ]; then
    echo "kind-e2e: keeping cluster $name (kind delete cluster --name $name removes it)"
  else
    kind delete cluster --name "$name"
  fi
}
trap cleanup EXIT

infra() { node dist/deploy/cli.js "$@" --output plain; }
infra up --create-kind-cluster "$name" "$@"
infra verify --kube-context "kind-$name"
infra status --kube-context "kind-$name"

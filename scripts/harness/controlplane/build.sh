#!/usr/bin/env bash
# Builds the test control plane into the cache, once per recipe (env.sh keys the cache folder by
# this file, go.mod, go.sum and cmd/): etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and kubectl from the Kubernetes Go module this folder's go.mod requires, and KWOK
# with the node and Pod stages kwokctl would use.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../env.sh
source "$here/../../env.sh"
# shellcheck source=../../lib/common.sh
source "$here/../../lib/common.sh"
script_name=controlplane/build.sh
bin=$LEARNFLOW_CONTROLPLANE_BIN

if [ -f "$bin/.complete" ]; then echo "==> control plane $KUBERNETES_VERSION: cached"; exit 0; fi
need go "it builds from the Go module proxy"
echo "==> control plane $KUBERNETES_VERSION: building (several minutes the first time)"
rm -rf "$bin"
mkdir -p "$bin/stages"
# Stamped with the release version, as the official builds are: Helm checks the chart's
# kubeVersion against what the server reports.
minor=${KUBERNETES_VERSION#v1.}
minor=${minor%%.*}
stamp="-X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
stamp="$stamp ${stamp//component-base\/version/client-go\/pkg\/version}"
(cd "$here" && go build -trimpath -ldflags "$stamp" -o "$bin/" ./cmd/...)
(cd "$(mktemp -d)" && GOBIN=$bin go install -trimpath "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION")
# The kwok binary has no default stages: take the ones kwokctl uses from the kwok module.
kwok_module=$(cd "$(mktemp -d)" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
cp "$kwok_module"/kustomize/stage/pod/fast/pod-{ready,complete,delete}.yaml \
  "$kwok_module"/kustomize/stage/node/fast/node-initialize.yaml \
  "$kwok_module"/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml "$bin/stages/"
chmod u+w "$bin"/stages/*.yaml
touch "$bin/.complete"

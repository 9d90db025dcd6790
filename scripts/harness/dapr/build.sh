#!/usr/bin/env bash
# Builds daprd from the Dapr Go module, with only the components of components.go, and the Dapr
# control plane (operator, placement, sentry, injector, scheduler) for the test node's images,
# into the cache (env.sh keys it by this folder's files). Dapr's own cmd/daprd builds every component behind
# the tags stablecomponents/allcomponents, and some of their modules are not served by the Go
# module proxy; without a tag, cmd/daprd/components/zz_notag.go panics on purpose. So the module
# is copied into the cache, that one file is overlaid with an empty one, and main.go calls Dapr's
# own app.Run with our components registered. Nothing of Dapr's is copied into the repository.
# go.mod is maintained with `go build -mod=mod` (go mod tidy would reach for every component).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../env.sh
source "$here/../../env.sh"
# shellcheck source=../../lib/common.sh
source "$here/../../lib/common.sh"
script_name=dapr/build.sh
out=$LEARNFLOW_DAPRD_DIR

if [ -f "$out/.complete" ]; then echo "==> daprd $DAPR_VERSION: cached"; exit 0; fi
need go "it builds from the Go module proxy"
echo "==> daprd $DAPR_VERSION: building (a few minutes the first time)"
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
cp "$here"/{go.mod,go.sum,main.go,components.go} "$build/"
module=$(cd "$build" && go mod download -json "github.com/dapr/dapr@$DAPR_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
cp -r "$module" "$build/dapr"
chmod -R u+w "$build/dapr"
mkdir "$build/overlay"
printf '// Stands in for Dapr'"'"'s zz_notag.go: components.go registers the components.\npackage components\n' >"$build/overlay/no-components.go"
printf '{"Replace":{"%s":"%s"}}' "$build/dapr/cmd/daprd/components/zz_notag.go" "$build/overlay/no-components.go" >"$build/overlay.json"
cd "$build"
go mod edit -replace "github.com/dapr/dapr=./dapr"
# Some modules the control plane needs (the scheduler's go-etcd-cron) are served by the module
# proxy but missing from the checksum database: Dapr's own go.sum vouches for them.
cat dapr/go.sum >>go.sum
mkdir -p "$out"
stamp="-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=${DAPR_VERSION#v} -X github.com/dapr/dapr/pkg/buildinfo.gitversion=$DAPR_VERSION"
# Static, as Dapr's release builds are: the images have no C library.
export CGO_ENABLED=0
go build -mod=mod -overlay overlay.json -trimpath -ldflags "$stamp" -o "$out/daprd" .
go build -mod=mod -trimpath -ldflags "$stamp" -o "$out/" \
  github.com/dapr/dapr/cmd/{operator,placement,sentry,injector,scheduler}
touch "$out/.complete"

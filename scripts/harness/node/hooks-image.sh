#!/usr/bin/env bash
# Builds the hooks image from the project's own Dockerfile with buildah, on NODE_IMAGE made by
# node/build.sh, once per content of what the Dockerfile copies; prints its reference. The image
# is saved as a docker archive (hooks_image_archive) for the node to import.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
# shellcheck source=../../env.sh
source "$here/../../env.sh"
# shellcheck source=images.sh
source "$here/images.sh"

cd "$root"
# What the build context holds (.dockerignore), in a stable order.
tag=test-$(find Dockerfile .dockerignore package.json package-lock.json tsconfig.json tsconfig.build.json \
  common hooks migrations seeds -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12)
ref=localhost/learnflow/learnflow-hooks:$tag
archive=$(hooks_image_archive "$ref")
if [ ! -f "$archive" ]; then
  mkdir -p "$(dirname "$archive")"
  # The build's RUN steps share the host's network: npm ci reaches the registry as this machine
  # does, and no bridge or NAT of buildah's is made.
  buildah_here bud --quiet --network host --pull-never --layers \
    --build-arg "NODE_IMAGE=$NODE_BASE_IMAGE" -t "$ref" -f Dockerfile . >&2
  save_image "$ref" "$archive.partial"
  mv "$archive.partial" "$archive"
fi
echo "$ref"

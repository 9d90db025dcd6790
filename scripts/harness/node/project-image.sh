#!/usr/bin/env bash
# project-image.sh NAME CONTEXT: builds one of the project's images from CONTEXT's Dockerfile with
# buildah, on NODE_IMAGE made by node/build.sh, once per content of what the Dockerfile may copy
# (the paths CONTEXT/.dockerignore lets in, after its "*"); prints its reference,
# localhost/learnflow/NAME:test-<hash>. The image is saved as a docker archive
# (project_image_archive) for the node to import.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../env.sh
source "$here/../../env.sh"
# shellcheck source=images.sh
source "$here/images.sh"
name=$1
cd "$2"

mapfile -t admitted < <(sed -n 's|^!\(.*\)|\1|p' .dockerignore)
tag=test-$(find Dockerfile .dockerignore "${admitted[@]}" -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12)
ref=localhost/learnflow/$name:$tag
archive=$(project_image_archive "$ref")
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

# shellcheck shell=bash
# Sourced by the node's scripts: images built with buildah in storage of their own under the
# cache (nothing in /var/lib/containers), and saved as docker archives for the node's containerd.

buildah_here() {
  # buildah would make missing parents of its run root private, and the servers' users need them.
  mkdir -p "$LEARNFLOW_STATE"
  buildah --root "$LEARNFLOW_CACHE/buildah/storage" --runroot "$LEARNFLOW_STATE/buildah" --storage-driver overlay "$@"
}

# The sandbox image and NODE_IMAGE, named for this project only.
# shellcheck disable=SC2034 # read by node.sh, node/build.sh and node/project-image.sh, which source this file
PAUSE_IMAGE=localhost/learnflow/pause:1 NODE_BASE_IMAGE=localhost/learnflow/node-base:$NODE_VERSION

# image_from_dir NAME ARCHIVE DIR USER ENTRYPOINT-JSON [ENV...]: an image of one layer, DIR's
# contents, saved to ARCHIVE; it stays in the build storage, where a Dockerfile can build FROM it.
image_from_dir() {
  local name=$1 archive=$2 dir=$3 user=$4 entrypoint=$5 container setting
  shift 5
  container=$(buildah_here from --quiet scratch)
  tar -C "$dir" -cf "$dir.layer.tar" .
  buildah_here add --quiet "$container" "$dir.layer.tar" / >/dev/null
  rm -f "$dir.layer.tar"
  buildah_here config --user "$user" --entrypoint "$entrypoint" --workingdir / "$container"
  for setting in "$@"; do buildah_here config --env "$setting" "$container"; done
  buildah_here commit --quiet --rm "$container" "$name" >/dev/null
  save_image "$name" "$archive"
}

# save_image NAME ARCHIVE: a docker archive that carries NAME, for ctr images import.
save_image() {
  rm -f "$2"
  buildah_here push --quiet "$1" "docker-archive:$2:$1" >/dev/null
}

# project_image_archive REF: where node/project-image.sh keeps the archive of the image REF
# (localhost/learnflow/NAME:TAG).
project_image_archive() {
  local name=${1##*/}
  echo "$LEARNFLOW_CACHE/project-images/${name%%:*}/${1##*:}.tar"
}

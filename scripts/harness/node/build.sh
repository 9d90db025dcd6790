#!/usr/bin/env bash
# Builds what the test node runs, into the cache (env.sh keys it by this folder and versions.env),
# all from registry packages since no image can be pulled here:
#   bin/coredns, bin/local-path-provisioner  go install from the Go module proxy
#   images/pause.tar        the sandbox image: pause.c, built static
#   images/node-base.tar    NODE_IMAGE for the hooks image: a Debian root filesystem (mmdebstrap)
#                           with Node.js and npm from the npm registry, trusting this machine's
#                           CA store (a local test image, never a release image)
#   images/dapr-*.tar       the Dapr control plane and sidecar, named as the dapr chart asks for
#                           them, from the binaries scripts/harness/dapr/build.sh makes
# Images are docker archives that scripts/harness/node.sh imports into the node's containerd. The Debian
# tools used: containerd, runc, containernetworking-plugins, buildah, mmdebstrap, iptables.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../env.sh
source "$here/../../env.sh"
# shellcheck source=../../lib/common.sh
source "$here/../../lib/common.sh"
script_name=node/build.sh
# shellcheck source=images.sh
source "$here/images.sh"
out=$LEARNFLOW_NODE_DIR

if [ -f "$out/.complete" ]; then echo "==> node $KUBERNETES_VERSION: cached"; exit 0; fi
need go "it builds from the Go module proxy"
echo "==> node $KUBERNETES_VERSION: building CoreDNS, the volume provisioner and the images"
rm -rf "$out"
mkdir -p "$out/bin" "$out/images"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && GOBIN=$out/bin GOFLAGS=-trimpath go install "github.com/coredns/coredns@$COREDNS_VERSION")
(cd "$work" && GOBIN=$out/bin GOFLAGS=-trimpath CGO_ENABLED=0 \
  go install "github.com/rancher/local-path-provisioner@$LOCAL_PATH_PROVISIONER_VERSION")

# The sandbox image.
mkdir -p "$work/pause"
gcc -static -O2 -o "$work/pause/pause" "$here/pause.c"
image_from_dir "$PAUSE_IMAGE" "$out/images/pause.tar" "$work/pause" 65535:65535 '["/pause"]'

# NODE_IMAGE: Debian with Node.js and npm, the way the official node images lay them out.
rootfs=$work/rootfs
mmdebstrap --quiet --variant=minbase "$NODE_IMAGE_DEBIAN_SUITE" "$rootfs" http://deb.debian.org/debian
# The runtime provides /dev; apt's caches have no use in an image.
rm -rf "${rootfs:?}"/dev/* "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/*
# The very Node.js and npm the suite runs (install-tools.sh installed them).
[ -f "$LEARNFLOW_NODEJS_DIR/.complete" ] || die "run scripts/install-tools.sh first"
cp -a "$LEARNFLOW_NODEJS_DIR/bin" "$LEARNFLOW_NODEJS_DIR/lib" "$rootfs/usr/local/"
# npm ci inside the image build reaches the npm registry the way this machine does.
mkdir -p "$rootfs/etc/ssl/certs"
cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
image_from_dir "$NODE_BASE_IMAGE" "$out/images/node-base.tar" "$rootfs" 0:0 '[]' \
  NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt

# The Dapr images: a static binary each, as root-less as Dapr's own distroless images.
[ -x "$LEARNFLOW_DAPRD_DIR/daprd" ] || die "run scripts/harness/dapr/build.sh first"
for binary in operator placement sentry injector scheduler daprd; do
  rm -rf "$work/dapr" && mkdir -p "$work/dapr/etc"
  printf 'root:x:0:0:root:/:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/:/sbin/nologin\n' >"$work/dapr/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$work/dapr/etc/group"
  install -m 0755 "$LEARNFLOW_DAPRD_DIR/$binary" "$work/dapr/$binary"
  image_from_dir "ghcr.io/dapr/$binary:${DAPR_VERSION#v}" "$out/images/dapr-$binary.tar" "$work/dapr" 65532:65532 "[\"/$binary\"]"
done
touch "$out/.complete"

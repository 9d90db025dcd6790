#!/usr/bin/env bash
# Prints the version to release, after checking that everything that carries it agrees: the git
# tag (vX.Y.Z), Chart.yaml's version and appVersion (the chart's default hooks image tag) and
# package.json's version. The release pipeline (.github/workflows/release.yml) tags the hooks
# image and the chart package with it, so they are always released in step.
#
#   scripts/release/release-version.sh vX.Y.Z
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"
[ $# -eq 1 ] || usage
tag=${1#refs/tags/}
version=${tag#v}
field() { sed -n "s/^$1: *\"\\{0,1\\}\\([^\"]*\\)\"\\{0,1\\} *$/\\1/p" "$root/Chart.yaml"; }
chart=$(field version)
app=$(field appVersion)
package=$(node -p "require('$root/package.json').version")
problems=()
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || problems+=("the tag $tag is not vX.Y.Z")
[ "$chart" = "$version" ] || problems+=("Chart.yaml version is $chart")
[ "$app" = "$version" ] || problems+=("Chart.yaml appVersion (the hooks image tag) is $app")
[ "$package" = "$version" ] || problems+=("package.json version is $package")
if [ ${#problems[@]} -gt 0 ]; then
  printf -v found '%s, ' "${problems[@]}"
  die "tag $tag, but ${found%, }; set them all to $version"
fi
echo "$version"

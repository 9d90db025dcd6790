#!/usr/bin/env bash
# A local PostgreSQL for the test suite and benchmarks, with password (SCRAM) authentication over
# TCP on loopback, like the chart's. The superuser is "postgres"; its password is in
# $LEARNFLOW_STATE/postgresql/NAME/superuser.password.
#
#   postgresql-server.sh start NAME PORT [ADDRESS]
#                                        start instance NAME (a restart keeps its data), listening
#                                        on ADDRESS (127.0.0.1; the test node's address for a server
#                                        its Pods reach, which then admits its subnet)
#   postgresql-server.sh stop NAME         stop it, keeping its data
#   postgresql-server.sh delete NAME       stop it and remove its data
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../env.sh
source "$here/../env.sh"
# shellcheck source=../lib/common.sh
source "$here/../lib/common.sh"

bindir=$LEARNFLOW_POSTGRESQL_DIR/bin
[ -f "$LEARNFLOW_POSTGRESQL_DIR/.complete" ] || die "PostgreSQL $POSTGRESQL_PACKAGE_VERSION is not installed: run scripts/install-tools.sh"

# PostgreSQL refuses to run as root; as root, run it as the postgres user Debian's package made.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() { # start NAME PORT
  local port=$2
  [[ "$port" =~ ^[0-9]+$ ]] || die "PORT must be a number, not '$port'"
  stop_server
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  # Data an earlier major version wrote (test data only) cannot be started: begin afresh.
  local major
  major=$("$bindir/postgres" --version | sed -n 's/^postgres (PostgreSQL) \([0-9]*\).*/\1/p')
  if [ -f "$dir/data/PG_VERSION" ] && [ "$(cat "$dir/data/PG_VERSION")" != "$major" ]; then rm -rf "$dir/data"; fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$dir/superuser.password"
    chmod 644 "$dir/superuser.password"
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=scram-sha-256 \
      --pwfile="$dir/superuser.password" --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    # initdb admits loopback only; the node's Pods connect from the address's own /24.
    [ "$address" = 127.0.0.1 ] || echo "host all all ${address%.*}.0/24 scram-sha-256" >>"$dir/data/pg_hba.conf"
  fi
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
    -o "-c listen_addresses=$address -c port=$port -c unix_socket_directories=$dir -c fsync=off" start >/dev/null ||
    { tail -n 30 "$dir/postgres.log" >&2; die "PostgreSQL did not start (log: $dir/postgres.log)"; }
  echo "postgresql-server: $name listening on $address:$port"
}

stop_server() {
  [ -f "$dir/data/postmaster.pid" ] || return 0
  as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

[ $# -ge 2 ] || usage
command=$1 name=$2
[[ "$name" =~ ^[a-zA-Z0-9_-]+$ ]] || die "NAME must be letters, digits, - or _, not '$name'"
dir=$LEARNFLOW_STATE/postgresql/$name
case "$command" in
  start)
    [ $# -eq 3 ] || [ $# -eq 4 ] || usage
    address=${4:-127.0.0.1}
    start "$name" "$3" ;;
  stop) stop_server ;;
  delete) stop_server; rm -rf "$dir" ;;
  *) usage ;;
esac

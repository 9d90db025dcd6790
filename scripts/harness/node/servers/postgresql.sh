#!/bin/sh
# The node's PostgreSQL: a cluster made once on the Pod's volume, its superuser postgres with the
# password in /etc/postgresql/superuser-password (a Secret), admitting every address with SCRAM,
# listening on PORT (the Service translates its own).
set -eu
export PGDATA=/var/lib/postgresql/data/pgdata
bin=/opt/postgresql/bin
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  "$bin/initdb" -D "$PGDATA" -U postgres --auth=scram-sha-256 --pwfile=/etc/postgresql/superuser-password \
    --encoding=UTF8 --locale=C.UTF-8
  echo "host all all 0.0.0.0/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
fi
exec "$bin/postgres" -c listen_addresses='*' -c "port=${PORT:?the Pod sets PORT}" -c unix_socket_directories=/tmp

#!/bin/bash
# Create the cluster and the database on first start, then run the server in the foreground.
# Trust authentication: a throw-away test database, reachable only on the stack's network and
# (published) on the host's 127.0.0.1.
set -euo pipefail
: "${POSTGRES_USER:=shop}" "${POSTGRES_DB:=shop}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --auth=trust -E UTF8 --no-sync >/dev/null
  echo "host all all 0.0.0.0/0 trust" >> "$PGDATA/pg_hba.conf"
  echo "CREATE DATABASE \"$POSTGRES_DB\";" \
    | postgres --single -D "$PGDATA" -j postgres >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c max_connections=200 \
  -c shared_buffers=64MB "$@"

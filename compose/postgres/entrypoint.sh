#!/bin/bash
# Create the cluster and the database on first start, then run the server in the foreground.
# TCP connections authenticate with a password (scram-sha-256): POSTGRES_PASSWORD, which
# `shopchaos up --platform compose` generates for each stack (SHOPCHAOS_POSTGRES_PASSWORD in the
# environment of `docker compose up`, never in a file). Without one the server refuses to start:
# a passwordless superuser on TCP could run commands as the server (COPY ... TO PROGRAM).
# Only the Unix socket inside the container trusts local users (the health check, `initdb`).
set -euo pipefail
: "${POSTGRES_USER:=shop}" "${POSTGRES_DB:=shop}" "${POSTGRES_PASSWORD:=}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "$POSTGRES_PASSWORD" ]; then
    echo "postgres: no password: set SHOPCHAOS_POSTGRES_PASSWORD for \`docker compose up\`" \
      "(shopchaos up --platform compose generates one)" >&2
    exit 64
  fi
  pwfile=$(mktemp)
  trap 'rm -f "$pwfile"' EXIT
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --auth-local=trust --auth-host=scram-sha-256 \
    --pwfile="$pwfile" -E UTF8 --no-sync >/dev/null
  rm -f "$pwfile"
  echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
  echo "CREATE DATABASE \"$POSTGRES_DB\";" \
    | postgres --single -D "$PGDATA" -j postgres >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c max_connections=200 \
  -c shared_buffers=64MB -c password_encryption=scram-sha-256 "$@"

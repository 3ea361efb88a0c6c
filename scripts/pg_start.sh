#!/usr/bin/env bash
# Start a throwaway PostgreSQL 15 + PostGIS cluster on 127.0.0.1 (trust auth, no fsync).
# Usage: scripts/pg_start.sh DIR PORT   -> prints the DATABASE_URL; stop with scripts/pg_stop.sh DIR
set -euo pipefail
root=${1:?directory}; port=${2:-54329}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
mkdir -p "$root"; chown postgres:postgres "$root" 2>/dev/null || true
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_pg "$PGBIN/initdb" -D "$root/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$root/data" -l "$root/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $root -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
psql -h 127.0.0.1 -p "$port" -U postgres -qAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE landbridge" >/dev/null
psql -h 127.0.0.1 -p "$port" -U postgres -d landbridge -qAt -v ON_ERROR_STOP=1 -c "CREATE EXTENSION postgis" >/dev/null
echo "postgresql+psycopg://postgres@127.0.0.1:$port/landbridge"

#!/usr/bin/env bash
# Start a hot standby of a running PostgreSQL 15 cluster on 127.0.0.1 (a streaming replica: pg_basebackup -R).
# Usage: scripts/pg_standby.sh DIR PORT PRIMARY_PORT [PRIMARY_HOST] [USER]
#   -> prints the standby's address as host:port; stop it with scripts/pg_stop.sh DIR
# The primary must accept replication connections from loopback (initdb's default pg_hba.conf does, as does
# scripts/pg_start.sh's cluster; wal_level replica, PostgreSQL 15's default).
set -euo pipefail
root=${1:?directory}; port=${2:?standby port}; primary_port=${3:?primary port}
primary_host=${4:-127.0.0.1}; user=${5:-postgres}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
mkdir -p "$root"; chown postgres:postgres "$root" 2>/dev/null || true
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
# a fast checkpoint (the default spreads it over minutes); the WAL written meanwhile streams with the copy; -R
# writes primary_conninfo and standby.signal, so the copy starts as a hot standby of the primary
as_pg "$PGBIN/pg_basebackup" -h "$primary_host" -p "$primary_port" -U "$user" -D "$root/data" -R \
  --checkpoint=fast -X stream --no-sync >/dev/null
# a hot standby needs at least the primary's max_connections (scripts/pg_start.sh sets it on the command line,
# so the copied postgresql.conf does not carry it)
conns=$(psql -h "$primary_host" -p "$primary_port" -U "$user" -d postgres -qAt -c "SHOW max_connections")
as_pg "$PGBIN/pg_ctl" -D "$root/data" -l "$root/server.log" -w -t 120 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $root -c hot_standby=on -c fsync=off -c max_connections=$conns -c wal_receiver_status_interval=1s" start >/dev/null
echo "127.0.0.1:$port"

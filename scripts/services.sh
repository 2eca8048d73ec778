#!/usr/bin/env bash
# A private PostgreSQL cluster and a redis-server on loopback for the test
# suite, started once and reused (idempotent). The host's own PostgreSQL and
# Redis services are left alone.
#
#   source scripts/services.sh        # start if needed, export DATABASE_URL and REDIS_URL
#   bash scripts/services.sh [start]  # start if needed, print the export lines
#   bash scripts/services.sh stop     # stop both
#
# Knobs: TSPAAS_SERVICES_DIR (default /var/tmp/tspaas-test-services),
#        TSPAAS_TEST_PG_PORT (default 54329), TSPAAS_TEST_REDIS_PORT (default 63799).

_tspaas_services() {
  local action=${1:-start}
  local dir=${TSPAAS_SERVICES_DIR:-/var/tmp/tspaas-test-services}
  local pg_port=${TSPAAS_TEST_PG_PORT:-54329} redis_port=${TSPAAS_TEST_REDIS_PORT:-63799}
  local pg_bin
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$pg_bin" ] || { echo "services: PostgreSQL is not installed (run scripts/setup.sh)" >&2; return 1; }
  command -v redis-server >/dev/null || { echo "services: redis-server is not installed (run scripts/setup.sh)" >&2; return 1; }
  local pg_data=$dir/postgres redis_dir=$dir/redis
  # From /, so the tools do not complain about a cwd they cannot enter.
  local as_pg=(runuser -u postgres -- env -C /) as_redis=(runuser -u redis -- env -C /)

  if [ "$action" = stop ]; then
    [ -f "$pg_data/PG_VERSION" ] && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1
    [ -f "$redis_dir/redis.pid" ] && kill "$(cat "$redis_dir/redis.pid")" 2>/dev/null
    echo "services: stopped" >&2
    return 0
  fi

  mkdir -p "$dir" && chmod 755 "$dir"

  # PostgreSQL: trust on loopback and its own socket dir; the superuser is "postgres".
  if [ ! -f "$pg_data/PG_VERSION" ]; then
    install -d -o postgres -g postgres -m 700 "$pg_data"
    "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { echo "services: initdb failed, see $dir/initdb.log" >&2; return 1; }
  fi
  if ! "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" status >/dev/null 2>&1; then
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w -t 60 \
      -o "-p $pg_port -k $pg_data -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start </dev/null >/dev/null 2>&1 \
      || { echo "services: PostgreSQL did not start, see $pg_data/server.log" >&2; return 1; }
  fi
  local psql=("${as_pg[@]}" "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -XqtA)
  if [ "$("${psql[@]}" -c "select 1 from pg_database where datname = 'tspaas'")" != 1 ]; then
    "${psql[@]}" -c "create database tspaas" >/dev/null || { echo "services: cannot create database tspaas" >&2; return 1; }
  fi

  # Redis: no persistence, loopback only.
  if [ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null)" != PONG ]; then
    install -d -o redis -g redis -m 750 "$redis_dir"
    "${as_redis[@]}" redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$redis_dir" \
      --daemonize yes --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log" \
      --save '' --appendonly no </dev/null >/dev/null 2>&1
    local i
    for i in $(seq 50); do
      [ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null)" = PONG ] && break
      [ "$i" = 50 ] && { echo "services: redis-server did not start, see $redis_dir/redis.log" >&2; return 1; }
      sleep 0.1
    done
  fi

  export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/tspaas"
  export REDIS_URL="redis://127.0.0.1:$redis_port/0"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -eu
  _tspaas_services "${1:-start}"
  if [ "${1:-start}" = start ]; then
    echo "export DATABASE_URL=$DATABASE_URL"
    echo "export REDIS_URL=$REDIS_URL"
  fi
else
  _tspaas_services start
fi

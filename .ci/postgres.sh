#!/usr/bin/env bash
# A throwaway Postgres 15 cluster for the tests, in a temp directory, on a loopback port.
#   .ci/postgres.sh start <dir> <port>   prints the URL of the cluster's `postgres` database
#   .ci/postgres.sh stop <dir>
#   .ci/postgres.sh halt <dir> | resume <dir>   stop and start it again, its data kept (outage tests)
# Postgres refuses to run as root: as root, the cluster runs as the `postgres` user.
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
cmd=$1 dir=$2
as_owner=()
if [ "$(id -u)" -eq 0 ]; then as_owner=(runuser -u postgres --); fi
run_cluster() {
  # fsync off: a test cluster that dies is thrown away, and every commit's flush would be the
  # tests' slowest part. PLS_PG_DURABLE=1 (the benchmark) keeps Postgres's durable defaults.
  local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ "${PLS_PG_DURABLE:-}" = 1 ] && durability=""
  "${as_owner[@]}" "$bin/pg_ctl" -D "$1/data" -l "$1/log" -w \
    -o "-p $2 -k $1 -c listen_addresses=127.0.0.1 $durability -c max_connections=300" start >&2
}

case "$cmd" in
  start)
    port=$3
    if [ ! -x "$bin/initdb" ]; then
      sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
      $sudo apt-get update >&2
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 >&2
    fi
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >&2
    echo "$port" > "$dir/port"
    run_cluster "$dir" "$port"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  halt)
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2
    ;;
  resume)
    run_cluster "$dir" "$(cat "$dir/port")"
    ;;
  stop)
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start <dir> <port> | stop <dir> | halt <dir> | resume <dir>" >&2
    exit 2
    ;;
esac

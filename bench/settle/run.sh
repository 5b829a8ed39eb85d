#!/usr/bin/env bash
# `make bench`: runs the settlement bench (bench/settle) against a
# PostgreSQL server found as scripts/test.sh finds one:
# GONGJI_TEST_POSTGRES_URL if set; else the server on 127.0.0.1:5432 if we
# can log in as postgres without a password; else a throwaway cluster in
# .data/bench-pg, started here and removed afterwards. The bench creates
# and drops its own database there and starts its own Temporal dev server
# from TEMPORAL_CLI (default bin/temporal). Arguments go to the bench
# (e.g. -duration 10s -concurrency 1,8).

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/postgres.sh
source "$ROOT/scripts/postgres.sh"

export TEMPORAL_CLI=${TEMPORAL_CLI:-$ROOT/bin/temporal}
bench_pg=$ROOT/.data/bench-pg
own_cluster=

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local rc=$?
	trap '' INT TERM HUP
	trap - EXIT
	pg_cleanup
	if [[ -n $own_cluster ]]; then rm -rf "$bench_pg" "$bench_pg.log" "$bench_pg.initdb.log"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -n ${GONGJI_TEST_POSTGRES_URL:-} ]]; then
	pg_log "bench: GONGJI_TEST_POSTGRES_URL from the environment"
elif pg_login_ok "${PG_PROBE_HOST:-127.0.0.1}" "${PG_PROBE_PORT:-5432}"; then
	pg_log "bench: the server on 127.0.0.1:5432"
else
	pg_log "bench: no usable server on ${PG_PROBE_HOST:-127.0.0.1}:${PG_PROBE_PORT:-5432}; starting a throwaway cluster in $bench_pg"
	if [[ -e $bench_pg ]]; then
		pg_cluster_stop "$bench_pg" || true
		rm -rf "$bench_pg"
	fi
	port=$(pg_free_port 55433)
	own_cluster=1
	PG_LOG=$bench_pg.log pg_cluster_start "$bench_pg" "$port" max_connections=200
	export GONGJI_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
fi

go run ./bench/settle "$@"

#!/usr/bin/env bash
# `make test`: go test -count=1 -timeout 12m ./... with a PostgreSQL server
# and the temporal CLI, then a one-line summary.
#
# PostgreSQL: GONGJI_TEST_POSTGRES_URL if set; else the server on
# 127.0.0.1:5432 if we can log in to it as postgres without a password (the
# tests' default; checked with psql when installed, else only the port); else a
# throwaway cluster in .data/test-pg on a free port from 55433 on, started
# here, and stopped and removed afterwards (see scripts/postgres.sh).
#
# Overrides: GO_TEST_PKGS (default ./...), GO_TEST_FLAGS (extra flags, e.g.
# -v or -run X), TEMPORAL_CLI (default bin/temporal), PG_PROBE_PORT (see
# scripts/postgres.sh; e.g. 1 to force the throwaway cluster).

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/postgres.sh
source "$ROOT/scripts/postgres.sh"

export TEMPORAL_CLI=${TEMPORAL_CLI:-$ROOT/bin/temporal}
read -ra pkgs <<<"${GO_TEST_PKGS:-./...}"
read -ra flags <<<"${GO_TEST_FLAGS:-}"
test_pg=$ROOT/.data/test-pg
own_cluster=
log=

say() { printf 'test.sh: %s\n' "$*" >&2; }

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local rc=$?
	trap '' INT TERM HUP
	trap - EXIT
	pg_cleanup
	if [[ -n $own_cluster ]]; then rm -rf "$test_pg" "$test_pg.log" "$test_pg.initdb.log"; fi
	if [[ -n $log ]]; then rm -f "$log"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if [[ -n ${GONGJI_TEST_POSTGRES_URL:-} ]]; then
	say "PostgreSQL: GONGJI_TEST_POSTGRES_URL from the environment"
elif pg_login_ok "${PG_PROBE_HOST:-127.0.0.1}" "${PG_PROBE_PORT:-5432}"; then
	say "PostgreSQL: the server on 127.0.0.1:5432"
else
	if pg_port_open "${PG_PROBE_HOST:-127.0.0.1}" "${PG_PROBE_PORT:-5432}"; then
		say "PostgreSQL: ${PG_PROBE_HOST:-127.0.0.1}:${PG_PROBE_PORT:-5432} is open but does not let us log in as postgres without a password; starting a throwaway cluster in $test_pg"
	else
		say "PostgreSQL: nothing listens on ${PG_PROBE_HOST:-127.0.0.1}:${PG_PROBE_PORT:-5432}; starting a throwaway cluster in $test_pg"
	fi
	if [[ -e $test_pg ]]; then # left over from an interrupted run
		pg_cluster_stop "$test_pg" || true
		rm -rf "$test_pg"
	fi
	port=$(pg_free_port 55433)
	own_cluster=1
	PG_LOG=$test_pg.log pg_cluster_start "$test_pg" "$port" \
		fsync=off synchronous_commit=off full_page_writes=off max_connections=200
	export GONGJI_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
fi

log=$(mktemp)
start=$SECONDS
status=0
go test -count=1 -timeout 12m ${flags[@]+"${flags[@]}"} "${pkgs[@]}" 2>&1 | tee "$log" || status=${PIPESTATUS[0]}
elapsed=$((SECONDS - start))

# Package result lines: "ok  \tpkg\t1.2s", "FAIL\tpkg\t3.4s" or
# "FAIL\tpkg [build failed]", "?   \tpkg\t[no test files]".
n_ok=$(grep -c $'^ok  \t' "$log" || true)
n_none=$(grep -c $'^?   \t' "$log" || true)
failed=$(grep $'^FAIL\t' "$log" | cut -f2 | cut -d' ' -f1 | sort -u | tr '\n' ' ' || true)
failed=${failed% }
n_failed=$(wc -w <<<"$failed")

if ((status == 0)); then
	echo "make test: PASS: $n_ok packages ok, $n_none without tests, in ${elapsed}s"
elif ((n_failed > 0)); then
	echo "make test: FAIL: $n_failed packages failed ($failed), $n_ok ok, $n_none without tests, in ${elapsed}s"
else
	echo "make test: FAIL: go test exited with status $status ($n_ok packages ok), in ${elapsed}s"
fi
exit "$status"

#!/usr/bin/env bash
# `make test`: go test -count=1 -timeout 12m ./... with a PostgreSQL server
# and the temporal CLI, then the clock guard (below) and a one-line summary.
#
# PostgreSQL: GONGJI_TEST_POSTGRES_URL if set; else the server on
# 127.0.0.1:5432 if we can log in to it as postgres without a password (the
# tests' default; checked with psql when installed, else only the port); else a
# throwaway cluster in .data/test-pg on a free port from 55433 on, started
# here, and stopped and removed afterwards (see scripts/postgres.sh).
#
# Then the clock guard: the packages whose tests read the run's clock
# (gongji/internal/testclock) are tested again with the clock moved, one
# go test per setting of CLOCK_GUARD (default "+400d -1d yearend"; see
# internal/testclock), so that a test depending on today's date fails on
# any day. It runs only for the default packages; CLOCK_GUARD= skips it.
#
# Overrides: GO_TEST_PKGS (default ./...), GO_TEST_FLAGS (extra flags, e.g.
# -v or -run X), TEMPORAL_CLI (default bin/temporal), PG_PROBE_PORT (see
# scripts/postgres.sh; e.g. 1 to force the throwaway cluster), CLOCK_GUARD.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/postgres.sh
source "$ROOT/scripts/postgres.sh"

export TEMPORAL_CLI=${TEMPORAL_CLI:-$ROOT/bin/temporal}
read -ra pkgs <<<"${GO_TEST_PKGS:-./...}"
read -ra flags <<<"${GO_TEST_FLAGS:-}"
guard_settings=
if [[ -z ${GO_TEST_PKGS:-} ]]; then
	guard_settings=${CLOCK_GUARD-+400d -1d yearend}
fi
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

# failed_in LOG prints the packages a go test output names as failed, one
# line: "FAIL\tpkg\t3.4s" or "FAIL\tpkg [build failed]".
failed_in() { grep $'^FAIL\t' "$1" | cut -f2 | cut -d' ' -f1 | sort -u | tr '\n' ' ' | sed 's/ $//' || true; }

log=$(mktemp)
start=$SECONDS
status=0
go test -count=1 -timeout 12m ${flags[@]+"${flags[@]}"} "${pkgs[@]}" 2>&1 | tee "$log" || status=${PIPESTATUS[0]}

# Package result lines: "ok  \tpkg\t1.2s", "FAIL\tpkg\t3.4s" or
# "FAIL\tpkg [build failed]", "?   \tpkg\t[no test files]".
n_ok=$(grep -c $'^ok  \t' "$log" || true)
n_none=$(grep -c $'^?   \t' "$log" || true)
failed=$(failed_in "$log")
n_failed=$(wc -w <<<"$failed")

# The clock guard, after the normal run (whatever its outcome).
guard_pkgs=()
guard_runs=0
guard_failed=()
if [[ -n $guard_settings ]]; then
	if listing=$(go list -f '{{.ImportPath}}{{range .TestImports}} {{.}}{{end}}{{range .XTestImports}} {{.}}{{end}}' ./...); then
		# Not chaos: its run drives gongji processes on the real clock, so a
		# shifted test clock would only repeat the same minute-long run.
		mapfile -t guard_pkgs < <(awk '/ gongji\/internal\/testclock( |$)/ && $1 != "gongji/chaos" {print $1}' <<<"$listing")
	fi
	if ((${#guard_pkgs[@]} == 0)); then
		say "clock guard: found no package whose tests read gongji/internal/testclock"
		status=1
		guard_failed+=("(no packages)")
	fi
fi
if ((${#guard_pkgs[@]} > 0)); then
	for setting in $guard_settings; do
		say "clock guard: GONGJI_TEST_CLOCK=$setting go test ${guard_pkgs[*]}"
		guard_runs=$((guard_runs + 1))
		rc=0
		# Each line shown says which clock its run used.
		GONGJI_TEST_CLOCK=$setting go test -count=1 -timeout 12m ${flags[@]+"${flags[@]}"} "${guard_pkgs[@]}" 2>&1 |
			tee "$log" | sed "s/^/[GONGJI_TEST_CLOCK=$setting] /" || rc=${PIPESTATUS[0]}
		if ((rc != 0)); then
			status=$rc
			what=$(failed_in "$log")
			guard_failed+=("GONGJI_TEST_CLOCK=$setting: ${what:-go test exited with status $rc}")
		fi
	done
fi
elapsed=$((SECONDS - start))

guard=
if ((guard_runs > 0)); then
	guard=", clock guard ($guard_settings) on ${#guard_pkgs[@]} packages"
	if ((${#guard_failed[@]} == 0)); then
		guard+=" ok"
	else
		guard+=" FAILED at $(printf '%s; ' "${guard_failed[@]}" | sed 's/; $//')"
	fi
elif ((${#guard_failed[@]} > 0)); then
	guard=", clock guard FAILED: no package's tests read the test clock"
fi

if ((status == 0)); then
	echo "make test: PASS: $n_ok packages ok, $n_none without tests$guard, in ${elapsed}s"
elif ((n_failed > 0)); then
	echo "make test: FAIL: $n_failed packages failed ($failed), $n_ok ok, $n_none without tests$guard, in ${elapsed}s"
elif ((${#guard_failed[@]} > 0)); then
	echo "make test: FAIL: $n_ok packages ok, $n_none without tests$guard, in ${elapsed}s"
else
	echo "make test: FAIL: go test exited with status $status ($n_ok packages ok)$guard, in ${elapsed}s"
fi
exit "$status"

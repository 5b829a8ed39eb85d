#!/usr/bin/env bash
# `make run`: everything for local development in one terminal.
#
# Builds bin/gongji; starts a Temporal dev server (UI on http://127.0.0.1:8233,
# state in .data/temporal.db, log in .data/temporal.log) unless
# TEMPORAL_ADDRESS is set or something already listens on 127.0.0.1:7233;
# picks the database with scripts/postgres.sh (DATABASE_URL, else the server
# on 127.0.0.1:5432, else a private cluster in .data/pg); uses a development
# GONGJI_JWT_SECRET kept in .data/jwt-secret unless one is set; then runs
# `gongji dev` (migrate, seed, worker and API; it prints the API URL and
# tokens). TEMPORAL_DEV_PORT and TEMPORAL_DEV_UI_PORT move the dev server off
# 7233/8233. Ctrl-C or SIGTERM stops it and then whatever this script started,
# and nothing else.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/postgres.sh
source "$ROOT/scripts/postgres.sh"

DATA=$ROOT/.data
TEMPORAL_CLI=${TEMPORAL_CLI:-$ROOT/bin/temporal}
# Ports of the Temporal dev server this script starts (override if taken).
t_port=${TEMPORAL_DEV_PORT:-7233}
t_ui_port=${TEMPORAL_DEV_UI_PORT:-8233}
temporal_pid=
dev_pid=

say() { printf 'run.sh: %s\n' "$*" >&2; }

# stop_pid PID NAME SECONDS: SIGTERM PID, wait up to SECONDS, then SIGKILL.
stop_pid() {
	local pid=$1 name=$2 i
	kill -0 "$pid" 2>/dev/null || {
		wait "$pid" 2>/dev/null || true
		return 0
	}
	say "stopping $name (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < $3 * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		say "$name did not stop within $3 s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$?
	trap '' INT TERM HUP # finish stopping things even on a second Ctrl-C
	trap - EXIT
	if [[ -n $dev_pid ]]; then stop_pid "$dev_pid" "gongji dev" 30; fi
	if [[ -n $temporal_pid ]]; then stop_pid "$temporal_pid" "Temporal dev server" 15; fi
	pg_cleanup
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

mkdir -p "$DATA"

say "building bin/gongji"
go build -o bin/gongji ./cmd/gongji

# Temporal.
temporal_ui=
if [[ -n ${TEMPORAL_ADDRESS:-} ]]; then
	say "using Temporal at TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS"
elif pg_port_open 127.0.0.1 "$t_port"; then
	say "something already listens on 127.0.0.1:$t_port; assuming it is a Temporal server and using it"
	export TEMPORAL_ADDRESS=127.0.0.1:$t_port
	temporal_ui="http://127.0.0.1:$t_ui_port (if that server is a dev server with its UI there)"
else
	[[ -x $TEMPORAL_CLI ]] || {
		say "error: $TEMPORAL_CLI not found: run \`make bin/temporal\` or set TEMPORAL_CLI or TEMPORAL_ADDRESS"
		exit 1
	}
	say "starting the Temporal dev server (log: $DATA/temporal.log)"
	"$TEMPORAL_CLI" server start-dev --ip 127.0.0.1 --port "$t_port" --ui-port "$t_ui_port" \
		--db-filename "$DATA/temporal.db" --log-level warn \
		--dynamic-config-value system.enableActivityEagerExecution=true \
		--namespace "${TEMPORAL_NAMESPACE:-default}" >"$DATA/temporal.log" 2>&1 </dev/null &
	temporal_pid=$!
	for ((i = 0; ; i++)); do
		if pg_port_open 127.0.0.1 "$t_port"; then break; fi
		if ! kill -0 "$temporal_pid" 2>/dev/null; then
			wait "$temporal_pid" || true
			temporal_pid=
			tail -n 20 "$DATA/temporal.log" >&2 || true
			say "error: the Temporal dev server exited; see $DATA/temporal.log"
			exit 1
		fi
		if ((i >= 120)); then
			tail -n 20 "$DATA/temporal.log" >&2 || true
			say "error: the Temporal dev server did not accept connections on 127.0.0.1:$t_port within 60 s; see $DATA/temporal.log"
			exit 1
		fi
		sleep 0.5
	done
	export TEMPORAL_ADDRESS=127.0.0.1:$t_port
	temporal_ui=http://127.0.0.1:$t_ui_port
fi

# PostgreSQL.
pg_select_database

# A development JWT secret that survives restarts, so printed tokens keep working.
if [[ -z ${GONGJI_JWT_SECRET:-} ]]; then
	secret_file=$DATA/jwt-secret
	if [[ ! -s $secret_file ]] || (($(wc -c <"$secret_file") < 32)); then
		(
			umask 077
			od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$secret_file"
		)
		say "generated a development GONGJI_JWT_SECRET in $secret_file"
	fi
	GONGJI_JWT_SECRET=$(<"$secret_file")
	export GONGJI_JWT_SECRET
fi

export GONGJI_LOG_FORMAT=${GONGJI_LOG_FORMAT:-text}

if [[ -n $temporal_ui ]]; then
	say "Temporal UI: $temporal_ui"
	export GONGJI_TEMPORAL_UI_URL=${GONGJI_TEMPORAL_UI_URL:-$temporal_ui}
fi

# In the background so that a SIGTERM to this script reaches the trap at once
# (bash defers traps while a foreground child runs); cleanup forwards it.
bin/gongji dev &
dev_pid=$!
wait "$dev_pid"

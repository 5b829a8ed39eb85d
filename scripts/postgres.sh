#!/usr/bin/env bash
# Picks the PostgreSQL database for local development and, when no server is
# available, runs a private throwaway cluster under .data/.
#
# Source it (scripts/run.sh and scripts/test.sh do) and call:
#   pg_select_database     export DATABASE_URL: (a) as already set, else
#                          (b) the server on 127.0.0.1:5432 if we can log in
#                          to it (see pg_login_ok), else (c) a private cluster
#                          in .data/pg on 127.0.0.1:55432, started here.
#   pg_cluster_start DIR PORT [postgres -c settings...]
#                          init (once) and start a private cluster in DIR.
#   pg_cluster_stop DIR    stop the cluster in DIR if it runs.
#   pg_cleanup             stop whatever cluster pg_select_database or
#                          pg_cluster_start started in this shell, nothing else.
#   pg_port_open HOST PORT true if HOST:PORT accepts TCP connections.
#   pg_login_ok HOST PORT  true if psql can log in there as postgres without a
#                          password prompt (the TCP probe when psql is absent).
#   pg_free_port FROM      print the first port >= FROM nothing listens on.
#
# Or run it: scripts/postgres.sh select|start|stop|status (see usage below).
#
# Environment: DATABASE_URL; PG_PROBE_HOST/PG_PROBE_PORT (default
# 127.0.0.1:5432; only the probe in (b) uses them, e.g. PG_PROBE_PORT=1 to
# force the private cluster); PG_PORT (default 55432); PG_DATA_DIR (default
# .data/pg); PG_LOG (default .data/pg.log); PG_BINDIR (where initdb and
# pg_ctl are; found otherwise); PG_RUN_AS (system user owning the cluster
# when running as root; default postgres).

set -euo pipefail

PG_REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_STARTED_DIRS=()

pg_log() { printf 'postgres.sh: %s\n' "$*" >&2; }
pg_die() {
	pg_log "error: $*"
	return 1
}

# pg_port_open HOST PORT: does HOST:PORT accept a TCP connection (2 s max)?
pg_port_open() {
	local host=$1 port=$2
	if command -v timeout >/dev/null 2>&1; then
		# shellcheck disable=SC2016 # $1 and $2 are expanded by the inner bash
		timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2>/dev/null
	else
		(exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
	fi
}

# pg_login_ok HOST PORT: can we log in to HOST:PORT as postgres (database
# postgres, no password prompt) and run a query? An open port alone is not
# enough: the server may want a password we do not have, or be another
# program. Without psql, falls back to the TCP probe.
pg_login_ok() {
	local host=$1 port=$2 url
	if ! command -v psql >/dev/null 2>&1; then
		pg_port_open "$host" "$port"
		return
	fi
	url="postgres://postgres@$host:$port/postgres?sslmode=disable&connect_timeout=2"
	if command -v timeout >/dev/null 2>&1; then
		timeout 5 psql -X -w -q -A -t "$url" -c 'select 1' >/dev/null 2>&1
	else
		psql -X -w -q -A -t "$url" -c 'select 1' >/dev/null 2>&1
	fi
}

# pg_free_port FROM: first port from FROM on that 127.0.0.1 refuses.
pg_free_port() {
	local port=$1 last=$(($1 + 200))
	while ((port <= last)); do
		if ! pg_port_open 127.0.0.1 "$port"; then
			echo "$port"
			return 0
		fi
		port=$((port + 1))
	done
	pg_die "no free TCP port in $1..$last"
}

# pg_find_bindir [MAJOR]: directory holding initdb and pg_ctl, preferring
# MAJOR (the version of an existing cluster) when given.
pg_find_bindir() {
	local want=${1:-} d
	if [[ -n ${PG_BINDIR:-} ]]; then
		[[ -x $PG_BINDIR/initdb && -x $PG_BINDIR/pg_ctl ]] ||
			pg_die "PG_BINDIR=$PG_BINDIR has no initdb/pg_ctl" || return
		echo "$PG_BINDIR"
		return 0
	fi
	if [[ -n $want && -x /usr/lib/postgresql/$want/bin/initdb ]]; then
		echo "/usr/lib/postgresql/$want/bin"
		return 0
	fi
	if d=$(command -v initdb 2>/dev/null) && [[ -n $d ]]; then
		d=$(dirname "$d")
		if [[ -x $d/pg_ctl ]]; then
			echo "$d"
			return 0
		fi
	fi
	if command -v pg_config >/dev/null 2>&1 && d=$(pg_config --bindir 2>/dev/null) &&
		[[ -x $d/initdb && -x $d/pg_ctl ]]; then
		echo "$d"
		return 0
	fi
	# Newest version first.
	d=$(printf '%s\n' /usr/lib/postgresql/*/bin /usr/pgsql-*/bin /usr/local/pgsql/bin |
		sort -rV | while read -r dir; do
			if [[ -x $dir/initdb && -x $dir/pg_ctl ]]; then
				echo "$dir"
				break
			fi
		done)
	[[ -n $d ]] || pg_die "initdb/pg_ctl not found (not on PATH, not in /usr/lib/postgresql/*/bin); install PostgreSQL server binaries or set PG_BINDIR" || return
	echo "$d"
}

# pg_as_owner CMD...: run CMD as the cluster owner (PG_RUN_AS when we are
# root, since initdb and postgres refuse to run as root; ourselves otherwise).
pg_as_owner() {
	if [[ $(id -u) -ne 0 ]]; then
		"$@"
		return
	fi
	local user=${PG_RUN_AS:-postgres}
	if command -v runuser >/dev/null 2>&1; then
		runuser -u "$user" -- "$@"
	else
		local q
		printf -v q '%q ' "$@"
		su -s /bin/sh "$user" -c "$q"
	fi
}

# pg_prepare_owner FILE|DIR...: when root, check PG_RUN_AS exists and give it
# the paths (creating them: DIR if it ends in /, else an empty FILE).
pg_prepare_owner() {
	local p user=${PG_RUN_AS:-postgres}
	if [[ $(id -u) -eq 0 ]] && ! getent passwd "$user" >/dev/null 2>&1; then
		pg_die "running as root, and PostgreSQL refuses to run as root, but there is no '$user' system user to run the private cluster as; create one (e.g. useradd --system $user), set PG_RUN_AS to another unprivileged user, set DATABASE_URL, or run as a normal user"
		return 1
	fi
	for p in "$@"; do
		if [[ $p == */ ]]; then mkdir -p "$p"; else touch "$p"; fi
	done
	[[ $(id -u) -eq 0 ]] || return 0
	chown "$user:" "$@"
	pg_as_owner test -w "${1%/}" ||
		pg_die "user '$user' cannot reach ${1%/} (is a parent directory closed to others, e.g. under /root?); set DATABASE_URL or move the checkout" || return
}

# pg_cluster_running DIR
pg_cluster_running() {
	local dir=$1 bindir
	[[ -f $dir/postmaster.pid ]] || return 1
	bindir=$(pg_find_bindir "$(cat "$dir/PG_VERSION" 2>/dev/null || true)") || return 1
	pg_as_owner "$bindir/pg_ctl" -D "$dir" status >/dev/null 2>&1
}

# pg_cluster_start DIR PORT [SETTING=VALUE...]: initdb DIR if needed, start a
# server listening on 127.0.0.1:PORT only (Unix socket in DIR), logging to
# $PG_LOG (default DIR.log). Records DIR for pg_cleanup when it started it.
pg_cluster_start() {
	local dir=$1 port=$2
	shift 2
	[[ $dir == /* ]] || dir=$PWD/$dir
	local logfile=${PG_LOG:-$dir.log} bindir opts setting sock=$dir
	[[ $dir != *"'"* && $dir != *'"'* ]] || pg_die "cluster path must not contain quotes: $dir" || return
	mkdir -p "$(dirname "$dir")"

	bindir=$(pg_find_bindir "$(cat "$dir/PG_VERSION" 2>/dev/null || true)") || return

	if pg_cluster_running "$dir"; then
		pg_log "private cluster in $dir is already running (left over from an earlier run?); using it and leaving it running (stop it with: scripts/postgres.sh stop)"
		return 0
	fi
	if pg_port_open 127.0.0.1 "$port"; then
		pg_die "port 127.0.0.1:$port is taken by another program; free it, set PG_PORT, or set DATABASE_URL" || return
	fi

	if [[ ! -f $dir/PG_VERSION ]]; then
		if [[ -d $dir ]] && [[ -n $(ls -A "$dir") ]]; then
			pg_die "$dir exists but holds no PostgreSQL cluster; remove it" || return
		fi
		pg_prepare_owner "$dir/" || return
		pg_log "creating private cluster in $dir with $bindir/initdb"
		if ! (cd "$dir" && pg_as_owner "$bindir/initdb" -D "$dir" --auth=trust -U postgres \
			--encoding=UTF8 --no-locale >"$dir.initdb.log" 2>&1); then
			cat "$dir.initdb.log" >&2 || true
			pg_die "initdb failed" || return
		fi
	fi
	chmod 700 "$dir"
	pg_prepare_owner "$logfile" || return

	# Unix socket paths are limited to ~107 bytes; fall back to TCP only.
	if ((${#sock} + 20 > 107)); then sock=; fi
	opts="-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$sock'"
	for setting in "$@"; do opts+=" -c $setting"; done

	pg_log "starting private cluster in $dir ($bindir) on 127.0.0.1:$port (log: $logfile)"
	if ! (cd "$dir" && pg_as_owner "$bindir/pg_ctl" -D "$dir" -l "$logfile" -o "$opts" -w -t 60 start >/dev/null); then
		tail -n 20 "$logfile" >&2 || true
		pg_die "could not start PostgreSQL in $dir; see $logfile" || return
	fi
	PG_STARTED_DIRS+=("$dir")
}

# pg_cluster_stop DIR: fast shutdown of the cluster in DIR if it runs.
pg_cluster_stop() {
	local dir=$1 bindir
	[[ $dir == /* ]] || dir=$PWD/$dir
	pg_cluster_running "$dir" || return 0
	bindir=$(pg_find_bindir "$(cat "$dir/PG_VERSION" 2>/dev/null || true)") || return
	pg_log "stopping private cluster in $dir"
	(cd "$dir" && pg_as_owner "$bindir/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null)
}

# pg_cleanup: stop the clusters this shell started, newest first.
pg_cleanup() {
	local i
	for ((i = ${#PG_STARTED_DIRS[@]} - 1; i >= 0; i--)); do
		pg_cluster_stop "${PG_STARTED_DIRS[i]}" || pg_log "warning: could not stop ${PG_STARTED_DIRS[i]}"
	done
	PG_STARTED_DIRS=()
}

# pg_select_database: export DATABASE_URL (see the top of this file).
pg_select_database() {
	local probe_host=${PG_PROBE_HOST:-127.0.0.1} probe_port=${PG_PROBE_PORT:-5432}
	local port=${PG_PORT:-55432}
	if [[ -n ${DATABASE_URL:-} ]]; then
		pg_log "using DATABASE_URL from the environment"
	elif pg_login_ok "$probe_host" "$probe_port"; then
		export DATABASE_URL="postgres://postgres@127.0.0.1:5432/gongji?sslmode=disable"
		pg_log "using the PostgreSQL server on 127.0.0.1:5432"
	else
		if pg_port_open "$probe_host" "$probe_port"; then
			pg_log "$probe_host:$probe_port is open but does not let us log in as postgres without a password; using a private cluster"
		else
			pg_log "nothing listens on $probe_host:$probe_port; using a private cluster"
		fi
		PG_LOG=${PG_LOG:-$PG_REPO_ROOT/.data/pg.log} \
			pg_cluster_start "${PG_DATA_DIR:-$PG_REPO_ROOT/.data/pg}" "$port" || return
		export DATABASE_URL="postgres://postgres@127.0.0.1:$port/gongji?sslmode=disable"
	fi
}

pg_main() {
	local dir=${PG_DATA_DIR:-$PG_REPO_ROOT/.data/pg}
	case ${1:-} in
	select)
		# Leaves a private cluster running; stop it with `stop`.
		pg_select_database
		echo "$DATABASE_URL"
		;;
	start)
		PG_LOG=${PG_LOG:-$PG_REPO_ROOT/.data/pg.log} pg_cluster_start "$dir" "${PG_PORT:-55432}"
		echo "postgres://postgres@127.0.0.1:${PG_PORT:-55432}/gongji?sslmode=disable"
		;;
	stop) pg_cluster_stop "$dir" ;;
	status)
		if pg_cluster_running "$dir"; then echo "running: $dir"; else
			echo "not running: $dir"
			return 3
		fi
		;;
	*)
		cat >&2 <<-EOF
			usage: scripts/postgres.sh select|start|stop|status
			  select  print the DATABASE_URL \`make run\` would use (starting the private cluster if needed)
			  start   start the private cluster (PG_DATA_DIR, default .data/pg) on PG_PORT (default 55432)
			  stop    stop the private cluster
			  status  tell whether the private cluster runs
		EOF
		return 2
		;;
	esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	pg_main "$@"
fi

#!/usr/bin/env bash
# Starts a project-local PostgreSQL primary and a hot standby streaming
# from it (pg_basebackup -R), from the machine's PostgreSQL binaries, and
# prints their admin URLs on stdout, "PRIMARY_URL REPLICA_URL" (that line
# only); diagnostics go to stderr. The tests of READ_DATABASE_URL use them
# (SQI_TEST_PRIMARY_URL, SQI_TEST_REPLICA_URL, set by scripts/test.sh).
#
#   scripts/replica.sh        print the URLs, creating and starting the pair if needed
#   scripts/replica.sh stop   stop both
#
# Both are throwaways in .tmp/replica/ (or under /tmp when the postgres user
# cannot reach the repository): trust auth, 127.0.0.1 only, fsync off.
# SQI_REPLICA_PORT picks the primary's first-choice port (default 56432);
# the standby takes the next free one.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

log() { printf 'replica.sh: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

url_for() { printf 'postgres://postgres@127.0.0.1:%s/postgres?sslmode=disable' "$1"; }
port_open() { (: </dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

base_dir() {
	local dir=$ROOT/.tmp/replica
	if [[ $EUID -eq 0 ]] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$ROOT"; then
		dir=/tmp/sqi-replica-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)
	fi
	echo "$dir"
}

as_pg() {
	if [[ $EUID -eq 0 ]]; then
		(cd / && runuser -u postgres -- "$@")
	else
		(cd / && "$@")
	fi
}

bin_dir() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
	[[ -n $d && -x $d/initdb && -x $d/pg_basebackup ]] || return 1
	echo "$d"
}

running() { [[ -f $2/postmaster.pid ]] && as_pg "$1/pg_ctl" -D "$2" status >/dev/null 2>&1; }

free_port() {
	local p=$1
	while port_open "$p"; do
		p=$((p + 1))
		((p < $1 + 50)) || die "no free port from $1"
	done
	echo "$p"
}

start_one() { # bin data port
	local sock=$BASE/sock
	as_pg "$1/pg_ctl" -D "$2" -l "$2.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -c port=$3 -c unix_socket_directories='$sock'" \
		-o "-c fsync=off -c full_page_writes=off -c max_connections=100 -c hot_standby_feedback=on" \
		start >&2 9>&- || die "pg_ctl start failed; see $2.log"
}

main() {
	BASE=$(base_dir)
	local bin primary=$BASE/primary standby=$BASE/standby pport sport
	bin=$(bin_dir) || die "no PostgreSQL binaries (initdb, pg_basebackup) in /usr/lib/postgresql/*/bin: run scripts/pg.sh first, which installs them"

	if [[ ${1:-} == stop ]]; then
		for d in "$standby" "$primary"; do
			if running "$bin" "$d"; then as_pg "$bin/pg_ctl" -D "$d" -m fast -w stop >&2; fi
		done
		return
	fi
	[[ -z ${1:-} ]] || die "usage: scripts/replica.sh [stop]"

	mkdir -p "$BASE" "$BASE/sock"
	if [[ $EUID -eq 0 ]]; then chown postgres: "$BASE" "$BASE/sock"; fi
	chmod 700 "$BASE"
	exec 9>"$BASE/.lock"
	flock 9

	if [[ ! -f $primary/PG_VERSION ]]; then
		log "initialising a primary in $primary"
		rm -rf "$primary" "$standby"
		as_pg "$bin/initdb" -D "$primary" -U postgres --auth=trust -E UTF8 --locale=C >"$BASE/initdb.log" 2>&1 ||
			die "initdb failed; see $BASE/initdb.log"
		printf 'host replication postgres 127.0.0.1/32 trust\n' | as_pg tee -a "$primary/pg_hba.conf" >/dev/null
		printf "wal_level = replica\nmax_wal_senders = 5\n" | as_pg tee -a "$primary/postgresql.conf" >/dev/null
	fi
	if ! running "$bin" "$primary"; then
		pport=$(free_port "${SQI_REPLICA_PORT:-56432}")
		log "starting the primary on 127.0.0.1:$pport"
		start_one "$bin" "$primary" "$pport"
		echo "$pport" >"$BASE/primary.port"
	fi
	pport=$(cat "$BASE/primary.port")

	if [[ ! -f $standby/PG_VERSION ]]; then
		log "copying the standby from the primary (pg_basebackup -R)"
		as_pg "$bin/pg_basebackup" -h 127.0.0.1 -p "$pport" -U postgres -D "$standby" -R -X stream -c fast >&2 ||
			die "pg_basebackup failed"
	fi
	if ! running "$bin" "$standby"; then
		sport=$(free_port $((pport + 1)))
		log "starting the standby on 127.0.0.1:$sport"
		start_one "$bin" "$standby" "$sport"
		echo "$sport" >"$BASE/standby.port"
	fi
	sport=$(cat "$BASE/standby.port")
	printf '%s %s\n' "$(url_for "$pport")" "$(url_for "$sport")"
}

main "$@"

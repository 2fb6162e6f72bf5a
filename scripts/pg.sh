#!/usr/bin/env bash
# Ensures a PostgreSQL server is reachable and prints its admin URL on
# stdout (that line only); diagnostics go to stderr.
#
#   scripts/pg.sh        print the admin URL, starting a server if needed
#   scripts/pg.sh stop   stop the project-local cluster, if one runs
#
# Order: a project-local cluster that already runs is reused; otherwise a
# server on 127.0.0.1:5432 that lets user postgres in without a password is
# used; otherwise a project-local cluster is created and started from the
# machine's PostgreSQL binaries (installing Debian's postgresql package when
# there are none). SQI_PG_LOCAL=1 skips the 5432 probe; SQI_PG_PORT picks the
# local cluster's first-choice port (default 55432).
#
# The local cluster lives in .pgdata/ (data/, server.log, its unix socket)
# and is a throwaway: trust auth, listening on 127.0.0.1 only, fsync off.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

log() { printf 'pg.sh: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

url_for() { printf 'postgres://postgres@127.0.0.1:%s/postgres?sslmode=disable\n' "$1"; }

# port_open reports whether something accepts TCP connections on 127.0.0.1:$1.
port_open() { (: </dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

# find_psql prints a psql binary, from PATH or the PostgreSQL install.
find_psql() {
	if command -v psql >/dev/null 2>&1; then
		command -v psql
		return
	fi
	local p
	for p in /usr/lib/postgresql/*/bin/psql; do
		[[ -x $p ]] && { echo "$p"; return; }
	done
	return 1
}

# system_url prints the URL of the server on 127.0.0.1:5432 if user postgres
# can connect to it without a password.
system_url() {
	local url psql
	url=$(url_for 5432)
	port_open 5432 || return 1
	if psql=$(find_psql); then
		PGCONNECT_TIMEOUT=5 "$psql" -X -w -Atq "$url" -c 'select 1' >/dev/null 2>&1 || {
			log "a server answers on 127.0.0.1:5432 but user postgres cannot log in without a password; using a local cluster"
			return 1
		}
	else
		log "a server answers on 127.0.0.1:5432; no psql to check the login, assuming trust auth"
	fi
	echo "$url"
}

# The local cluster's files. The postgres OS user must reach them, which it
# cannot inside a root-only home (/root/...): then they go under /tmp, at a
# path derived from the repository's so that every call finds the same one.
pg_root() {
	local dir=$ROOT/.pgdata
	if [[ $EUID -eq 0 ]] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$ROOT"; then
		dir=/tmp/sqi-pgdata-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)
	fi
	echo "$dir"
}

# as_pg runs a command as the postgres OS user when we are root (initdb
# refuses root), from / so that an unreadable working directory is no issue.
as_pg() {
	if [[ $EUID -eq 0 ]]; then
		(cd / && runuser -u postgres -- "$@")
	else
		(cd / && "$@")
	fi
}

# bin_dir prints the directory of the PostgreSQL binaries: those matching an
# existing cluster's version, else the newest installed; it fails quietly
# when there are none.
bin_dir() {
	local data=$1 v d
	if [[ -f $data/PG_VERSION ]]; then
		v=$(cat "$data/PG_VERSION")
		d=/usr/lib/postgresql/$v/bin
		[[ -x $d/pg_ctl ]] || return 1
		echo "$d"
		return
	fi
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
	[[ -n $d && -x $d/initdb ]] || return 1
	echo "$d"
}

install_postgres() {
	[[ $EUID -eq 0 ]] || die "no PostgreSQL binaries in /usr/lib/postgresql; install Debian's postgresql package (needs root)"
	log "no PostgreSQL binaries found; installing Debian's postgresql package"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update >&2 || die "apt-get update failed"
	apt-get install -y --no-install-recommends postgresql >&2 || die "apt-get install postgresql failed"
}

ensure_postgres_user() {
	[[ $EUID -eq 0 ]] || return 0
	id postgres >/dev/null 2>&1 && return 0
	log "creating system user postgres"
	useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home --shell /bin/bash postgres ||
		die "could not create user postgres"
}

running() { [[ -f $2/postmaster.pid ]] && as_pg "$1/pg_ctl" -D "$2" status >/dev/null 2>&1; }

start_local() {
	local root data bin port
	root=$(pg_root)
	data=$root/data

	if ! bin=$(bin_dir "$data"); then
		install_postgres
		bin=$(bin_dir "$data") || die "no binaries in /usr/lib/postgresql/*/bin for $data (made by PostgreSQL $(cat "$data/PG_VERSION" 2>/dev/null || echo -)) after installing postgresql"
	fi
	ensure_postgres_user
	# The user may only now exist, which can move the root out of a home.
	root=$(pg_root)
	data=$root/data

	mkdir -p "$root"
	if [[ $EUID -eq 0 ]]; then
		chown postgres:postgres "$root"
	fi
	chmod 700 "$root"

	# One caller at a time creates and starts the cluster. The server must not
	# inherit fd 9, or it would hold the lock for as long as it runs.
	exec 9>"$root/.lock"
	flock 9

	if running "$bin" "$data"; then
		url_for "$(cat "$root/port")"
		return
	fi

	if [[ ! -f $data/PG_VERSION ]]; then
		log "initialising a local cluster in $data"
		rm -rf "$data"
		as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >"$root/initdb.log" 2>&1 ||
			die "initdb failed; see $root/initdb.log"
	fi

	port=${SQI_PG_PORT:-55432}
	while port_open "$port"; do
		port=$((port + 1))
		((port < ${SQI_PG_PORT:-55432} + 50)) || die "no free port from ${SQI_PG_PORT:-55432}"
	done

	# A unix socket path is limited to ~107 bytes; fall back to /tmp.
	local sock=$root
	if ((${#sock} > 90)); then
		sock=/tmp/sqi-pgsock-$(printf '%s' "$root" | cksum | cut -d' ' -f1)
		mkdir -p "$sock"
		if [[ $EUID -eq 0 ]]; then
			chown postgres:postgres "$sock"
		fi
	fi

	log "starting the local cluster on 127.0.0.1:$port (log: $root/server.log)"
	as_pg "$bin/pg_ctl" -D "$data" -l "$root/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$sock'" \
		-o "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
		start >&2 9>&- || die "pg_ctl start failed; see $root/server.log"
	echo "$port" >"$root/port"
	url_for "$port"
}

stop_local() {
	local root data bin
	root=$(pg_root)
	data=$root/data
	if [[ ! -f $data/postmaster.pid ]]; then
		log "no local cluster running"
		return
	fi
	bin=$(bin_dir "$data") || die "no PostgreSQL $(cat "$data/PG_VERSION") binaries in /usr/lib/postgresql to stop $data with"
	if running "$bin" "$data"; then
		as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >&2
	else
		log "no local cluster running"
	fi
}

main() {
	case ${1:-} in
	"" | start) ;;
	stop)
		stop_local
		return
		;;
	*) die "usage: scripts/pg.sh [stop]" ;;
	esac

	local root data bin
	root=$(pg_root)
	data=$root/data
	if [[ -f $root/port ]] && bin=$(bin_dir "$data" 2>/dev/null) && running "$bin" "$data"; then
		url_for "$(cat "$root/port")"
		return
	fi
	if [[ ${SQI_PG_LOCAL:-} != 1 ]] && system_url; then
		return
	fi
	start_local
}

main "$@"

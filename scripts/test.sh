#!/usr/bin/env bash
# Runs the whole test suite: gofmt, go vet, go test against a real
# PostgreSQL (scripts/pg.sh), a primary with a streaming standby
# (scripts/replica.sh), Mailpit and a headless Chromium (the web app's
# browser tests: Debian's chromium, installed when absent), then `make
# demo` on a database of its own, so that a user's first command cannot
# break unnoticed.
#
#   scripts/test.sh                       everything, the demo included
#   scripts/test.sh -run X ./metrics/     extra args go to go test; ./... is
#                                         added when no package is named;
#                                         with arguments the demo is not run
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v go >/dev/null 2>&1 || export PATH=$PATH:/usr/local/go/bin

die() {
	printf 'test.sh: error: %s\n' "$*" >&2
	exit 1
}

# ensure_mailpit installs the pinned Mailpit when absent and exports
# SQI_MAILPIT_BIN for the tests that send mail.
ensure_mailpit() {
	local bin_dir gopath
	bin_dir=$(go env GOBIN)
	if [[ -z $bin_dir ]]; then
		gopath=$(go env GOPATH)
		bin_dir=${gopath%%:*}/bin
	fi
	if [[ ! -x $bin_dir/mailpit ]]; then
		echo "test.sh: installing mailpit into $bin_dir" >&2
		GOBIN=$bin_dir go install github.com/axllent/mailpit@v1.27.11 ||
			die "go install github.com/axllent/mailpit@v1.27.11 failed; tests that send mail need it"
		[[ -x $bin_dir/mailpit ]] || die "mailpit is not in $bin_dir after go install"
	fi
	export SQI_MAILPIT_BIN=$bin_dir/mailpit
}

# ensure_duckdb installs the pinned DuckDB for Node (@duckdb/node-api, from
# the npm registry: the engine ships inside the package) into .tmp/duckdb
# when absent, and exports SQI_DUCKDB_NODE_PATH for the test that reads the
# API's Parquet with DuckDB (api/duckdb_test.go).
ensure_duckdb() {
	local dir=.tmp/duckdb version=1.5.6-r.1
	command -v node >/dev/null 2>&1 || die "node is missing: the DuckDB test needs Node.js (apt-get install nodejs npm)"
	if [[ ! -f $dir/node_modules/@duckdb/node-api/package.json ]] ||
		! grep -q "\"version\": \"$version\"" "$dir/node_modules/@duckdb/node-api/package.json"; then
		echo "test.sh: installing @duckdb/node-api@$version into $dir" >&2
		mkdir -p "$dir"
		npm install --silent --no-audit --no-fund --prefix "$dir" "@duckdb/node-api@$version" >&2 ||
			die "npm install @duckdb/node-api@$version failed; the DuckDB test needs it"
	fi
	SQI_DUCKDB_NODE_PATH=$(cd "$dir/node_modules" && pwd)
	export SQI_DUCKDB_NODE_PATH
}

# ensure_chromium finds a Chromium for the web app's browser tests
# (web/browser_test.go, driven with chromedp), installing Debian's chromium
# when absent, and exports SQI_CHROMIUM_BIN.
ensure_chromium() {
	local bin=${SQI_CHROMIUM_BIN:-}
	if [[ -z $bin ]]; then
		bin=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
	fi
	if [[ -z $bin ]]; then
		if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
			echo "test.sh: installing chromium (Debian) for the web app's browser tests" >&2
			DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2 ||
				{ apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2; } ||
				die "apt-get install chromium failed; the web app's browser tests need it"
		elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
			echo "test.sh: installing chromium (Debian, with sudo) for the web app's browser tests" >&2
			sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2 ||
				die "sudo apt-get install chromium failed; the web app's browser tests need it"
		fi
		bin=$(command -v chromium || command -v chromium-browser || true)
	fi
	[[ -n $bin && -x $bin ]] || die "no Chromium: install Debian's chromium (apt-get install chromium) or set SQI_CHROMIUM_BIN"
	export SQI_CHROMIUM_BIN=$bin
}

# check_gofmt fails listing the files gofmt would change. Hidden top-level
# directories (.git, .pgdata, .tmp) are not ours to format.
check_gofmt() {
	local files
	files=$(find . -path './.*' -prune -o -name '*.go' -print | xargs -r gofmt -l)
	if [[ -n $files ]]; then
		printf 'test.sh: gofmt needed (run make fmt):\n%s\n' "$files" >&2
		exit 1
	fi
}

url=$(scripts/pg.sh) || die "scripts/pg.sh found no PostgreSQL"
export SQI_TEST_DATABASE_URL=$url
# A primary and a streaming hot standby of the tests' own, for
# READ_DATABASE_URL (cmd/sqi/replica_test.go).
read -r SQI_TEST_PRIMARY_URL SQI_TEST_REPLICA_URL < <(scripts/replica.sh) ||
	die "scripts/replica.sh could not start a primary and a standby"
[[ -n $SQI_TEST_REPLICA_URL ]] || die "scripts/replica.sh printed no standby URL"
export SQI_TEST_PRIMARY_URL SQI_TEST_REPLICA_URL
ensure_mailpit
ensure_duckdb
ensure_chromium

check_gofmt
go vet ./...

# run_demo runs `make demo` on a database of its own (dropped afterwards)
# and its output into a directory of its own, with DATABASE_URL,
# SOURCE_DATABASE_URL, SMTP_URL and HTTP_ADDR set to garbage as a user's
# shell might hold them: the demo must set everything it uses. Its output
# is shown when it fails.
run_demo() {
	local db dir start rc=0
	db=sqi_demo_ci_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
	dir=$(mktemp -d "${TMPDIR:-/tmp}/sqi-demo.XXXXXX")
	# shellcheck disable=SC2064 # expand now: the trap runs after locals are gone
	trap "drop_demo '$url' '$db'; rm -rf '$dir'" EXIT
	echo "test.sh: make demo on database $db" >&2
	start=$SECONDS
	DEMO_DATABASE=$db DEMO_OUT=$dir/out \
		DATABASE_URL='postgres://nobody:wrong@127.0.0.1:1/nothing' SOURCE_DATABASE_URL='not a url' \
		SMTP_URL='smtp://127.0.0.1:1' HTTP_ADDR='nowhere' \
		make --no-print-directory demo >"$dir/demo.log" 2>&1 || rc=$?
	if ((rc != 0)); then
		cat "$dir/demo.log" >&2
		die "make demo failed (exit $rc) after $((SECONDS - start)) s; its output is above"
	fi
	echo "test.sh: make demo passed in $((SECONDS - start)) s" >&2
}

# drop_demo drops the demo's database.
drop_demo() {
	local psql
	psql=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n1 || true)
	[[ -n $psql ]] && "$psql" "$1" -qX -c "DROP DATABASE IF EXISTS $2 WITH (FORCE)" >/dev/null 2>&1 || true
}

has_pkg=false
for a in "$@"; do
	case $a in
	./* | ../* | /* | sqi | sqi/*) has_pkg=true ;;
	esac
done
demo=false
if (($# == 0)); then
	demo=true
fi
if ! $has_pkg; then
	set -- "$@" ./...
fi
started=$SECONDS
go test -count=1 "$@"
echo "test.sh: go test passed in $((SECONDS - started)) s" >&2
if $demo; then
	command -v make >/dev/null 2>&1 || die "make is missing (the demo runs as make demo): install it"
	run_demo
fi

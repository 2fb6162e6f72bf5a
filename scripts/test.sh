#!/usr/bin/env bash
# Runs the whole test suite: gofmt, go vet, then go test against a real
# PostgreSQL (scripts/pg.sh), a primary with a streaming standby
# (scripts/replica.sh) and Mailpit.
#
#   scripts/test.sh                       everything
#   scripts/test.sh -run X ./metrics/     extra args go to go test; ./... is
#                                         added when no package is named
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

check_gofmt
go vet ./...

has_pkg=false
for a in "$@"; do
	case $a in
	./* | ../* | /* | sqi | sqi/*) has_pkg=true ;;
	esac
done
if ! $has_pkg; then
	set -- "$@" ./...
fi
go test -count=1 "$@"

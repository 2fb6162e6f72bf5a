#!/usr/bin/env bash
# Runs the main job end to end on a fresh demo database: PostgreSQL (the
# machine's, or a project-local cluster: scripts/pg.sh), migrations, three
# demo tenants, a week of synthetic events, the ETL, an SQI table per
# tenant, a daily Excel report, and the API (sqi serve, queried with curl,
# then stopped). Safe to run again: it recreates the demo database each time.
#
# It depends on nothing in the caller's environment: every sqi command runs
# with only PATH, HOME and the variables set here (DATABASE_URL of the demo
# database; HTTP_ADDR for serve), so a DATABASE_URL, SOURCE_DATABASE_URL or
# SMTP_URL exported in the shell is never used, and no e-mail is sent.
#
#   scripts/demo.sh                       (make demo)
#   DEMO_ROOMS=5000 scripts/demo.sh       rooms per tenant per day (default 2000)
#   DEMO_DATABASE=name scripts/demo.sh    the database to (re)create (default sqi_demo)
#   DEMO_OUT=dir scripts/demo.sh          where the report and the server log go (default out)
#   DEMO_WEB_ADDR=host:port scripts/demo.sh   the address the final message tells the server to
#                                         listen on, and its sign-in link's (default 127.0.0.1:8080)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v go >/dev/null 2>&1 || export PATH=$PATH:/usr/local/go/bin

db=${DEMO_DATABASE:-sqi_demo}
rooms=${DEMO_ROOMS:-2000}
out=${DEMO_OUT:-out}
days=7

[[ $db =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "demo.sh: DEMO_DATABASE=$db: use lowercase letters, digits and _" >&2; exit 2; }
[[ $rooms =~ ^[1-9][0-9]*$ ]] || { echo "demo.sh: DEMO_ROOMS=$rooms: give a number of rooms" >&2; exit 2; }

# libpq's variables would change what psql connects to.
unset "${!PG@}" 2>/dev/null || true

step_name=
step() {
	step_name=$*
	printf '\n== %s\n' "$*"
}
serve_pid=
serve_log=
cleanup() {
	local rc=$?
	if [[ -n $serve_pid ]]; then
		kill "$serve_pid" 2>/dev/null || true
		wait "$serve_pid" 2>/dev/null || true
	fi
	if ((rc != 0)); then
		echo "demo.sh: FAILED at step: $step_name (exit $rc)" >&2
		if [[ -n $serve_log && -s $serve_log ]]; then
			echo "demo.sh: the last lines of $serve_log:" >&2
			tail -n 20 "$serve_log" >&2
		fi
	fi
}
trap cleanup EXIT

# need installs a missing command from Debian when we may (root), else
# says what to install.
need() {
	local cmd=$1 pkg=$2
	command -v "$cmd" >/dev/null 2>&1 && return
	if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
		echo "demo.sh: installing $pkg for $cmd" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$pkg" >&2 ||
			{ apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$pkg" >&2; }
	fi
	command -v "$cmd" >/dev/null 2>&1 || { echo "demo.sh: $cmd is missing: install $pkg" >&2; exit 1; }
}

step "PostgreSQL"
admin=$(scripts/pg.sh)
psql=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n1 || true)
[[ -n $psql ]] || { need psql postgresql-client; psql=$(command -v psql); }
need curl curl
# scripts/pg.sh prints postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable.
demo_url=${admin/\/postgres\?//$db?}
"$psql" "$admin" -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
echo "DATABASE_URL=$demo_url"

step "build"
# The commit goes into the binary (sqi version) where git allows it.
go build -buildvcs=auto -o bin/sqi ./cmd/sqi 2>/dev/null || go build -buildvcs=false -o bin/sqi ./cmd/sqi
# sqi runs with the demo's environment only.
sqi() { env -i PATH="$PATH" HOME="${HOME:-/}" DATABASE_URL="$demo_url" bin/sqi "$@"; }
sqi version

step "migrate"
sqi migrate

step "tenants"
for f in scripts/demo/*.json; do
	sqi tenant put <"$f"
done

# The week that ends yesterday.
to=$(date -d yesterday +%F)
from=$(date -d "$to -$((days - 1)) days" +%F)

step "generate: 3 tenants × $days days × $rooms rooms a day ($from .. $to)"
sqi generate --tenants 3 --days "$days" --rooms-per-day "$rooms" --seed 1 --start "$from"

step "etl"
sqi etl --once
step "etl again (nothing new: reads nothing, changes nothing)"
sqi etl --once

step "tenants"
sqi tenant list

for t in acme globex initech; do
	step "SQI of $t by day, $from .. $to"
	sqi stats --tenant "$t" --from "$from" --to "$to" --group-by day --format table
	echo
	sqi stats --tenant "$t" --from "$from" --to "$to" --format table
done

step "initech in its business hours (weekdays 09:00-18:00): waits and replies counted in working time"
sqi stats --tenant initech --from "$from" --to "$to" --hours business --format table

step "acme by agent on $to (first rows)"
# awk reads to the end: a reader that stops early (head) would kill sqi
# with SIGPIPE under pipefail.
sqi stats --tenant acme --from "$to" --to "$to" --group-by agent --format table | awk 'NR <= 8'

step "daily report of acme for $to"
mkdir -p "$out"
sqi report daily --tenant acme --date "$to" --out "$out/acme-daily-$to.xlsx"

step "the API (sqi serve on a free port of 127.0.0.1, stopped at the end of the demo)"
serve_log=$out/serve.log
env -i PATH="$PATH" HOME="${HOME:-/}" DATABASE_URL="$demo_url" HTTP_ADDR=127.0.0.1:0 bin/sqi serve >"$serve_log" 2>&1 &
serve_pid=$!
addr=
for _ in $(seq 150); do
	kill -0 "$serve_pid" 2>/dev/null || { echo "demo.sh: sqi serve stopped" >&2; exit 1; }
	addr=$(grep -o '"msg":"sqi serve started","addr":"[^"]*"' "$serve_log" | sed 's/.*"addr":"//; s/"$//' || true)
	[[ -n $addr ]] && curl --noproxy '*' -fs "http://$addr/healthz" >/dev/null 2>&1 && break
	addr=
	sleep 0.2
done
[[ -n $addr ]] || { echo "demo.sh: sqi serve did not answer within 30 s" >&2; exit 1; }
base=http://$addr
api() { curl --noproxy '*' -sS "$@"; }

# The key is the only line on stdout; what it is goes to stderr.
key=$(sqi apikey create --tenant acme --role reader --name demo)
echo "reader key of acme: ${key:0:16}… (sqi apikey create prints it once)"

echo "\$ curl -H 'Authorization: Bearer …' '$base/v1/tenants/acme/sqi?from=$from&to=$to&group_by=channel&format=csv'   (its first 12 columns shown)"
api -f -H "Authorization: Bearer $key" "$base/v1/tenants/acme/sqi?from=$from&to=$to&group_by=channel&format=csv" | cut -d, -f1-12

echo "\$ curl $base/readyz"
api -f "$base/readyz"
echo

echo "\$ curl -H 'Authorization: Bearer …' '$base/v1/tenants/globex/sqi?...'   (another tenant: 404)"
code=$(api -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" "$base/v1/tenants/globex/sqi?from=$from&to=$to")
echo "$code"
[[ $code == 404 ]] || { echo "demo.sh: another tenant's data answered $code, not 404" >&2; exit 1; }

echo "\$ curl -H 'Authorization: Bearer …' -o $out/acme-api-$to.xlsx '$base/v1/tenants/acme/reports/daily/$to'"
api -f -H "Authorization: Bearer $key" -o "$out/acme-api-$to.xlsx" "$base/v1/tenants/acme/reports/daily/$to"
ls -l "$out/acme-daily-$to.xlsx" "$out/acme-api-$to.xlsx"

step "the web app (docs/web.md): a one-time sign-in link, then the Live page with its session"
# The link is the only line on stdout; PUBLIC_URL makes it point here.
link=$(env -i PATH="$PATH" HOME="${HOME:-/}" DATABASE_URL="$demo_url" PUBLIC_URL="$base" bin/sqi login-link --tenant acme --role manager)
echo "$link"
jar=$out/web-cookies.txt
rm -f "$jar"
page=$(api -f -c "$jar" -b "$jar" "$link")
csrf=$(printf '%s' "$page" | grep -o 'name="csrf" value="[^"]*"' | head -n1 | sed 's/.*value="//; s/"$//')
token=${link#*token=}
[[ -n $csrf && -n $token ]] || { echo "demo.sh: the link's page has no sign-in form" >&2; exit 1; }
where=$(api -o /dev/null -w '%{http_code} %{redirect_url}' -c "$jar" -b "$jar" --data-urlencode "csrf=$csrf" --data-urlencode "token=$token" "$base/signin/link")
echo "POST /signin/link: $where"
[[ $where == "303 $base/t/acme/live" ]] || { echo "demo.sh: the link did not sign in (answer: $where)" >&2; exit 1; }
title=$(api -f -b "$jar" "$base/t/acme/live" | grep -o '<title>[^<]*</title>')
echo "GET /t/acme/live: $title"
[[ $title == *"Acme"* ]] || { echo "demo.sh: the Live page did not answer" >&2; exit 1; }
rm -f "$jar"

# A link for the server the user starts next, valid once within a day.
web_addr=${DEMO_WEB_ADDR:-127.0.0.1:8080}
web_link=$(env -i PATH="$PATH" HOME="${HOME:-/}" DATABASE_URL="$demo_url" HTTP_ADDR="$web_addr" bin/sqi login-link --tenant acme --role manager --ttl 24h 2>/dev/null)

step_name="done"
cat <<MSG

Done. The demo database stays up; the reports are in $out/:
  export DATABASE_URL='$demo_url'
  bin/sqi help
  bin/sqi stats --tenant acme --from $from --to $to --group-by day,channel --format table

The web app (docs/web.md) and the API (docs/api.md) are served by sqi serve,
which this demo stopped. To keep a server running, start it in a terminal of
its own (Ctrl-C stops it; it also runs the ETL every 10 s and the reports):
  DATABASE_URL='$demo_url' HTTP_ADDR=$web_addr bin/sqi serve

Then open the web app:
  http://$web_addr/
and sign in as the manager of acme with this one-time link (valid once, for 24 hours):
  $web_link
or print another one (for a reader: --role reader; for another tenant: --tenant globex):
  DATABASE_URL='$demo_url' HTTP_ADDR=$web_addr bin/sqi login-link --tenant acme --role manager
MSG

#!/usr/bin/env bash
# Runs the main job end to end on a fresh demo database: PostgreSQL (the
# machine's, or a project-local cluster: scripts/pg.sh), migrations, three
# demo tenants, a week of synthetic events, the ETL, an SQI table per
# tenant, a daily Excel report, and the API (sqi serve, queried with curl,
# then stopped). Safe to run again: it recreates the demo database each time.
#
#   scripts/demo.sh                 (make demo)
#   DEMO_ROOMS=5000 scripts/demo.sh rooms per tenant per day (default 2000)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v go >/dev/null 2>&1 || export PATH=$PATH:/usr/local/go/bin

db=${DEMO_DATABASE:-sqi_demo}
rooms=${DEMO_ROOMS:-2000}
days=7

step() { printf '\n== %s\n' "$*"; }

step "PostgreSQL"
admin=$(scripts/pg.sh)
export DATABASE_URL=$(python3 - "$admin" "$db" <<'PY' 2>/dev/null || true
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))
PY
)
if [[ -z $DATABASE_URL ]]; then # no python3: the URL has no path quirks of our own
	DATABASE_URL=${admin%%/postgres*}/$db?sslmode=disable
fi
psql "$admin" -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
echo "DATABASE_URL=$DATABASE_URL"

step "build"
go build -o bin/sqi ./cmd/sqi
sqi=bin/sqi

step "migrate"
$sqi migrate

step "tenants"
for f in scripts/demo/*.json; do
	$sqi tenant put <"$f"
done

# The week that ends yesterday, in the tenants' local time.
to=$(date -d yesterday +%F)
from=$(date -d "$to -$((days - 1)) days" +%F)

step "generate: 3 tenants × $days days × $rooms rooms a day ($from .. $to)"
$sqi generate --tenants 3 --days "$days" --rooms-per-day "$rooms" --seed 1 --start "$from"

step "etl"
$sqi etl --once
step "etl again (nothing new: reads nothing, changes nothing)"
$sqi etl --once

step "tenants"
$sqi tenant list

for t in acme globex initech; do
	step "SQI of $t by day, $from .. $to"
	$sqi stats --tenant "$t" --from "$from" --to "$to" --group-by day --format table
	echo
	$sqi stats --tenant "$t" --from "$from" --to "$to" --format table
done

step "acme by agent on $to (first rows)"
$sqi stats --tenant acme --from "$to" --to "$to" --group-by agent --format table | head -8

step "daily report of acme for $to"
mkdir -p out
$sqi report daily --tenant acme --date "$to" --out "out/acme-daily-$to.xlsx"
ls -l "out/acme-daily-$to.xlsx"

port=${DEMO_PORT:-18080}
step "the API (sqi serve on 127.0.0.1:$port, stopped at the end of the demo)"
HTTP_ADDR=127.0.0.1:$port $sqi serve >out/serve.log 2>&1 &
serve_pid=$!
trap 'kill $serve_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do
	curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
	sleep 0.2
done
key=$($sqi apikey create --tenant acme --role reader | grep -o 'sqi_[A-Za-z0-9_]*' | head -1)
echo "reader key of acme: ${key:0:16}… (sqi apikey create prints it once)"
echo "\$ curl -H 'Authorization: Bearer …' 'http://127.0.0.1:$port/v1/tenants/acme/sqi?from=$from&to=$to&group_by=channel&format=csv'"
curl -fsS -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/tenants/acme/sqi?from=$from&to=$to&group_by=channel&format=csv" | cut -d, -f1-12
echo "\$ curl http://127.0.0.1:$port/readyz"
curl -sS "http://127.0.0.1:$port/readyz"
echo
echo "\$ curl -H 'Authorization: Bearer …' http://127.0.0.1:$port/v1/tenants/globex/sqi?...   (another tenant: 404)"
curl -sS -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/tenants/globex/sqi?from=$from&to=$to"

cat <<MSG

Done. The demo database stays up; the report is in out/:
  export DATABASE_URL='$DATABASE_URL'
  bin/sqi stats --tenant acme --from $from --to $to --group-by day,channel
  HTTP_ADDR=:8080 bin/sqi serve        # the API and the scheduler (docs/api.md, docs/reports.md)
MSG

#!/usr/bin/env bash
# Runs the benchmarks behind the performance budgets (docs/performance.md),
# each printing its baseline in the same run, BENCH_COUNT times (3), and
# prints the budgets table of their medians (scripts/benchtable):
#   query:   /sqi for a month of 50,000 rooms a day (1.5 million rooms) by
#            agent, warm and cold, hours=all and business, vs. every
#            room_facts row through one aggregator (StatsMonth)
#   api:     /sqi with 16 concurrent clients over HTTP: p50, p99, req/s,
#            vs. a fresh computation per query (SQIThroughput); the month's
#            room export as Parquet, CSV and a JSON page (RoomsExportMonth)
#   reports: `sqi report daily` as a process: wall time and peak RSS, vs.
#            starting the binary (ReportDailyProcess)
#   etl:     a day's backlog vs. binary COPY of the same rows (ETLDay); a
#            tick of 100 events on a 50,000-room day (ETLTick100)
# The month is built once (several minutes) and kept in a database of its
# own (internal/benchdata).
#   live:    the freshness of /live and its latency through sqi serve, a
#            50,000-room day, events at the platform's rate (Live)
#   web:     each page of the web app in headless Chromium on the month:
#            first contentful paint and load, cold and warm, vs. the API
#            request the page is made of (WebFirstPaint)
#
#   scripts/bench.sh                   the budgets
#   scripts/bench.sh all               every benchmark of the project, once
#   scripts/bench.sh PATTERN [PKG...]  the benchmarks matching PATTERN
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v go >/dev/null 2>&1 || export PATH=$PATH:/usr/local/go/bin

export SQI_TEST_DATABASE_URL=$(scripts/pg.sh)
count=${BENCH_COUNT:-3}

bench() { # pattern benchtime packages...
	local pattern=$1 benchtime=$2
	shift 2
	go test -run '^$' -bench "$pattern" -benchtime "$benchtime" -count "$count" -timeout 120m "$@" 2>&1 |
		grep -Ev '^(goos|goarch|pkg|cpu|PASS|ok )' || true
}

case ${1:-budgets} in
budgets)
	{
		bench 'StatsMonth/agent' 3x ./query/
		bench 'SQIThroughput/month-by-agent' 1x ./api/
		bench 'RoomsExportMonth' 1x ./api/
		bench 'ReportDailyProcess' 1x ./cmd/sqi/
		bench 'ETLDay$' 1x ./etl/
		bench 'ETLTick100' 1x ./etl/
		bench 'Live' 1x ./cmd/sqi/
		bench 'WebFirstPaint' 1x ./web/
	} | go run ./scripts/benchtable
	;;
all)
	count=1
	bench . 1x ./...
	;;
*)
	pattern=$1
	shift
	if [[ $# -eq 0 ]]; then set -- ./...; fi
	bench "$pattern" 1x "$@"
	;;
esac

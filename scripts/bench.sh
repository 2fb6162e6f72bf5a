#!/usr/bin/env bash
# Runs the benchmarks that back the performance claims, each printing its
# baseline in the same run:
#   etl:   one day of 50,000 rooms through `etl --once` vs. merely reading the
#          events out with COPY (etl-s, copy-s, etl/copy, peak-heap-MiB), and
#          the peak heap for a 1-day and a 3-day backlog
#   etl:   the nightly reconciliation of 7 days of 50,000 rooms a day vs. the
#          full ETL and COPY of the same week (ReconcileWeek); the steady
#          state, minute by minute through the busiest half hour, at 50,000
#          and 250,000 rooms a day (ETLTicks)
#   stats: a month of 50,000 rooms a day (query/bench_test.go)
#   api:   /sqi requests a second with 16 clients over HTTP vs. the query
#          alone (SQIThroughput)
#   synth: writing a 50,000-room day
#   live:  the freshness of /live and its latency through sqi serve, a
#          50,000-room day, events at the platform's rate (cmd/sqi: Live)
#
#   scripts/bench.sh            all of them
#   scripts/bench.sh ETLDay     only the benchmarks matching a pattern
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v go >/dev/null 2>&1 || export PATH=$PATH:/usr/local/go/bin

export SQI_TEST_DATABASE_URL=$(scripts/pg.sh)
pattern=${1:-.}
go test -run '^$' -bench "$pattern" -benchtime 2x -timeout 60m ./etl/ ./query/ ./synth/ ./reports/... ./api/ ./cmd/sqi/ 2>&1 |
	grep -Ev '^(goos|goarch|pkg|cpu):' || true

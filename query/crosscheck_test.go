package query_test

// The cross-check: query.Stats (room blocks, parallel aggregation in Go)
// against an independent computation in SQL over room_facts, written from
// docs/metrics.md and not from the Go code, on realistic
// synthetic data. It also checks that the block path and the room_facts
// row path (store.Rooms + metrics.Aggregator) give the same bytes, before
// and after an incremental ETL run that brings late surveys to an earlier
// day.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sqi/etl"
	"sqi/internal/pgtest"
	"sqi/metrics"
	"sqi/query"
	"sqi/source"
	"sqi/store"
	"sqi/synth"
)

const (
	xcSeed        = 7
	xcRoomsPerDay = 1500
)

// xcMetricSQL defines every metric of docs/metrics.md over the per-group sums of
// xcSQL (CTE a). The test fails when metrics.Catalog has a metric this
// list does not define, or the other way round.
var xcMetricSQL = []struct{ name, expr string }{
	{"rooms", "rooms"},
	{"bot_only", "bot_only"},
	{"queued", "queued"},
	{"answered", "answered"},
	{"abandoned", "abandoned"},
	{"short_abandoned", "short_abandoned"},
	{"offered", "answered + abandoned"},
	{"answered_in_sl", "answered_in_sl"},
	{"service_level_pct", "100.0 * answered_in_sl / nullif(answered + abandoned, 0)"},
	{"abandon_rate_pct", "100.0 * abandoned / nullif(answered + abandoned, 0)"},
	{"wait_avg_s", "wait_avg_s"},
	{"wait_p50_s", "wait_p50_s"},
	{"wait_p90_s", "wait_p90_s"},
	{"wait_max_s", "wait_max_s"},
	{"first_response_avg_s", "first_response_avg_s"},
	{"assigned_response_avg_s", "assigned_response_avg_s"},
	{"dropped", "dropped"},
	{"drop_rate_pct", "100.0 * dropped / nullif(answered_closed, 0)"},
	{"reply_avg_s", "reply_avg_s"},
	{"reply_p90_s", "reply_p90_s"},
	{"reply_turns", "reply_turns"},
	{"unanswered_turns", "unanswered_turns"},
	{"customer_reply_avg_s", "customer_reply_avg_s"},
	{"handle_avg_s", "handle_avg_s"},
	{"wrapup_avg_s", "wrapup_avg_s"},
	{"transfers", "transfers"},
	{"surveys", "surveys"},
	{"score_avg", "score_avg"},
	{"csat_pct", "100.0 * satisfied / nullif(surveys, 0)"},
	{"survey_rate_pct", "100.0 * surveys / nullif(answered_closed, 0)"},
}

// xcCounts are the metrics that are counts (no decimals); every other one
// is rounded to 2 decimals (docs/metrics.md).
var xcCounts = map[string]bool{
	"rooms": true, "bot_only": true, "queued": true, "answered": true, "abandoned": true,
	"short_abandoned": true, "offered": true, "answered_in_sl": true, "dropped": true,
	"reply_turns": true, "unanswered_turns": true, "transfers": true, "surveys": true,
}

// xcKey is the SQL of one group_by key: for a room, and for a turn (whose
// agent is the agent it counts for, docs/metrics.md; every other key is its
// room's). lt is opened_at in the tenant's zone, as a local timestamp.
func xcKey(k string) (room, turn string) {
	switch k {
	case "hour":
		room = `to_char(r.lt, 'YYYY-MM-DD"T"HH24:00')`
	case "day":
		room = `to_char(r.lt, 'YYYY-MM-DD')`
	case "week":
		room = `to_char(date_trunc('week', r.lt), 'YYYY-MM-DD')`
	case "month":
		room = `to_char(r.lt, 'YYYY-MM')`
	case "agent":
		return "r.agent_id", "coalesce(t.agent, r.agent_id)"
	case "team":
		room = "r.team_id"
	case "channel":
		room = "r.channel"
	case "category":
		room = "r.category"
	case "in_hours":
		room = "r.in_hours"
	default:
		panic("unknown key " + k)
	}
	return room, room
}

// xcSQL returns the query that computes the rows of docs/metrics.md for
// groupBy over room_facts. Parameters: $1 tenant, $2 time zone, $3 from,
// $4 to (local dates, inclusive), $5 sl_threshold_s, $6 short_abandon_s,
// $7 the tenant configuration (jsonb: components and grades). Each result
// row is one JSON object with the group keys, every metric rounded as
// docs/metrics.md says, sqi, grade and components, and a second one with the
// unrounded values, in the order of docs/metrics.md (keys ascending in
// group_by order, byte order, null last).
//
// Arithmetic: means are exact (numeric), percentiles float8 (that is what
// percentile_cont computes); points and the SQI are float8 computed from
// those, and every value is rounded as round(x::numeric, n), which on a
// float8 first takes 15 significant digits (docs/metrics.md). Points
// computed in numeric instead differ at a .xx5 boundary: acme, day,agent,
// 2026-10-31, agent-002 has reply_p90_s = 97.21500000000002 (float noise
// of the interpolation; exactly 97.215 in decimals), whose "response"
// points are 79.325 in decimals and under the documented float8 rounding
// (→ 79.33, what Stats shows) but 79.3249999999999889 in numeric
// arithmetic on the float's 17 digits (→ 79.32).
func xcSQL(groupBy []string, business bool) string {
	// A duration between two instants: calendar seconds, or business
	// seconds by xc_bsec (xcBusinessSQL).
	dur := func(a, b string) string {
		if business {
			return "xc_bsec(" + a + ", " + b + ")"
		}
		return "extract(epoch FROM " + b + " - " + a + ")"
	}
	inHours := "true"
	if business {
		inHours = "EXISTS (SELECT 1 FROM xc_business x WHERE x.s <= f.opened_at AND f.opened_at < x.e)"
	}
	var roomKeys, turnKeys, cols, order, jsonKeys, starts, ends []string
	hour := false
	for i, k := range groupBy {
		room, turn := xcKey(k)
		c := fmt.Sprintf("k%d", i)
		roomKeys = append(roomKeys, room+" AS "+c)
		turnKeys = append(turnKeys, turn+" AS "+c)
		cols = append(cols, c)
		if k == "in_hours" {
			order = append(order, c+` NULLS LAST`)
		} else {
			order = append(order, c+` COLLATE "C" NULLS LAST`)
		}
		jsonKeys = append(jsonKeys, fmt.Sprintf("'%s', %s", metrics.KeyColumn(k), c))
		switch k {
		case "day", "week":
			starts = append(starts, "v."+c+"::date::timestamp")
			ends = append(ends, "v."+c+"::date::timestamp + interval '"+map[string]string{"day": "1 day", "week": "7 days"}[k]+"'")
		case "month":
			starts = append(starts, "to_date(v."+c+", 'YYYY-MM')::timestamp")
			ends = append(ends, "to_date(v."+c+", 'YYYY-MM')::timestamp + interval '1 month'")
		case "hour":
			hour = true
		}
	}
	// The bounds of a row grouped by day, week or month: local midnights,
	// as epoch seconds (an hour's bounds around a clock change are the
	// table test's, TestPeriod).
	var period []string
	if len(starts) > 0 && !hour {
		period = append(period,
			"'period_start', extract(epoch FROM greatest("+strings.Join(starts, ", ")+") AT TIME ZONE $2)",
			"'period_end', extract(epoch FROM least("+strings.Join(ends, ", ")+") AT TIME ZONE $2)")
	}
	prefix := func(list []string) string {
		if len(list) == 0 {
			return ""
		}
		return strings.Join(list, ", ") + ", "
	}
	groupClause, orderClause := "", "1"
	if len(cols) > 0 {
		groupClause = "GROUP BY " + strings.Join(cols, ", ")
		orderClause = strings.Join(order, ", ")
	}
	var metricCols, rounded []string
	for _, m := range xcMetricSQL {
		metricCols = append(metricCols, fmt.Sprintf("(%s) AS %s", m.expr, m.name))
		if xcCounts[m.name] {
			rounded = append(rounded, fmt.Sprintf("'%s', v.%s", m.name, m.name))
		} else {
			rounded = append(rounded, fmt.Sprintf("'%s', round(v.%s::numeric, 2)", m.name, m.name))
		}
	}
	return `
WITH r AS (
  SELECT f.*, f.opened_at AT TIME ZONE $2 AS lt,
    f.invalid_reason IS NULL AS ok,
    f.invalid_reason IS NULL AND f.queued_at IS NOT NULL AND f.assigned_at IS NOT NULL AS ans,
    ` + dur("f.queued_at", "f.assigned_at") + ` AS w,
    extract(epoch FROM f.closed_at - f.queued_at) AS q2c,
    ` + dur("f.assigned_at", "f.closed_at") + ` AS h,
    ` + dur("f.opened_at", "f.first_response_at") + ` AS first_response_s,
    ` + dur("f.assigned_at", "f.assigned_response_at") + ` AS assigned_response_s,
    ` + dur("f.closed_at", "f.wrapup_at") + ` AS wrapup_s,
    ` + inHours + ` AS in_hours
  FROM room_facts f
  WHERE f.tenant_id = $1 AND (f.opened_at AT TIME ZONE $2)::date BETWEEN $3::date AND $4::date
),
items AS (
  SELECT ` + prefix(roomKeys) + `'room' AS kind, r.ok, r.ans,
    r.queued_at IS NOT NULL AS q, r.assigned_at IS NOT NULL AS asg, r.closed_at IS NOT NULL AS cl,
    r.w, r.q2c, r.h, r.first_response_s, r.assigned_response_s, r.wrapup_s, r.transfers, r.score,
    NULL::float8 AS ts
  FROM r
  UNION ALL
  SELECT ` + prefix(turnKeys) + `'reply', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, t.s
  FROM r CROSS JOIN LATERAL (SELECT (` + dur("o", "a") + `)::float8 AS s, agent, n
    FROM unnest(r.reply_opened_at, r.reply_answered_at, r.reply_agent) WITH ORDINALITY AS u(o, a, agent, n)) AS t
  WHERE r.ok
  UNION ALL
  SELECT ` + prefix(turnKeys) + `'creply', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, t.s
  FROM r CROSS JOIN LATERAL (SELECT (` + dur("o", "a") + `)::float8 AS s, agent, n
    FROM unnest(r.customer_reply_opened_at, r.customer_reply_answered_at, r.customer_reply_agent) WITH ORDINALITY AS u(o, a, agent, n)) AS t
  WHERE r.ok
),
a AS (
  SELECT ` + prefix(cols) + `
    count(*) FILTER (WHERE kind = 'room') AS rooms,
    count(*) FILTER (WHERE kind = 'room' AND ok AND NOT q) AS bot_only,
    count(*) FILTER (WHERE kind = 'room' AND ok AND q) AS queued,
    count(*) FILTER (WHERE kind = 'room' AND ans) AS answered,
    count(*) FILTER (WHERE kind = 'room' AND ok AND q AND NOT asg AND cl AND q2c >= $6) AS abandoned,
    count(*) FILTER (WHERE kind = 'room' AND ok AND q AND NOT asg AND cl AND q2c < $6) AS short_abandoned,
    count(*) FILTER (WHERE kind = 'room' AND ans AND w <= $5) AS answered_in_sl,
    avg(w) FILTER (WHERE kind = 'room' AND ans) AS wait_avg_s,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY w::float8) FILTER (WHERE kind = 'room' AND ans) AS wait_p50_s,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY w::float8) FILTER (WHERE kind = 'room' AND ans) AS wait_p90_s,
    max(w) FILTER (WHERE kind = 'room' AND ans) AS wait_max_s,
    avg(first_response_s::numeric) FILTER (WHERE kind = 'room' AND ok) AS first_response_avg_s,
    avg(assigned_response_s::numeric) FILTER (WHERE kind = 'room' AND ok) AS assigned_response_avg_s,
    count(*) FILTER (WHERE kind = 'room' AND ans AND cl AND assigned_response_s IS NULL) AS dropped,
    count(*) FILTER (WHERE kind = 'room' AND ans AND cl) AS answered_closed,
    avg(ts::numeric) FILTER (WHERE kind = 'reply') AS reply_avg_s,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY ts) FILTER (WHERE kind = 'reply') AS reply_p90_s,
    count(*) FILTER (WHERE kind = 'reply') AS reply_turns,
    count(*) FILTER (WHERE kind = 'reply' AND ts IS NULL) AS unanswered_turns,
    avg(ts::numeric) FILTER (WHERE kind = 'creply') AS customer_reply_avg_s,
    avg(h) FILTER (WHERE kind = 'room' AND ans AND cl) AS handle_avg_s,
    avg(wrapup_s::numeric) FILTER (WHERE kind = 'room' AND ok) AS wrapup_avg_s,
    coalesce(sum(transfers) FILTER (WHERE kind = 'room' AND ok), 0) AS transfers,
    count(score) FILTER (WHERE kind = 'room' AND ok) AS surveys,
    avg(score::numeric) FILTER (WHERE kind = 'room' AND ok) AS score_avg,
    count(*) FILTER (WHERE kind = 'room' AND ok AND score >= 4) AS satisfied
  FROM items ` + groupClause + `
),
v AS (
  SELECT row_number() OVER (ORDER BY ` + orderClause + `) AS rid, ` + prefix(cols) + strings.Join(metricCols, ",\n    ") + `
  FROM a
),
c AS (
  SELECT v.rid, ce.key AS name, (ce.value->>'weight')::float8 AS weight,
    CASE WHEN m.x IS NOT NULL THEN greatest(0::float8, least(100::float8,
      100 * (m.x - (ce.value->>'worst')::float8) / ((ce.value->>'target')::float8 - (ce.value->>'worst')::float8)))
    END AS points
  FROM v CROSS JOIN jsonb_each($7::jsonb->'components') AS ce
  CROSS JOIN LATERAL (SELECT (to_jsonb(v)->>(ce.value->>'metric'))::float8 AS x) AS m
),
s AS (
  SELECT rid,
    sum(weight * points) FILTER (WHERE points IS NOT NULL)
      / nullif(sum(weight) FILTER (WHERE points IS NOT NULL), 0) AS sqi,
    jsonb_object_agg(name, round(points::numeric, 2)) AS components
  FROM c GROUP BY rid
)
SELECT jsonb_build_object(` + prefix(jsonKeys) + prefix(period) + strings.Join(rounded, ", ") + `,
    'sqi', round(s.sqi::numeric, 1),
    'grade', (SELECT g.value->>'grade' FROM jsonb_array_elements($7::jsonb->'grades') WITH ORDINALITY AS g(value, n)
              WHERE round(s.sqi::numeric, 1) >= (g.value->>'min')::numeric ORDER BY g.n LIMIT 1),
    'components', coalesce(s.components, '{}'::jsonb))::text,
  (to_jsonb(v) || jsonb_build_object('sqi', s.sqi))::text
FROM v LEFT JOIN s USING (rid)
ORDER BY rid`
}

// xcRow is one row of the SQL answer.
type xcRow struct {
	rounded map[string]any // as in the JSON body
	raw     string         // unrounded, for messages
}

func xcQuerySQL(t *testing.T, db *store.DB, cfg *metrics.Config, q query.Query) []xcRow {
	t.Helper()
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	business := q.Hours == metrics.HoursBusiness || q.Hours == "" && cfg.Hours == metrics.HoursBusiness
	if business {
		xcBusinessSQL(t, db, cfg, q)
	}
	rows, err := db.Pool.Query(t.Context(), xcSQL(q.GroupBy, business), q.Tenant, cfg.TimeZone,
		q.From.Format(time.DateOnly), q.To.Format(time.DateOnly), cfg.SLThresholdS, cfg.ShortAbandonS, cfgJSON)
	if err != nil {
		t.Fatalf("cross-check SQL for group_by %v: %v", q.GroupBy, err)
	}
	defer rows.Close()
	var out []xcRow
	for rows.Next() {
		var obj, raw string
		if err := rows.Scan(&obj, &raw); err != nil {
			t.Fatal(err)
		}
		out = append(out, xcRow{rounded: xcDecode(t, []byte(obj)).(map[string]any), raw: raw})
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("cross-check SQL for group_by %v: %v", q.GroupBy, err)
	}
	return out
}

// xcBusinessSQL makes, in the test's database, the business intervals of
// cfg as instants (xc_business), from its weekly intervals and holidays
// over the local days around q, with generate_series and AT TIME ZONE, and
// xc_bsec(a, b), the seconds of [a, b) inside them: business time written
// from docs/metrics.md in SQL, independent of metrics/hours.go. The
// intervals here never touch a daylight-saving jump (those are the table
// tests' business).
func xcBusinessSQL(t *testing.T, db *store.DB, cfg *metrics.Config, q query.Query) {
	t.Helper()
	bh, err := json.Marshal(cfg.BusinessHours)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`DROP TABLE IF EXISTS xc_business CASCADE`,
		`CREATE TABLE xc_business AS
SELECT ((d + split_part(iv, '-', 1)::time) AT TIME ZONE $2) AS s,
       (CASE WHEN split_part(iv, '-', 2) = '24:00' THEN (d + 1)::timestamp AT TIME ZONE $2
             ELSE (d + split_part(iv, '-', 2)::time) AT TIME ZONE $2 END) AS e
FROM (SELECT g::date AS d FROM generate_series($3::date - 40, $4::date + 40, interval '1 day') AS g) AS days,
     jsonb_each($1::jsonb -> 'weekly') AS w(day, ivs),
     jsonb_array_elements_text(w.ivs) AS iv
WHERE w.day = lower(to_char(d, 'dy'))
  AND NOT (to_char(d, 'YYYY-MM-DD') IN (SELECT jsonb_array_elements_text(coalesce($1::jsonb -> 'holidays', '[]'))))`,
		`CREATE OR REPLACE FUNCTION xc_bsec(a timestamptz, b timestamptz) RETURNS numeric LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN a IS NULL OR b IS NULL THEN NULL
    ELSE coalesce((SELECT sum(extract(epoch FROM least(b, x.e) - greatest(a, x.s)))
                   FROM xc_business x WHERE x.s < b AND x.e > a), 0) END
$$`,
	} {
		args := []any{}
		if strings.Contains(stmt, "$1") {
			args = []any{string(bh), cfg.TimeZone, q.From.Format(time.DateOnly), q.To.Format(time.DateOnly)}
		}
		if _, err := db.Pool.Exec(t.Context(), stmt, args...); err != nil {
			t.Fatalf("business hours SQL: %v", err)
		}
	}
}

// xcInstant compares a period bound of the JSON (RFC 3339 with an offset)
// with the SQL's epoch seconds; the offset must be the tenant's at that
// instant. It returns what differs, or "".
func xcInstant(got, want any, loc *time.Location) string {
	s, _ := got.(string)
	g, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Sprintf("Go %v is not RFC 3339", got)
	}
	n, _ := want.(json.Number)
	w, err := n.Float64()
	if err != nil || float64(g.Unix()) != w {
		return fmt.Sprintf("Go %s (%d), SQL epoch %v", s, g.Unix(), want)
	}
	if _, off := g.Zone(); off != func() int { _, o := g.In(loc).Zone(); return o }() {
		return fmt.Sprintf("Go %s: the offset is not the tenant's (%s)", s, g.In(loc).Format(time.RFC3339))
	}
	return ""
}

// xcDecode decodes JSON keeping numbers as json.Number.
func xcDecode(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
	return v
}

// xcEqual reports whether two decoded JSON values are equal, numbers by
// value (the SQL writes 12.30 where Go writes 12.3).
func xcEqual(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		fx, err1 := strconv.ParseFloat(string(x), 64)
		fy, err2 := strconv.ParseFloat(string(y), 64)
		return err1 == nil && err2 == nil && fx == fy
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !xcEqual(v, w) {
				return false
			}
		}
		return true
	default:
		return a == b
	}
}

// xcStats runs query.Stats and returns the result and its JSON body.
func xcStats(t *testing.T, db *store.DB, q query.Query) (*query.Result, []byte) {
	t.Helper()
	res, err := query.Stats(t.Context(), db, q)
	if err != nil {
		t.Fatalf("Stats %s %v: %v", q.Tenant, q.GroupBy, err)
	}
	var body bytes.Buffer
	if err := res.WriteJSON(&body); err != nil {
		t.Fatal(err)
	}
	return res, body.Bytes()
}

// xcRowPath computes q from room_facts rows (store.Rooms) with one
// aggregator: the path that does not go through the blocks.
func xcRowPath(t *testing.T, db *store.DB, cfg *metrics.Config, q query.Query) *query.Result {
	t.Helper()
	if q.Hours != "" {
		c := cfg.WithHours(q.Hours)
		cfg = &c
	}
	start, end := metrics.DayBounds(q.From, q.To, cfg.Location())
	agg := metrics.NewAggregator(cfg, q.From, q.To, q.GroupBy)
	if err := db.Rooms(t.Context(), q.Tenant, start, end, func(r *metrics.Room) error {
		agg.Add(r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return &query.Result{Query: q, Config: *cfg, Rows: agg.Rows()}
}

// xcTotals sums what the non-vacuity checks need over the cases checked.
type xcTotals struct {
	rows, rooms, answered, turns, unanswered, shortAbandoned, abandoned, dropped, surveys int
	nullMetrics, nullKeyRows, turnOnlyRows                                                int
}

// xcCompare checks Stats against the SQL and against the row path for one
// query, and returns the Go rows as decoded JSON.
func xcCompare(t *testing.T, db *store.DB, cfg *metrics.Config, q query.Query, tot *xcTotals) []map[string]any {
	t.Helper()
	res, body := xcStats(t, db, q)
	var doc struct {
		TenantID string           `json:"tenant_id"`
		From     string           `json:"from"`
		To       string           `json:"to"`
		Timezone string           `json:"timezone"`
		GroupBy  []string         `json:"group_by"`
		Rows     []map[string]any `json:"rows"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("Stats JSON: %v", err)
	}
	if doc.TenantID != q.Tenant || doc.From != q.From.Format(time.DateOnly) || doc.To != q.To.Format(time.DateOnly) ||
		doc.Timezone != cfg.TimeZone || !slices.Equal(doc.GroupBy, q.GroupBy) {
		t.Errorf("Stats JSON head: tenant %q from %q to %q timezone %q group_by %v", doc.TenantID, doc.From, doc.To, doc.Timezone, doc.GroupBy)
	}
	name := fmt.Sprintf("%s %s..%s group_by=%s", q.Tenant, doc.From, doc.To, strings.Join(q.GroupBy, ","))

	// 1. The independent SQL, row by row, value by value, in the same order.
	want := xcQuerySQL(t, db, cfg, q)
	if len(want) != len(doc.Rows) {
		t.Errorf("%s: Stats has %d rows, the SQL %d", name, len(doc.Rows), len(want))
	}
	for i := range min(len(want), len(doc.Rows)) {
		got, w := doc.Rows[i], want[i].rounded
		var diffs []string
		for k, wv := range w {
			gv, ok := got[k]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s missing (SQL %v)", k, wv))
			} else if k == "period_start" || k == "period_end" {
				if d := xcInstant(gv, wv, cfg.Location()); d != "" {
					diffs = append(diffs, k+": "+d)
				}
			} else if !xcEqual(gv, wv) {
				unrounded := ""
				if m, ok := metrics.MetricIndex(k); ok {
					unrounded = fmt.Sprintf(" [Go unrounded %v]", res.Rows[i].Values[m])
				} else if k == "sqi" {
					unrounded = fmt.Sprintf(" [Go unrounded %v]", res.Rows[i].SQI)
				}
				diffs = append(diffs, fmt.Sprintf("%s: Go %v, SQL %v%s", k, gv, wv, unrounded))
			}
		}
		for k := range got {
			if _, ok := w[k]; !ok && !(slices.Contains(q.GroupBy, "hour") && (k == "period_start" || k == "period_end")) {
				diffs = append(diffs, fmt.Sprintf("%s: in Go only", k))
			}
		}
		if len(diffs) > 0 {
			t.Errorf("%s: row %d (Go keys %v, SQL keys %v):\n  %s\n  SQL unrounded: %s",
				name, i, xcKeysOf(got, q.GroupBy), xcKeysOf(w, q.GroupBy), strings.Join(diffs, "\n  "), want[i].raw)
		}
	}

	// 2. The row path gives the same bytes as the block path.
	rowRes := xcRowPath(t, db, cfg, q)
	var rowBody bytes.Buffer
	if err := rowRes.WriteJSON(&rowBody); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rowBody.Bytes(), body) {
		t.Errorf("%s: blocks and room_facts rows disagree:\n%s", name, xcFirstDiff(body, rowBody.Bytes()))
	}
	// Unrounded too: only the summation order may differ.
	if len(rowRes.Rows) == len(res.Rows) {
		for i := range res.Rows {
			for m := range metrics.NumMetrics {
				a, b := res.Rows[i].Values[m], rowRes.Rows[i].Values[m]
				if a.Null != b.Null || !xcClose(a.V, b.V) {
					t.Errorf("%s: row %d %s: blocks %v, rows %v", name, i, metrics.Catalog[m].Name, a, b)
				}
			}
		}
	}

	// 3. CSV carries the same values as the JSON.
	xcCheckCSVMatchesJSON(t, res, body)

	for _, row := range doc.Rows {
		n := func(k string) int {
			v, _ := row[k].(json.Number)
			i, _ := strconv.Atoi(string(v))
			return i
		}
		tot.rows++
		tot.rooms += n("rooms")
		tot.answered += n("answered")
		tot.turns += n("reply_turns")
		tot.unanswered += n("unanswered_turns")
		tot.shortAbandoned += n("short_abandoned")
		tot.abandoned += n("abandoned")
		tot.dropped += n("dropped")
		tot.surveys += n("surveys")
		for _, d := range metrics.Catalog {
			if row[d.Name] == nil {
				tot.nullMetrics++
			}
		}
		for _, k := range q.GroupBy {
			if row[metrics.KeyColumn(k)] == nil {
				tot.nullKeyRows++
				break
			}
		}
		if n("rooms") == 0 && n("reply_turns") > 0 {
			tot.turnOnlyRows++
		}
	}
	return doc.Rows
}

func xcClose(a, b float64) bool {
	if a == b {
		return true
	}
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= 1e-9*max(1, a, -a)
}

func xcKeysOf(row map[string]any, groupBy []string) []any {
	var out []any
	for _, k := range groupBy {
		out = append(out, row[metrics.KeyColumn(k)])
	}
	return out
}

func xcFirstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-200)
	return fmt.Sprintf("blocks: ...%s\nrows:   ...%s", a[lo:min(len(a), i+100)], b[lo:min(len(b), i+100)])
}

// xcFactsConsistent checks the few facts that room_facts stores next to
// the instants they derive from (docs/metrics.md), so that the SQL above may use
// the instants.
func xcFactsConsistent(t *testing.T, db *store.DB) {
	t.Helper()
	const q = `SELECT
  count(*) FILTER (WHERE first_response_at < opened_at OR assigned_response_at < assigned_at OR wrapup_at < closed_at),
  count(*) FILTER (WHERE assigned_response_at IS NOT NULL AND (queued_at IS NULL OR assigned_at IS NULL)),
  count(*) FILTER (WHERE wrapup_at IS NOT NULL AND closed_at IS NULL),
  count(*) FILTER (WHERE invalid_reason IS NULL AND assigned_at IS NOT NULL AND assigned_at < queued_at),
  count(*) FILTER (WHERE dropped <> (invalid_reason IS NULL AND queued_at IS NOT NULL AND assigned_at IS NOT NULL
                                     AND closed_at IS NOT NULL AND assigned_response_at IS NULL)),
  count(*) FILTER (WHERE cardinality(reply_opened_at) <> cardinality(reply_agent) OR cardinality(reply_answered_at) <> cardinality(reply_agent)
                      OR cardinality(customer_reply_opened_at) <> cardinality(customer_reply_agent)
                      OR cardinality(customer_reply_answered_at) <> cardinality(customer_reply_agent)),
  count(*) FILTER (WHERE (invalid_reason IS NOT NULL OR queued_at IS NULL OR assigned_at IS NULL)
                     AND (cardinality(reply_opened_at) > 0 OR cardinality(customer_reply_opened_at) > 0)),
  count(*) FILTER (WHERE array_position(customer_reply_answered_at, NULL) IS NOT NULL)
FROM room_facts`
	var c [8]int
	if err := db.Pool.QueryRow(t.Context(), q).Scan(&c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &c[7]); err != nil {
		t.Fatal(err)
	}
	what := []string{"each duration's end at or after its start", "an assigned response only in answered rooms", "wrap-up only in closed rooms",
		"assigned at or after queued", "dropped = answered, closed, no assigned response", "turn arrays of equal length",
		"turns only in answered valid rooms", "customer reply turns answered"}
	for i, n := range c {
		if n != 0 {
			t.Errorf("room_facts: %d rooms break %q", n, what[i])
		}
	}
}

// xcEvents are hand-made rooms of globex on the day New York falls back
// (2026-11-01): synth opens rooms in one of the two 01:00 hours only, and
// these sit in the second one (01:00–02:00 EST = 06:00–07:00 UTC), with
// edge cases: a wait of exactly sl_threshold_s, abandons at and just
// below short_abandon_s, a first response in a room never assigned, a
// turn answered by an agent who owns no room, an agent message without
// agent_id, a turn left open at the close.
func xcEvents() []metrics.Event {
	base := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)
	var evs []metrics.Event
	id := int64(1_000_000)
	add := func(room string, sec float64, typ string, f func(*metrics.Event)) {
		id++
		e := metrics.Event{EventID: id, TenantID: "globex", RoomID: room, Type: typ,
			OccurredAt: base.Add(time.Duration(sec * float64(time.Second)))}
		if f != nil {
			f(&e)
		}
		evs = append(evs, e)
	}
	actor := func(a, agent string) func(*metrics.Event) {
		return func(e *metrics.Event) { e.Actor, e.AgentID = a, agent }
	}
	// dst-a: answered in exactly 30 s by x-helper, who answers one turn
	// and hands the room to x-owner.
	a := "dst-a"
	add(a, 600, metrics.RoomOpened, func(e *metrics.Event) { e.Channel = "web" })
	add(a, 605, metrics.Queued, func(e *metrics.Event) { e.TeamID = "tech" })
	add(a, 635, metrics.AgentAssigned, func(e *metrics.Event) { e.AgentID = "x-helper" })
	add(a, 660, metrics.Message, actor("customer", ""))
	add(a, 680.25, metrics.Message, actor("agent", "x-helper"))
	add(a, 720, metrics.Transferred, func(e *metrics.Event) { e.AgentID = "x-owner"; e.TeamID = "tech" })
	add(a, 750, metrics.Message, actor("customer", ""))
	add(a, 770.5, metrics.Message, actor("agent", "")) // counts for the room's agent
	add(a, 780, metrics.Message, actor("customer", ""))
	add(a, 840, metrics.RoomClosed, func(e *metrics.Event) { e.Category = "dst-test" })
	add(a, 900, metrics.WrapupDone, nil)
	add(a, 1200, metrics.SurveySubmitted, func(e *metrics.Event) { e.Score = 4 })
	// dst-b: abandoned after exactly short_abandon_s (5 s): not short;
	// an agent wrote before any assignment, so it has a first response.
	b := "dst-b"
	add(b, 1200, metrics.RoomOpened, func(e *metrics.Event) { e.Channel = "web" })
	add(b, 1202, metrics.Queued, func(e *metrics.Event) { e.TeamID = "billing" })
	add(b, 1204.5, metrics.Message, actor("agent", "x-owner"))
	add(b, 1207, metrics.RoomClosed, nil)
	// dst-c: abandoned after 4.999 s: short.
	c := "dst-c"
	add(c, 1800, metrics.RoomOpened, func(e *metrics.Event) { e.Channel = "app" })
	add(c, 1801, metrics.Queued, func(e *metrics.Event) { e.TeamID = "billing" })
	add(c, 1805.999, metrics.RoomClosed, nil)
	// dst-d: bot-only, opened in the last millisecond of the hour.
	d := "dst-d"
	add(d, 3599.999, metrics.RoomOpened, func(e *metrics.Event) { e.Channel = "app" })
	add(d, 3601, metrics.Message, actor("bot", ""))
	add(d, 3660, metrics.RoomClosed, nil)
	return evs
}

// xcConfigs are the tenants' configurations: acme's differs from the
// defaults in every number that matters (SL 20 s, short abandon 8 s, a
// drop-rate component, a weight-0 handle component, other grades);
// globex runs on New York time with the default components; initech has
// no configuration at all (defaults, Asia/Seoul).
func xcConfigs() []metrics.Config {
	acme := metrics.DefaultConfig("acme")
	acme.Name = "Acme"
	acme.SLThresholdS = 20
	acme.ShortAbandonS = 8
	acme.Components["drop"] = metrics.Component{Metric: "drop_rate_pct", Target: 1, Worst: 10, Weight: 5}
	acme.Components["handle"] = metrics.Component{Metric: "handle_avg_s", Target: 300, Worst: 900, Weight: 0}
	acme.Components["response"] = metrics.Component{Metric: "reply_p90_s", Target: 60, Worst: 240, Weight: 20}
	acme.Grades = []metrics.Grade{{Grade: "A", Min: 80}, {Grade: "B", Min: 60}, {Grade: "C", Min: 40}}
	globex := metrics.DefaultConfig("globex")
	globex.Name, globex.TimeZone, globex.Locale = "Globex", "America/New_York", "en"
	return []metrics.Config{acme, globex}
}

func xcGenerate(t *testing.T, db *store.DB, start string, days int) {
	t.Helper()
	d, _ := time.Parse(time.DateOnly, start)
	if _, err := synth.Generate(t.Context(), db.Pool, synth.Options{
		Tenants: 3, Days: days, RoomsPerDay: xcRoomsPerDay, Seed: xcSeed, Start: d,
	}); err != nil {
		t.Fatalf("generate: %v", err)
	}
}

func xcETL(t *testing.T, db *store.DB) etl.Result {
	t.Helper()
	r := &etl.Runner{Source: db.Pool, Store: db}
	res, err := r.RunOnce(t.Context())
	if err != nil {
		t.Fatalf("etl: %v", err)
	}
	return res
}

func xcQuery(t *testing.T, tenant, from, to, groupBy string) query.Query {
	t.Helper()
	q, err := query.Parse(query.Params{Tenant: tenant, From: from, To: to, GroupBy: groupBy})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func xcConfig(t *testing.T, db *store.DB, tenant string) *metrics.Config {
	t.Helper()
	tc, err := db.Tenant(t.Context(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	return &tc.Config
}

// xcGroupings are the groupings checked after the last run; the first
// run checks the first five (those docs/api.md users ask most).
var xcGroupings = []string{"", "day", "agent", "hour", "team,channel", "category", "day,agent", "week,month"}

// xcCheckAll compares the groupings of every tenant over from..to, the
// tenants in parallel (the database is only read).
func xcCheckAll(t *testing.T, db *store.DB, phase, from, to string, groupings []string) xcTotals {
	t.Helper()
	var (
		mu  sync.Mutex
		tot xcTotals
	)
	t.Run(phase, func(t *testing.T) {
		for _, tenant := range []string{"acme", "globex", "initech"} {
			t.Run(tenant, func(t *testing.T) {
				t.Parallel()
				cfg := xcConfig(t, db, tenant)
				var mine xcTotals
				for _, g := range groupings {
					xcCompare(t, db, cfg, xcQuery(t, tenant, from, to, g), &mine)
				}
				mu.Lock()
				tot.add(mine)
				mu.Unlock()
			})
		}
	})
	return tot
}

func (t *xcTotals) add(o xcTotals) {
	t.rows += o.rows
	t.rooms += o.rooms
	t.answered += o.answered
	t.turns += o.turns
	t.unanswered += o.unanswered
	t.shortAbandoned += o.shortAbandoned
	t.abandoned += o.abandoned
	t.dropped += o.dropped
	t.surveys += o.surveys
	t.nullMetrics += o.nullMetrics
	t.nullKeyRows += o.nullKeyRows
	t.turnOnlyRows += o.turnOnlyRows
}

func TestStatsCrossCheckSQL(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := t.Context()
	for _, c := range xcConfigs() {
		if err := db.PutTenant(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if len(xcMetricSQL) != metrics.NumMetrics {
		t.Fatalf("the cross-check defines %d metrics, the catalog has %d", len(xcMetricSQL), metrics.NumMetrics)
	}
	for i, m := range xcMetricSQL {
		if metrics.Catalog[i].Name != m.name {
			t.Fatalf("metric %d: catalog %q, cross-check %q", i, metrics.Catalog[i].Name, m.name)
		}
		if (metrics.Catalog[i].Kind == metrics.Count) != xcCounts[m.name] {
			t.Fatalf("metric %q: kind in the catalog and in the cross-check differ", m.name)
		}
	}

	// Run 1: 2026-10-31 and 2026-11-01 as the feed stood at the end of
	// 11-01 (rooms still open, surveys not yet in), plus the hand-made
	// rooms of the second 01:00 hour in New York.
	xcGenerate(t, db, "2026-10-31", 2)
	if _, err := source.CopyEvents(ctx, db.Pool, source.Slice(xcEvents())); err != nil {
		t.Fatal(err)
	}
	xcETL(t, db)
	xcFactsConsistent(t, db)
	tot1 := xcCheckAll(t, db, "run1", "2026-10-31", "2026-11-01", xcGroupings[:5])
	surveys1 := xcDaySurveys(t, db)

	// Run 2: 2026-11-02, with the events of 11-01's rooms that came after
	// its end (closes, late surveys): an incremental run that changes an
	// earlier day.
	xcGenerate(t, db, "2026-11-02", 1)
	res2 := xcETL(t, db)
	if res2.RoomsChanged == 0 {
		t.Errorf("second ETL run changed no room: %+v", res2)
	}
	xcFactsConsistent(t, db)
	surveys2 := xcDaySurveys(t, db)
	for tenant, n1 := range surveys1 {
		if n2 := surveys2[tenant]; n2 <= n1 {
			t.Errorf("%s 2026-11-01: surveys %d after the second run, %d before: no late survey arrived", tenant, n2, n1)
		}
	}
	tot2 := xcCheckAll(t, db, "run2", "2026-10-31", "2026-11-02", xcGroupings)
	// A configuration change applies to the next query, facts untouched
	// (docs/metrics.md): acme on Los Angeles time (also 25 hours on 2026-11-01),
	// with other SL and short-abandon boundaries.
	acme := xcConfigs()[0]
	acme.TimeZone, acme.SLThresholdS, acme.ShortAbandonS = "America/Los_Angeles", 45, 3
	if err := db.PutTenant(ctx, acme); err != nil {
		t.Fatal(err)
	}
	cfg := xcConfig(t, db, "acme")
	if cfg.TimeZone != "America/Los_Angeles" {
		t.Fatalf("acme time zone %q after the change", cfg.TimeZone)
	}
	var tot3 xcTotals
	for _, g := range []string{"", "day", "hour", "agent"} {
		xcCompare(t, db, cfg, xcQuery(t, "acme", "2026-10-31", "2026-11-02", g), &tot3)
	}

	// One more range that starts and ends mid-data, and one with no room.
	for _, tenant := range []string{"acme", "globex", "initech"} {
		cfg := xcConfig(t, db, tenant)
		for _, g := range []string{"", "agent"} {
			xcCompare(t, db, cfg, xcQuery(t, tenant, "2026-11-01", "2026-11-01", g), &tot3)
			xcCompare(t, db, cfg, xcQuery(t, tenant, "2026-12-01", "2026-12-02", g), &tot3)
		}
	}
	empty := xcCompare(t, db, xcConfig(t, db, "acme"), xcQuery(t, "acme", "2026-12-01", "2026-12-02", ""), &tot3)
	if len(empty) != 1 || empty[0]["rooms"] != json.Number("0") || empty[0]["sqi"] != nil || empty[0]["wait_avg_s"] != nil {
		t.Errorf("a range with no rooms: want one row with rooms 0 and null metrics, got %v", empty)
	}

	// The test is not vacuous.
	for i, tot := range []xcTotals{tot1, tot2} {
		t.Logf("run %d: %d rows compared; summed over the groupings: rooms %d, answered %d, reply turns %d (unanswered %d), abandoned %d, short %d, dropped %d, surveys %d; null metrics %d, rows with a null key %d, rows with turns and no room %d",
			i+1, tot.rows, tot.rooms, tot.answered, tot.turns, tot.unanswered, tot.abandoned, tot.shortAbandoned, tot.dropped, tot.surveys, tot.nullMetrics, tot.nullKeyRows, tot.turnOnlyRows)
		if tot.rooms == 0 || tot.answered == 0 || tot.turns == 0 || tot.unanswered == 0 || tot.abandoned == 0 ||
			tot.shortAbandoned == 0 || tot.dropped == 0 || tot.surveys == 0 || tot.nullMetrics == 0 || tot.nullKeyRows == 0 || tot.turnOnlyRows == 0 {
			t.Errorf("run %d: the data lacks a case: %+v", i+1, tot)
		}
	}
	t.Logf("after the configuration change, one-day and empty ranges: %d more rows compared", tot3.rows)
	var invalid, dropped, open int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE invalid_reason IS NOT NULL),
  count(*) FILTER (WHERE dropped), count(*) FILTER (WHERE closed_at IS NULL AND assigned_at IS NOT NULL) FROM room_facts`).Scan(&invalid, &dropped, &open); err != nil {
		t.Fatal(err)
	}
	if invalid == 0 || dropped == 0 || open == 0 {
		t.Errorf("room_facts: %d contradictory rooms, %d dropped, %d answered rooms still open: want some of each", invalid, dropped, open)
	}

	xcCheckFallBack(t, db)
}

// xcDaySurveys counts the surveyed rooms of 2026-11-01 per tenant, by SQL.
func xcDaySurveys(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	const q = `SELECT f.tenant_id, count(f.score) FROM room_facts f
JOIN (VALUES ('acme', 'Asia/Seoul'), ('globex', 'America/New_York'), ('initech', 'Asia/Seoul')) AS z(tenant_id, tz) USING (tenant_id)
WHERE (f.opened_at AT TIME ZONE z.tz)::date = '2026-11-01' AND f.invalid_reason IS NULL GROUP BY 1`
	rows, err := db.Pool.Query(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var tenant string
		var n int
		if err := rows.Scan(&tenant, &n); err != nil {
			t.Fatal(err)
		}
		out[tenant] = n
	}
	if len(out) != 3 {
		t.Fatalf("surveys of 2026-11-01: %v", out)
	}
	return out
}

// xcCheckFallBack checks the 25-hour day of New York (2026-11-01): both
// 01:00 hours are one group, and the day has 24 hour groups.
func xcCheckFallBack(t *testing.T, db *store.DB) {
	t.Helper()
	cfg := xcConfig(t, db, "globex")
	q := xcQuery(t, "globex", "2026-11-01", "2026-11-01", "hour")
	rows := xcCompare(t, db, cfg, q, &xcTotals{})
	var first, second, day int
	if err := db.Pool.QueryRow(t.Context(), `SELECT
  count(*) FILTER (WHERE opened_at >= '2026-11-01T05:00Z' AND opened_at < '2026-11-01T06:00Z'),
  count(*) FILTER (WHERE opened_at >= '2026-11-01T06:00Z' AND opened_at < '2026-11-01T07:00Z'),
  count(*) FILTER (WHERE opened_at >= '2026-11-01T04:00Z' AND opened_at < '2026-11-02T05:00Z')
FROM room_facts WHERE tenant_id = 'globex'`).Scan(&first, &second, &day); err != nil {
		t.Fatal(err)
	}
	if first == 0 || second == 0 {
		t.Errorf("New York 2026-11-01: %d rooms in the first 01:00 hour (EDT), %d in the second (EST): want both", first, second)
	}
	var got, sum int
	var keys []string
	for _, r := range rows {
		k, _ := r["hour"].(string)
		keys = append(keys, k)
		n, _ := strconv.Atoi(string(r["rooms"].(json.Number)))
		sum += n
		if k == "2026-11-01T01:00" {
			got = n
		}
	}
	if got != first+second {
		t.Errorf("hour 2026-11-01T01:00: %d rooms, want %d + %d (both 01:00 hours)", got, first, second)
	}
	if sum != day {
		t.Errorf("New York 2026-11-01: hour rows hold %d rooms, the 25 hours from 04:00Z to 05:00Z next day %d", sum, day)
	}
	var want []string
	for h := range 24 {
		want = append(want, fmt.Sprintf("2026-11-01T%02d:00", h))
	}
	if !slices.Equal(keys, want) {
		t.Errorf("New York 2026-11-01: want the 24 hour rows 00..23 (both 01:00 hours in one), got %d: %v", len(keys), keys)
	}
	t.Logf("New York 2026-11-01: 01:00 group has %d rooms = %d (EDT) + %d (EST); %d rooms in 24 hour rows", got, first, second, sum)
}

// TestStatsCrossCheckBusinessHours: hours=business against the SQL of
// business time (xcBusinessSQL) on ten days of synthetic rooms of a Seoul
// tenant whose hours have a lunch break, a short Saturday, a closed Sunday
// and two holidays: rooms crossing the lunch break and closing time, rooms
// of the night, every metric, grouped by day, hour, agent and in_hours.
func TestStatsCrossCheckBusinessHours(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := t.Context()
	acme := xcConfigs()[0]
	acme.BusinessHours = &metrics.BusinessHours{
		Weekly: map[string][]string{
			"mon": {"09:00-12:00", "13:00-18:00"}, "tue": {"09:00-12:00", "13:00-18:00"},
			"wed": {"09:00-12:00", "13:00-18:00"}, "thu": {"09:00-12:00", "13:00-18:00"},
			"fri": {"09:00-12:00", "13:00-18:00"}, "sat": {"10:00-14:00"},
		},
		Holidays: []string{"2026-10-03", "2026-10-09"},
	}
	if err := acme.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := db.PutTenant(ctx, acme); err != nil {
		t.Fatal(err)
	}
	xcGenerate(t, db, "2026-09-30", 10)
	xcETL(t, db)
	cfg := xcConfig(t, db, "acme")
	var tot xcTotals
	for _, g := range []string{"", "day", "hour", "agent", "in_hours", "day,in_hours", "hour,agent"} {
		q := xcQuery(t, "acme", "2026-10-01", "2026-10-09", g)
		q.Hours = metrics.HoursBusiness
		xcCompare(t, db, cfg, q, &tot)
	}
	if tot.rooms == 0 || tot.turns == 0 {
		t.Fatalf("vacuous: %+v", tot)
	}

	// Not vacuous: business time shortens the waits of rooms that cross
	// closing time or the night, and some rooms open out of hours.
	total := func(hours string, groupBy string) []metrics.Row {
		q := xcQuery(t, "acme", "2026-10-01", "2026-10-09", groupBy)
		q.Hours = hours
		res, _ := xcStats(t, db, q)
		return res.Rows
	}
	all, bus := total(metrics.HoursAll, "")[0], total(metrics.HoursBusiness, "")[0]
	if !(bus.Values[metrics.MWaitAvg].V < all.Values[metrics.MWaitAvg].V) || !(bus.Values[metrics.MHandleAvg].V < all.Values[metrics.MHandleAvg].V) {
		t.Errorf("business wait %v / handle %v not below calendar %v / %v: no room crosses the hours",
			bus.Values[metrics.MWaitAvg], bus.Values[metrics.MHandleAvg], all.Values[metrics.MWaitAvg], all.Values[metrics.MHandleAvg])
	}
	if bus.Values[metrics.MRooms] != all.Values[metrics.MRooms] || bus.Values[metrics.MAbandoned] != all.Values[metrics.MAbandoned] {
		t.Errorf("counts changed with the hours: rooms %v/%v, abandoned %v/%v", bus.Values[metrics.MRooms], all.Values[metrics.MRooms],
			bus.Values[metrics.MAbandoned], all.Values[metrics.MAbandoned])
	}
	in := total(metrics.HoursBusiness, "in_hours")
	if len(in) != 2 || in[0].Values[metrics.MRooms].V == 0 || in[1].Values[metrics.MRooms].V == 0 {
		t.Errorf("in_hours rows %d: want rooms both in and out of hours", len(in))
	}
}

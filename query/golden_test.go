package query_test

import (
	"bytes"
	"context"
	"testing"

	fx "sqi/internal/fixture"
	"sqi/internal/pgtest"
	"sqi/query"
)

// TestGoldenStats computes the fixture day's SQI rows, in total and by
// agent, and compares the JSON body with the golden files (checked by
// hand: testdata/golden/sqi_acme_2026-03-10*.json).
func TestGoldenStats(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	fx.Load(t, db, fx.AcmeDay)
	for _, tc := range []struct{ name, groupBy string }{
		{"sqi_acme_2026-03-10.json", ""},
		{"sqi_acme_2026-03-10_agent.json", "agent"},
		{"sqi_acme_2026-03-09_10_day_channel.json", "day,channel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from := "2026-03-10"
			if tc.groupBy == "day,channel" {
				from = "2026-03-09"
			}
			q, err := query.Parse(query.Params{Tenant: "acme", From: from, To: "2026-03-10", GroupBy: tc.groupBy})
			if err != nil {
				t.Fatal(err)
			}
			res, err := query.Stats(context.Background(), db, q)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := res.WriteJSON(&buf); err != nil {
				t.Fatal(err)
			}
			fx.Golden(t, tc.name, buf.Bytes())
		})
	}
}

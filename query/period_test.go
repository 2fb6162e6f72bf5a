package query

import (
	"testing"
	"time"

	"sqi/metrics"
)

// TestPeriod checks the bounds of rows around clock changes, computed by
// hand: New York springs forward on 2025-03-09 (02:00 → 03:00) and falls
// back on 2025-11-02 (02:00 → 01:00); Santiago springs forward at midnight
// on 2025-09-07, a day with no 00:00; Lord Howe moves its clocks by 30
// minutes.
func TestPeriod(t *testing.T) {
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	ny, scl, seoul, lhi := load("America/New_York"), load("America/Santiago"), load("Asia/Seoul"), load("Australia/Lord_Howe")
	date := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	utc := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	tests := []struct {
		name       string
		loc        *time.Location
		keys       []metrics.GroupKey
		start, end time.Time
	}{
		{"seoul day", seoul, []metrics.GroupKey{{Key: "day", Date: date("2026-03-10")}}, utc("2026-03-09T15:00:00Z"), utc("2026-03-10T15:00:00Z")},
		{"23-hour day", ny, []metrics.GroupKey{{Key: "day", Date: date("2025-03-09")}}, utc("2025-03-09T05:00:00Z"), utc("2025-03-10T04:00:00Z")},
		{"25-hour day", ny, []metrics.GroupKey{{Key: "day", Date: date("2025-11-02")}}, utc("2025-11-02T04:00:00Z"), utc("2025-11-03T05:00:00Z")},
		{"hour before the jump", ny, []metrics.GroupKey{{Key: "hour", Date: date("2025-03-09"), Hour: 1}}, utc("2025-03-09T06:00:00Z"), utc("2025-03-09T07:00:00Z")},
		{"hour after the jump", ny, []metrics.GroupKey{{Key: "hour", Date: date("2025-03-09"), Hour: 3}}, utc("2025-03-09T07:00:00Z"), utc("2025-03-09T08:00:00Z")},
		{"repeated hour: both", ny, []metrics.GroupKey{{Key: "hour", Date: date("2025-11-02"), Hour: 1}}, utc("2025-11-02T05:00:00Z"), utc("2025-11-02T07:00:00Z")},
		{"hour after the repeat", ny, []metrics.GroupKey{{Key: "hour", Date: date("2025-11-02"), Hour: 2}}, utc("2025-11-02T07:00:00Z"), utc("2025-11-02T08:00:00Z")},
		{"last hour", ny, []metrics.GroupKey{{Key: "hour", Date: date("2025-11-02"), Hour: 23}}, utc("2025-11-03T04:00:00Z"), utc("2025-11-03T05:00:00Z")},
		{"day with no midnight", scl, []metrics.GroupKey{{Key: "day", Date: date("2025-09-07")}}, utc("2025-09-07T04:00:00Z"), utc("2025-09-08T03:00:00Z")},
		{"half-hour change", lhi, []metrics.GroupKey{{Key: "hour", Date: date("2025-04-06"), Hour: 1}}, utc("2025-04-05T14:00:00Z"), utc("2025-04-05T15:30:00Z")},
		{"week", ny, []metrics.GroupKey{{Key: "week", Date: date("2025-03-03")}}, utc("2025-03-03T05:00:00Z"), utc("2025-03-10T04:00:00Z")},
		{"month", ny, []metrics.GroupKey{{Key: "month", Date: date("2025-11-01")}}, utc("2025-11-01T04:00:00Z"), utc("2025-12-01T05:00:00Z")},
		{"week cut by month", ny, []metrics.GroupKey{{Key: "week", Date: date("2025-10-27")}, {Key: "month", Date: date("2025-11-01")}}, utc("2025-11-01T04:00:00Z"), utc("2025-11-03T05:00:00Z")},
		{"hour and an agent", seoul, []metrics.GroupKey{{Key: "agent", Text: "a1"}, {Key: "hour", Date: date("2026-03-10"), Hour: 9}}, utc("2026-03-10T00:00:00Z"), utc("2026-03-10T01:00:00Z")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, end, ok := Period(tt.keys, tt.loc)
			if !ok || !start.Equal(tt.start) || !end.Equal(tt.end) {
				t.Errorf("Period = %s..%s %v, want %s..%s", start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339), ok,
					tt.start.Format(time.RFC3339), tt.end.Format(time.RFC3339))
			}
		})
	}
	if _, _, ok := Period([]metrics.GroupKey{{Key: "agent", Text: "a1"}}, seoul); ok {
		t.Error("a row with no time key has a period")
	}
}

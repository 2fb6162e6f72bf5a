package synth_test

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"sqi/internal/pgtest"
	"sqi/synth"
)

var march7 = time.Date(2025, 3, 7, 0, 0, 0, 0, time.UTC)

// fingerprint sums up chat_events: rows, and a hash of every column but
// created_at in event_id order.
func fingerprint(t *testing.T, pool *pgxpool.Pool) (n int64, hash string) {
	t.Helper()
	const q = `
SELECT count(*), coalesce(md5(string_agg(concat_ws('|', event_id, tenant_id, room_id, type, occurred_at,
       actor, agent_id, team_id, channel, category, score), E'\n' ORDER BY event_id)), '')
  FROM chat_events`
	if err := pool.QueryRow(t.Context(), q).Scan(&n, &hash); err != nil {
		t.Fatal(err)
	}
	return n, hash
}

func TestGenerateTwice(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t).Pool
	opts := synth.Options{Tenants: 2, Days: 2, RoomsPerDay: 200, Seed: 3, Start: march7}

	first, err := synth.Generate(t.Context(), pool, opts)
	if err != nil {
		t.Fatal(err)
	}
	n, hash := fingerprint(t, pool)
	if first.Events != n || first.Skipped != 0 || first.Rooms != 2*2*200 || first.Bad == 0 {
		t.Errorf("first run = %+v; table has %d rows", first, n)
	}
	if got := first.From.Format(time.DateOnly) + ".." + first.To.Format(time.DateOnly); got != "2025-03-07..2025-03-08" {
		t.Errorf("range = %s, want 2025-03-07..2025-03-08", got)
	}

	second, err := synth.Generate(t.Context(), pool, opts)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if second.Events != 0 || second.Skipped != first.Events {
		t.Errorf("second run = %d events written, %d skipped; want 0, %d", second.Events, second.Skipped, first.Events)
	}
	if n2, hash2 := fingerprint(t, pool); n2 != n || hash2 != hash {
		t.Errorf("second run changed the table: %d rows (%s), was %d (%s)", n2, hash2, n, hash)
	}
}

// TestRunsAddUp checks that runs over parts of a data set write the same
// rows as one run over all of it: the next-morning surveys and late closes
// of a range's last day come with the run that covers the next day, and a
// run with more rooms a day adds rooms to the ones already there.
func TestRunsAddUp(t *testing.T) {
	t.Parallel()
	opts := func(start, days, rooms int) synth.Options {
		return synth.Options{Tenants: 2, Days: days, RoomsPerDay: rooms, Seed: 1, Start: march7.AddDate(0, 0, start)}
	}
	tests := []struct {
		name  string
		runs  []synth.Options
		whole synth.Options
	}{
		{name: "day by day", runs: []synth.Options{opts(0, 1, 300), opts(1, 1, 300), opts(2, 1, 300)}, whole: opts(0, 3, 300)},
		{name: "overlapping ranges", runs: []synth.Options{opts(0, 2, 300), opts(1, 2, 300)}, whole: opts(0, 3, 300)},
		{name: "more rooms a day", runs: []synth.Options{opts(0, 2, 100), opts(0, 2, 300)}, whole: opts(0, 2, 300)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			whole := pgtest.New(t).Pool
			if _, err := synth.Generate(t.Context(), whole, tt.whole); err != nil {
				t.Fatal(err)
			}
			wantN, want := fingerprint(t, whole)

			parts := pgtest.New(t).Pool
			var events int64
			for _, o := range tt.runs {
				res, err := synth.Generate(t.Context(), parts, o)
				if err != nil {
					t.Fatal(err)
				}
				events += res.Events
			}
			if n, got := fingerprint(t, parts); n != wantN || got != want || events != wantN {
				t.Errorf("runs: %d rows (%d written) %s; one run: %d rows %s", n, events, got, wantN, want)
			}
		})
	}
}

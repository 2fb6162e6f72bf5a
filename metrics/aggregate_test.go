package metrics

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// dataset is eight rooms of 2026-11-24 (Seoul), one of each kind, whose
// metrics are computed by hand below. Each room starts 1000 s after the
// one before.
//
//	R1 a1 T1 web billing: wait 10, turns 6 and 20, customer replies 5 and 14, survey 5
//	R2 a1→a2 T1 web: wait 30 (= sl_threshold_s), a1 answers a turn (2) and opens
//	   a customer reply turn (17); a2 leaves a turn unanswered; survey 3
//	R3 a1 T2 app: wait 31, dropped, one unanswered turn
//	R4 a3 T2 app: wait 100, still open, a pending turn (not counted)
//	R5 T1 web: abandoned after exactly short_abandon_s (not short)
//	R6 T1 web: short abandon after 4 s
//	R7 kakao: bot-only, survey 4
//	R8 T2 app: queued, still waiting
func dataset(t *testing.T) []Room {
	return []Room{
		mkRoom(t, "R1", 0,
			opened(0, channel("web")), queued(2, "T1"), assigned(12, "a1"),
			amsg(15, "a1"), cust(20), amsg(26, "a1"), cust(40), amsg(60, "a1"),
			closed(100, cat("billing")), wrapup(110), survey(200, 5)),
		mkRoom(t, "R2", 1000,
			opened(0, channel("web")), queued(0, "T1"), assigned(30, "a1"),
			cust(31), amsg(33, "a1"), ev(35, Transferred, agent("a2")), amsg(40, "a2"),
			cust(50), closed(70), wrapup(90), survey(100, 3)),
		mkRoom(t, "R3", 2000,
			opened(0, channel("app")), queued(5, "T2"), assigned(36, "a1"), cust(40), closed(50)),
		mkRoom(t, "R4", 3000,
			opened(0, channel("app")), queued(0, "T2"), assigned(100, "a3"), amsg(110, "a3"), cust(120)),
		mkRoom(t, "R5", 4000, opened(0, channel("web")), queued(10, "T1"), closed(15)),
		mkRoom(t, "R6", 5000, opened(0, channel("web")), queued(10, "T1"), closed(14)),
		mkRoom(t, "R7", 6000, opened(0, channel("kakao")), bot(1), closed(30), survey(60, 4)),
		mkRoom(t, "R8", 7000, opened(0, channel("app")), queued(3, "T2")),
	}
}

func TestDatasetFacts(t *testing.T) {
	// The facts the hand computation of the groups relies on.
	rooms := dataset(t)
	want := map[string]string{
		"R1": "a1=6 a1=20 | a1=5 a1=14",
		"R2": "a1=2 a2=- | a1=17",
		"R3": "a1=- | ",
		"R4": " | a3=10",
	}
	for _, r := range rooms {
		if w, ok := want[r.RoomID]; ok {
			if got := fmtTurns(r.Replies) + " | " + fmtTurns(r.CustomerReplies); got != w {
				t.Errorf("%s turns = %q, want %q", r.RoomID, got, w)
			}
		}
	}
}

func TestAggregateTotal(t *testing.T) {
	cfg := DefaultConfig("acme")
	rows := aggregate(t, &cfg, "2026-11-24", "2026-11-24", "", dataset(t)...)
	if len(rows) != 1 {
		t.Fatalf("%d rows, want 1", len(rows))
	}
	if len(rows[0].Keys) != 0 {
		t.Errorf("total row has keys %v", rows[0].Keys)
	}
	// offered 5 = answered 4 + abandoned 1; in SL: waits 10 and 30 of
	// 10, 30, 31, 100. Waits: avg 171/4, p50 30+0.5×1, p90 31+0.7×69.
	// first_response (15+33+110)/3; assigned_response (3+3+10)/3;
	// dropped 1 of 3 answered closed rooms; turns 6, 20, 2 + 2 unanswered;
	// p90 of [2,6,20] = 6+0.8×14; customer replies (5+14+17+10)/4;
	// handle (88+40+14)/3; wrapup (10+20)/2; surveys 5, 3, 4.
	// SQI = (25×0 + 15×73.571 + 20×100 + 30×55.556 + 10×0)/100 = 47.70.
	checkRow(t, "total", rows[0], `
		rooms=8 bot_only=1 queued=7 answered=4 abandoned=1 short_abandoned=1 offered=5
		answered_in_sl=2 service_level_pct=40 abandon_rate_pct=20
		wait_avg_s=42.75 wait_p50_s=30.5 wait_p90_s=79.3 wait_max_s=100
		first_response_avg_s=52.67 assigned_response_avg_s=5.33 dropped=1 drop_rate_pct=33.33
		reply_avg_s=9.33 reply_p90_s=17.2 reply_turns=5 unanswered_turns=2
		customer_reply_avg_s=11.5 handle_avg_s=47.33 wrapup_avg_s=15 transfers=1
		surveys=3 score_avg=4 csat_pct=66.67 survey_rate_pct=100
		sqi=47.7 grade=D comp.abandonment=0 comp.response=100 comp.satisfaction=55.56
		comp.service_level=0 comp.wait=73.57`)
}

func TestAggregateByAgent(t *testing.T) {
	cfg := DefaultConfig("acme")
	rows := aggregate(t, &cfg, "2026-11-24", "2026-11-24", "agent", dataset(t)...)
	var order []string
	for _, r := range rows {
		order = append(order, keysOf(r))
	}
	if want := []string{"agent_id=a1", "agent_id=a2", "agent_id=a3", "agent_id=null"}; !slices.Equal(order, want) {
		t.Fatalf("rows %v, want %v (null key last)", order, want)
	}
	byKey := rowsByKey(t, rows)
	// a1 owns R1 and R3; answered R1's two turns and R2's first; R3's
	// unanswered turn is a1's as its owner; R2's customer reply turn
	// (17) was opened by a1.
	checkRow(t, "a1", byKey["agent_id=a1"], `
		rooms=2 bot_only=0 queued=2 answered=2 abandoned=0 short_abandoned=0 offered=2
		answered_in_sl=1 service_level_pct=50 abandon_rate_pct=0
		wait_avg_s=20.5 wait_p50_s=20.5 wait_p90_s=28.9 wait_max_s=31
		first_response_avg_s=15 assigned_response_avg_s=3 dropped=1 drop_rate_pct=50
		reply_avg_s=9.33 reply_p90_s=17.2 reply_turns=4 unanswered_turns=1
		customer_reply_avg_s=12 handle_avg_s=51 wrapup_avg_s=10 transfers=0
		surveys=1 score_avg=5 csat_pct=100 survey_rate_pct=50
		sqi=74.2 grade=B comp.abandonment=100 comp.response=100 comp.satisfaction=100
		comp.service_level=0 comp.wait=94.76`)
	// a2 owns R2 (wait exactly 30: in SL) with its unanswered turn.
	// SQI = (25×100 + 15×85.714 + 30×0 + 10×100)/80: response is null.
	checkRow(t, "a2", byKey["agent_id=a2"], `
		rooms=1 bot_only=0 queued=1 answered=1 abandoned=0 short_abandoned=0 offered=1
		answered_in_sl=1 service_level_pct=100 abandon_rate_pct=0
		wait_avg_s=30 wait_p50_s=30 wait_p90_s=30 wait_max_s=30
		first_response_avg_s=33 assigned_response_avg_s=3 dropped=0 drop_rate_pct=0
		reply_avg_s=null reply_p90_s=null reply_turns=1 unanswered_turns=1
		customer_reply_avg_s=null handle_avg_s=40 wrapup_avg_s=20 transfers=1
		surveys=1 score_avg=3 csat_pct=0 survey_rate_pct=100
		sqi=59.8 grade=C comp.abandonment=100 comp.response=null comp.satisfaction=0
		comp.service_level=100 comp.wait=85.71`)
	// a3 owns the open R4: no closed room, so drop and survey rates are null.
	checkRow(t, "a3", byKey["agent_id=a3"], `
		rooms=1 bot_only=0 queued=1 answered=1 abandoned=0 short_abandoned=0 offered=1
		answered_in_sl=0 service_level_pct=0 abandon_rate_pct=0
		wait_avg_s=100 wait_p50_s=100 wait_p90_s=100 wait_max_s=100
		first_response_avg_s=110 assigned_response_avg_s=10 dropped=0 drop_rate_pct=null
		reply_avg_s=null reply_p90_s=null reply_turns=0 unanswered_turns=0
		customer_reply_avg_s=10 handle_avg_s=null wrapup_avg_s=null transfers=0
		surveys=0 score_avg=null csat_pct=null survey_rate_pct=null
		sqi=25.7 grade=D comp.abandonment=100 comp.response=null comp.satisfaction=null
		comp.service_level=0 comp.wait=19.05`)
	// Rooms without an agent: R5 (abandoned), R6 (short), R7 (bot-only,
	// surveyed), R8 (waiting). SQI = (25×0 + 30×55.556 + 10×0)/65.
	checkRow(t, "null agent", byKey["agent_id=null"], `
		rooms=4 bot_only=1 queued=3 answered=0 abandoned=1 short_abandoned=1 offered=1
		answered_in_sl=0 service_level_pct=0 abandon_rate_pct=100
		wait_avg_s=null wait_p50_s=null wait_p90_s=null wait_max_s=null
		first_response_avg_s=null assigned_response_avg_s=null dropped=0 drop_rate_pct=null
		reply_avg_s=null reply_p90_s=null reply_turns=0 unanswered_turns=0
		customer_reply_avg_s=null handle_avg_s=null wrapup_avg_s=null transfers=0
		surveys=1 score_avg=4 csat_pct=100 survey_rate_pct=null
		sqi=25.6 grade=D comp.abandonment=0 comp.response=null comp.satisfaction=55.56
		comp.service_level=0 comp.wait=null`)
}

func TestAggregateByTeam(t *testing.T) {
	cfg := DefaultConfig("acme")
	rows := aggregate(t, &cfg, "2026-11-24", "2026-11-24", "team", dataset(t)...)
	var order []string
	for _, r := range rows {
		order = append(order, keysOf(r))
	}
	if want := []string{"team_id=T1", "team_id=T2", "team_id=null"}; !slices.Equal(order, want) {
		t.Fatalf("rows %v, want %v", order, want)
	}
	byKey := rowsByKey(t, rows)
	// T1: R1, R2, R5, R6. Turns stay with the room's team whoever answers.
	// SQI = (25×41.667 + 15×95.238 + 20×100 + 30×55.556 + 10×0)/100.
	checkRow(t, "T1", byKey["team_id=T1"], `
		rooms=4 bot_only=0 queued=4 answered=2 abandoned=1 short_abandoned=1 offered=3
		answered_in_sl=2 service_level_pct=66.67 abandon_rate_pct=33.33
		wait_avg_s=20 wait_p50_s=20 wait_p90_s=28 wait_max_s=30
		first_response_avg_s=24 assigned_response_avg_s=3 dropped=0 drop_rate_pct=0
		reply_avg_s=9.33 reply_p90_s=17.2 reply_turns=4 unanswered_turns=1
		customer_reply_avg_s=12 handle_avg_s=64 wrapup_avg_s=15 transfers=1
		surveys=2 score_avg=4 csat_pct=50 survey_rate_pct=100
		sqi=61.4 grade=C comp.abandonment=0 comp.response=100 comp.satisfaction=55.56
		comp.service_level=41.67 comp.wait=95.24`)
	// T2: R3, R4, R8. SQI = (25×0 + 15×51.905 + 10×100)/50.
	checkRow(t, "T2", byKey["team_id=T2"], `
		rooms=3 bot_only=0 queued=3 answered=2 abandoned=0 short_abandoned=0 offered=2
		answered_in_sl=0 service_level_pct=0 abandon_rate_pct=0
		wait_avg_s=65.5 wait_p50_s=65.5 wait_p90_s=93.1 wait_max_s=100
		first_response_avg_s=110 assigned_response_avg_s=10 dropped=1 drop_rate_pct=100
		reply_avg_s=null reply_p90_s=null reply_turns=1 unanswered_turns=1
		customer_reply_avg_s=10 handle_avg_s=14 wrapup_avg_s=null transfers=0
		surveys=0 score_avg=null csat_pct=null survey_rate_pct=0
		sqi=35.6 grade=D comp.abandonment=100 comp.response=null comp.satisfaction=null
		comp.service_level=0 comp.wait=51.9`)
	// The bot-only room R7 has no team.
	checkRow(t, "null team", byKey["team_id=null"], emptyRow(`rooms=1 bot_only=1 surveys=1
		score_avg=4 csat_pct=100 sqi=55.6 grade=C comp.satisfaction=55.56`))
}

func TestAggregateByOtherKeys(t *testing.T) {
	cfg := DefaultConfig("acme")
	rooms := dataset(t)
	cases := []struct {
		groupBy string
		rooms   map[string]float64 // keys → rooms
		turns   map[string]float64 // keys → reply_turns
	}{
		{"channel",
			map[string]float64{"channel=web": 4, "channel=app": 3, "channel=kakao": 1},
			map[string]float64{"channel=web": 4, "channel=app": 1, "channel=kakao": 0}},
		{"category",
			map[string]float64{"category=billing": 1, "category=null": 7},
			map[string]float64{"category=billing": 2, "category=null": 3}},
		{"day",
			map[string]float64{"day=2026-11-24": 8},
			map[string]float64{"day=2026-11-24": 5}},
		{"week,month",
			map[string]float64{"week=2026-11-23 month=2026-11": 8},
			map[string]float64{"week=2026-11-23 month=2026-11": 5}},
		{"hour",
			// R1..R4 open 10:00-10:50, R5..R8 11:06-11:56 (Seoul).
			map[string]float64{"hour=2026-11-24T10:00": 4, "hour=2026-11-24T11:00": 4},
			map[string]float64{"hour=2026-11-24T10:00": 5, "hour=2026-11-24T11:00": 0}},
		{"day,agent",
			map[string]float64{"day=2026-11-24 agent_id=a1": 2, "day=2026-11-24 agent_id=a2": 1,
				"day=2026-11-24 agent_id=a3": 1, "day=2026-11-24 agent_id=null": 4},
			map[string]float64{"day=2026-11-24 agent_id=a1": 4, "day=2026-11-24 agent_id=a2": 1,
				"day=2026-11-24 agent_id=a3": 0, "day=2026-11-24 agent_id=null": 0}},
		{"agent,team",
			map[string]float64{"agent_id=a1 team_id=T1": 1, "agent_id=a1 team_id=T2": 1,
				"agent_id=a2 team_id=T1": 1, "agent_id=a3 team_id=T2": 1,
				"agent_id=null team_id=T1": 2, "agent_id=null team_id=T2": 1,
				"agent_id=null team_id=null": 1},
			map[string]float64{"agent_id=a1 team_id=T1": 3, "agent_id=a1 team_id=T2": 1,
				"agent_id=a2 team_id=T1": 1, "agent_id=a3 team_id=T2": 0,
				"agent_id=null team_id=T1": 0, "agent_id=null team_id=T2": 0,
				"agent_id=null team_id=null": 0}},
	}
	for _, tc := range cases {
		t.Run(tc.groupBy, func(t *testing.T) {
			rows := aggregate(t, &cfg, "2026-11-24", "2026-11-24", tc.groupBy, rooms...)
			got := rowsByKey(t, rows)
			if len(got) != len(tc.rooms) {
				var keys []string
				for k := range got {
					keys = append(keys, k)
				}
				t.Fatalf("groups %v, want %d groups", keys, len(tc.rooms))
			}
			for k, n := range tc.rooms {
				r, ok := got[k]
				if !ok {
					t.Errorf("no group %q", k)
					continue
				}
				if m := metric(t, r, "rooms"); m != n {
					t.Errorf("%s: rooms = %v, want %v", k, m, n)
				}
				if m := metric(t, r, "reply_turns"); m != tc.turns[k] {
					t.Errorf("%s: reply_turns = %v, want %v", k, m, tc.turns[k])
				}
			}
			if !slices.IsSortedFunc(rows, compareRows) {
				t.Errorf("rows are not sorted")
			}
		})
	}
}

// An agent who answered a turn in a room someone else owns gets a row of
// their own although they own no room (docs/metrics.md: "a group appears when a
// room or a turn falls in it").
func TestAggregateAgentWithTurnsOnly(t *testing.T) {
	cfg := DefaultConfig("acme")
	r := mkRoom(t, "R", 0,
		opened(0), queued(10, "T1"), assigned(20, "a1"),
		cust(30), amsg(45, "a1"), // a1 answers: 15
		ev(50, Transferred, agent("a2")), amsg(55, "a2"),
		closed(60))
	rows := rowsByKey(t, aggregate(t, &cfg, "2026-11-24", "2026-11-24", "agent", r))
	if len(rows) != 2 {
		t.Fatalf("%d rows, want a1 and a2", len(rows))
	}
	// reply 15 → 100×(15−180)/(30−180) = 110, clamped to 100.
	checkRow(t, "a1", rows["agent_id=a1"], emptyRow(`rooms=0 reply_turns=1 reply_avg_s=15
		reply_p90_s=15 sqi=100 grade=S comp.response=100`))
	checkRow(t, "a2", rows["agent_id=a2"], `
		rooms=1 bot_only=0 queued=1 answered=1 abandoned=0 short_abandoned=0 offered=1
		answered_in_sl=1 service_level_pct=100 abandon_rate_pct=0
		wait_avg_s=10 wait_p50_s=10 wait_p90_s=10 wait_max_s=10
		first_response_avg_s=45 assigned_response_avg_s=25 dropped=0 drop_rate_pct=0
		reply_avg_s=null reply_p90_s=null reply_turns=0 unanswered_turns=0
		customer_reply_avg_s=null handle_avg_s=40 wrapup_avg_s=null transfers=1
		surveys=0 score_avg=null csat_pct=null survey_rate_pct=0
		sqi=100 grade=S comp.abandonment=100 comp.response=null comp.satisfaction=null
		comp.service_level=100 comp.wait=100`)
}

// TestAggregateBoundaries: a wait of exactly sl_threshold_s is in the
// service level; an abandon after exactly short_abandon_s is not short.
func TestAggregateBoundaries(t *testing.T) {
	cases := []struct {
		name       string
		sl, short  float64
		room       []Event
		inSL, ans  float64
		abandoned  float64
		shortAband float64
	}{
		{"wait 30 = sl 30: in SL", 30, 5, answeredAfter(30), 1, 1, 0, 0},
		{"wait 29.999: in SL", 30, 5, answeredAfter(29.999), 1, 1, 0, 0},
		{"wait 30.001: not in SL", 30, 5, answeredAfter(30.001), 0, 1, 0, 0},
		{"wait 0: in SL", 30, 5, answeredAfter(0), 1, 1, 0, 0},
		{"wait 45 = sl 45: in SL", 45, 5, answeredAfter(45), 1, 1, 0, 0},
		{"wait 46 > sl 45: not in SL", 45, 5, answeredAfter(46), 0, 1, 0, 0},
		{"abandon after 5 = short 5: abandoned", 30, 5, abandonAfter(5), 0, 0, 1, 0},
		{"abandon after 4.999: short", 30, 5, abandonAfter(4.999), 0, 0, 0, 1},
		{"abandon after 0: short", 30, 5, abandonAfter(0), 0, 0, 0, 1},
		{"abandon after 0 with short 0: abandoned", 30, 0, abandonAfter(0), 0, 0, 1, 0},
		{"abandon after 5.5 with short 6: short", 30, 6, abandonAfter(5.5), 0, 0, 0, 1},
		{"abandon after 6 with short 6: abandoned", 30, 6, abandonAfter(6), 0, 0, 1, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig("acme")
			cfg.SLThresholdS, cfg.ShortAbandonS = tc.sl, tc.short
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			r := mkRoom(t, "R", 0, tc.room...)
			row := aggregate(t, &cfg, "2026-11-24", "2026-11-24", "", r)[0]
			offered := tc.ans + tc.abandoned
			for name, want := range map[string]float64{
				"answered_in_sl": tc.inSL, "answered": tc.ans, "abandoned": tc.abandoned,
				"short_abandoned": tc.shortAband, "offered": offered, "queued": 1,
			} {
				if got := metric(t, row, name); got != want {
					t.Errorf("%s = %v, want %v", name, got, want)
				}
			}
			sl, ar := metric(t, row, "service_level_pct"), metric(t, row, "abandon_rate_pct")
			if offered == 0 {
				// A short abandon alone: nothing offered, both rates null.
				if !math.IsNaN(sl) || !math.IsNaN(ar) {
					t.Errorf("service_level_pct %v abandon_rate_pct %v, want null (offered 0)", sl, ar)
				}
			} else if sl != 100*tc.inSL/offered || ar != 100*tc.abandoned/offered {
				t.Errorf("service_level_pct %v abandon_rate_pct %v", sl, ar)
			}
		})
	}
}

func answeredAfter(wait float64) []Event {
	return []Event{opened(0), queued(10, "T1"), assigned(10+wait, "a1"), amsg(10+wait+1, "a1"), closed(10 + wait + 50)}
}

func abandonAfter(after float64) []Event {
	return []Event{opened(0), queued(10, "T1"), closed(10 + after)}
}

// TestAggregatePercentiles: the wait percentiles of a group are
// PostgreSQL's percentile_cont over its rooms: p90 of [1,2,3,4,10] is
// 4 + 0.6 × (10 − 4) = 7.6.
func TestAggregatePercentiles(t *testing.T) {
	cfg := DefaultConfig("acme")
	var rooms []Room
	for i, w := range []float64{10, 3, 1, 4, 2} { // any order
		rooms = append(rooms, mkRoom(t, "R", float64(i)*100, answeredAfter(w)...))
	}
	row := aggregate(t, &cfg, "2026-11-24", "2026-11-24", "", rooms...)[0]
	for name, want := range map[string]float64{
		"wait_avg_s": 4, "wait_p50_s": 3, "wait_p90_s": 7.6, "wait_max_s": 10, "answered_in_sl": 5,
	} {
		if got := metric(t, row, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if v := row.Values[MWaitP90].V; math.Abs(v-7.6) > 1e-12 {
		t.Errorf("unrounded wait_p90_s = %v, want 7.6", v)
	}
}

// TestAggregateMonthFromRooms: a month's p90 is the p90 of the month's
// rooms, not an average of daily values.
func TestAggregateMonthFromRooms(t *testing.T) {
	cfg := DefaultConfig("acme")
	var rooms []Room
	day := 86400.0
	for i, w := range []float64{10, 20} { // 2026-11-24
		rooms = append(rooms, mkRoom(t, "D1", float64(i)*100, answeredAfter(w)...))
	}
	for i, w := range []float64{30, 40, 50, 100} { // 2026-11-25
		rooms = append(rooms, mkRoom(t, "D2", day+float64(i)*100, answeredAfter(w)...))
	}
	days := rowsByKey(t, aggregate(t, &cfg, "2026-11-01", "2026-11-30", "day", rooms...))
	month := rowsByKey(t, aggregate(t, &cfg, "2026-11-01", "2026-11-30", "month", rooms...))
	checks := []struct {
		key, metric string
		want        float64
	}{
		{"day=2026-11-24", "wait_p90_s", 19},   // 10 + 0.9×10
		{"day=2026-11-25", "wait_p90_s", 85},   // pos 2.7: 50 + 0.7×50
		{"month=2026-11", "wait_p90_s", 75},    // pos 4.5 of 6: 50 + 0.5×50 (not (19+85)/2)
		{"month=2026-11", "wait_p50_s", 35},    // 30 + 0.5×10
		{"month=2026-11", "wait_avg_s", 41.67}, // 250/6 (not (15+55)/2)
		{"month=2026-11", "rooms", 6},
	}
	all := map[string]Row{}
	for k, v := range days {
		all[k] = v
	}
	for k, v := range month {
		all[k] = v
	}
	for _, c := range checks {
		r, ok := all[c.key]
		if !ok {
			t.Fatalf("no row %s", c.key)
		}
		if got := metric(t, r, c.metric); got != c.want {
			t.Errorf("%s %s = %v, want %v", c.key, c.metric, got, c.want)
		}
	}
}

func TestAggregateNoRooms(t *testing.T) {
	cfg := DefaultConfig("acme")
	rows := aggregate(t, &cfg, "2026-11-24", "2026-11-24", "")
	if len(rows) != 1 {
		t.Fatalf("%d rows, want the single total row", len(rows))
	}
	checkRow(t, "no rooms", rows[0], emptyRow("rooms=0"))
	for _, g := range []string{"day", "agent", "hour,team"} {
		if rows := aggregate(t, &cfg, "2026-11-24", "2026-11-24", g); len(rows) != 0 {
			t.Errorf("group_by %s: %d rows, want none", g, len(rows))
		}
	}
}

func TestAggregateDateRange(t *testing.T) {
	cfg := DefaultConfig("acme")
	rooms := []Room{
		mkRoom(t, "before", -86400, abandonAfter(10)...), // 2026-11-23
		mkRoom(t, "first", 0, abandonAfter(10)...),       // 2026-11-24
		mkRoom(t, "last", 86400, abandonAfter(10)...),    // 2026-11-25
		mkRoom(t, "after", 2*86400, abandonAfter(10)...), // 2026-11-26
	}
	row := aggregate(t, &cfg, "2026-11-24", "2026-11-25", "", rooms...)[0]
	if got := metric(t, row, "rooms"); got != 2 {
		t.Errorf("rooms = %v, want 2 (from and to are inclusive)", got)
	}
	days := rowsByKey(t, aggregate(t, &cfg, "2026-11-24", "2026-11-25", "day", rooms...))
	for _, k := range []string{"day=2026-11-24", "day=2026-11-25"} {
		if r, ok := days[k]; !ok || metric(t, r, "rooms") != 1 {
			t.Errorf("no group %s with one room", k)
		}
	}
	if len(days) != 2 {
		t.Errorf("%d day groups, want 2", len(days))
	}
}

// TestAggregateNoNaN: every value of every row of every grouping is a
// number or null.
func TestAggregateNoNaN(t *testing.T) {
	cfg := DefaultConfig("acme")
	rooms := dataset(t)
	for _, c := range contradictions {
		r, _, _ := ComputeRoom(slices.Clone(c.evs), nil)
		rooms = append(rooms, r)
	}
	for _, g := range []string{"", "hour", "day", "week", "month", "agent", "team", "channel", "category",
		strings.Join(GroupKeys, ",")} {
		for _, row := range aggregate(t, &cfg, "2026-11-24", "2026-11-24", g, rooms...) {
			vals := append(row.Values[:], row.SQI)
			for _, c := range row.Components {
				vals = append(vals, c.Points)
			}
			for i, v := range vals {
				if !v.Null && (math.IsNaN(v.V) || math.IsInf(v.V, 0)) {
					t.Errorf("group_by %q %s: value %d is %v", g, keysOf(row), i, v.V)
				}
			}
		}
	}
}

func TestParseGroupBy(t *testing.T) {
	cases := []struct {
		in      string
		want    []string
		errPart string
	}{
		{"", []string{}, ""},
		{"day", []string{"day"}, ""},
		{"agent,day", []string{"agent", "day"}, ""},
		{" day , agent ", []string{"day", "agent"}, ""},
		{"day,,agent", []string{"day", "agent"}, ""},
		{"hour,day,week,month,agent,team,channel,category,in_hours", GroupKeys, ""},
		{"daily", nil, `unknown group_by key "daily"`},
		{"agent_id", nil, `unknown group_by key "agent_id"`},
		{"Day", nil, `unknown group_by key "Day"`},
		{"day,day", nil, `"day" given twice`},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseGroupBy(strings.Split(tc.in, ","))
			if tc.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errPart) {
					t.Fatalf("err = %v, want one containing %s", err, tc.errPart)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("= %v, %v, want %v", got, err, tc.want)
			}
		})
	}
	for key, col := range map[string]string{"hour": "hour", "day": "day", "week": "week", "month": "month",
		"agent": "agent_id", "team": "team_id", "channel": "channel", "category": "category"} {
		if got := KeyColumn(key); got != col {
			t.Errorf("KeyColumn(%s) = %s, want %s", key, got, col)
		}
	}
}

// TestAggregateAssignedBeforeQueued: a room assigned before it was queued,
// and never after (clock skew), counts in rooms only, under the agent who
// took it, and is a room reject with its reason; before, it counted as an
// abandon of the queue, under that agent.
func TestAggregateAssignedBeforeQueued(t *testing.T) {
	cfg := DefaultConfig("acme")
	list := events(opened(0), assigned(5, "a0"), queued(10, "T1"), amsg(12, "a0"), cust(20), amsg(30, "a0"), closed(60))
	for i := range list {
		list[i].RoomID = "skewed"
		list[i].OccurredAt = t0.Add(list[i].OccurredAt.Sub(t0))
	}
	r, rej, ok := ComputeRoom(list, nil)
	if !ok || len(rej) != 1 || rej[0].Reason != RejectAssignedBeforeQueued || rej[0].EventID != 0 {
		t.Fatalf("ok %v, rejects %+v: want one room reject assigned_before_queued", ok, rej)
	}
	good := mkRoom(t, "good", 100, opened(0), queued(10, "T1"), assigned(20, "a0"), amsg(25, "a0"), closed(90))
	rows := rowsByKey(t, aggregate(t, &cfg, "2026-11-24", "2026-11-24", "agent", r, good))
	if len(rows) != 1 {
		t.Fatalf("%d rows, want a0 only", len(rows))
	}
	checkRow(t, "a0", rows["agent_id=a0"], `
		rooms=2 bot_only=0 queued=1 answered=1 abandoned=0 short_abandoned=0 offered=1
		answered_in_sl=1 service_level_pct=100 abandon_rate_pct=0
		wait_avg_s=10 wait_p50_s=10 wait_p90_s=10 wait_max_s=10
		first_response_avg_s=25 assigned_response_avg_s=5 dropped=0 drop_rate_pct=0
		reply_avg_s=null reply_p90_s=null reply_turns=0 unanswered_turns=0
		customer_reply_avg_s=null handle_avg_s=70 wrapup_avg_s=null transfers=0
		surveys=0 score_avg=null csat_pct=null survey_rate_pct=0
		sqi=100 grade=S comp.abandonment=100 comp.response=null comp.satisfaction=null
		comp.service_level=100 comp.wait=100`)
}

package api

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"sqi/metrics"
	"sqi/query"
	"sqi/store"
)

// The drill-down filters of /rooms (docs/api.md). agent_id, team_id,
// channel and category select on the stored facts, in SQL (store.RoomFilter);
// outcome, wait_gt, score_lte and in_hours depend on the tenant's
// configuration and hours, so they are decided by the cells of the room
// export itself (metrics.RoomField.Value: Room.Outcome, the view's clock,
// its business hours): a room passes a filter exactly when its row of the
// export shows the value asked for.

// roomFilterParams are the filter parameters.
var roomFilterParams = []string{"agent_id", "team_id", "channel", "category", "outcome", "wait_gt", "score_lte", "in_hours"}

// roomOutcomes are the values of outcome: the export's outcome column,
// dropped, and open (not closed yet).
var roomOutcomes = []string{
	metrics.OutcomeBotOnly, metrics.OutcomeAnswered, metrics.OutcomeAbandoned, metrics.OutcomeShortAbandoned,
	"dropped", "open", metrics.OutcomeWaiting, metrics.OutcomeInvalid,
}

// maxFilterText bounds a text filter: longer than any id.
const maxFilterText = 1000

type roomFilter struct {
	store    store.RoomFilter
	outcome  string
	waitGT   float64 // NaN: no filter
	scoreLTE int64   // 0: no filter
	inHours  *bool
}

func field(name string) *metrics.RoomField {
	f, ok := metrics.RoomFieldByName(name)
	if !ok {
		panic("api: no room field " + name)
	}
	return f
}

// The export columns the filters read.
var (
	fieldOutcome  = field("outcome")
	fieldDropped  = field("dropped")
	fieldClosedAt = field("closed_at")
	fieldWait     = field("wait_s")
	fieldScore    = field("score")
	fieldInHours  = field("in_hours")
)

// parseRoomFilter reads the filters; each is checked and named when wrong.
func parseRoomFilter(v url.Values) (roomFilter, error) {
	f := roomFilter{waitGT: math.NaN()}
	for _, t := range []struct {
		param string
		dst   **string
	}{{"agent_id", &f.store.Agent}, {"team_id", &f.store.Team}, {"channel", &f.store.Channel}, {"category", &f.store.Category}} {
		raw, ok := v[t.param]
		if !ok {
			continue
		}
		s := raw[0]
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) || len(s) > maxFilterText {
			return f, &query.ParamError{Param: t.param, Detail: fmt.Sprintf("%s %s: give the exact text of the %s (valid UTF-8, no NUL, at most %d bytes), or an empty value for the rooms without one",
				t.param, quote(s), strings.TrimSuffix(t.param, "_id"), maxFilterText)}
		}
		*t.dst = &s
	}
	if raw, ok := v["outcome"]; ok {
		if !slices.Contains(roomOutcomes, raw[0]) {
			return f, &query.ParamError{Param: "outcome", Detail: fmt.Sprintf("outcome %s: use one of %s", quote(raw[0]), strings.Join(roomOutcomes, ", "))}
		}
		f.outcome = raw[0]
	}
	if raw, ok := v["wait_gt"]; ok {
		w, err := strconv.ParseFloat(raw[0], 64)
		if err != nil || math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
			return f, &query.ParamError{Param: "wait_gt", Detail: fmt.Sprintf("wait_gt %s: give a number of seconds, 0 or more (the rooms whose wait is longer)", quote(raw[0]))}
		}
		f.waitGT = w
	}
	if raw, ok := v["score_lte"]; ok {
		n, err := strconv.ParseInt(raw[0], 10, 64)
		if err != nil || n < 1 || n > 5 {
			return f, &query.ParamError{Param: "score_lte", Detail: fmt.Sprintf("score_lte %s: give a survey score from 1 to 5 (the rooms whose score is at most that)", quote(raw[0]))}
		}
		f.scoreLTE = n
	}
	if raw, ok := v["in_hours"]; ok {
		b, err := strconv.ParseBool(raw[0])
		if err != nil || (raw[0] != "true" && raw[0] != "false") {
			return f, &query.ParamError{Param: "in_hours", Detail: fmt.Sprintf("in_hours %s: use true (rooms opened in business hours) or false", quote(raw[0]))}
		}
		f.inHours = &b
	}
	return f, nil
}

// match reports whether room r passes the filters that are not SQL: those
// its export row decides.
func (f *roomFilter) match(r *metrics.Room, v *metrics.View) bool {
	v.Begin() // the room may be a reused value
	switch f.outcome {
	case "":
	case "dropped":
		if c := fieldDropped.Value(r, v); c.Null || !c.B {
			return false
		}
	case "open":
		if c := fieldClosedAt.Value(r, v); !c.Null {
			return false
		}
	default:
		if fieldOutcome.Value(r, v).S != f.outcome {
			return false
		}
	}
	if !math.IsNaN(f.waitGT) {
		if c := fieldWait.Value(r, v); c.Null || !(c.F > f.waitGT) {
			return false
		}
	}
	if f.scoreLTE > 0 {
		if c := fieldScore.Value(r, v); c.Null || c.I > f.scoreLTE {
			return false
		}
	}
	if f.inHours != nil && fieldInHours.Value(r, v).B != *f.inHours {
		return false
	}
	return true
}

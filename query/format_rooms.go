package query

import (
	"math"
	"time"

	"sqi/metrics"
)

// RoomColumns are the columns of the room export (GET /v1/tenants/T/rooms):
// the facts of docs/metrics.md under the names of the room_facts table, and the
// room's part in the counts of docs/metrics.md under the tenant's configuration
// (answered_in_sl depends on sl_threshold_s, abandoned and short_abandoned
// on short_abandon_s), so that summing an export gives the /sqi counts.
var RoomColumns = []Column{
	{"tenant_id", KindString},
	{"room_id", KindString},
	{"day", KindDate}, // local date of opened_at: the room's day in /sqi
	{"opened_at", KindTime},
	{"queued_at", KindTime},
	{"assigned_at", KindTime},
	{"closed_at", KindTime},
	{"agent_id", KindString},
	{"team_id", KindString},
	{"channel", KindString},
	{"category", KindString},
	{"bot_only", KindBool},
	{"queued", KindBool},
	{"answered", KindBool},
	{"abandoned", KindBool},
	{"short_abandoned", KindBool},
	{"answered_in_sl", KindBool},
	{"dropped", KindBool},
	{"wait_s", KindFloat},
	{"first_response_s", KindFloat},
	{"assigned_response_s", KindFloat},
	{"handle_s", KindFloat},
	{"wrapup_s", KindFloat},
	{"transfers", KindInt},
	{"score", KindInt},
	{"reply_turns", KindInt},
	{"unanswered_turns", KindInt},
	{"reply_avg_s", KindFloat},
	{"customer_reply_turns", KindInt},
	{"customer_reply_avg_s", KindFloat},
	{"invalid_reason", KindString},
}

// RoomTable is the table of the room export of a tenant.
func RoomTable(cfg *metrics.Config) Table {
	return Table{Columns: RoomColumns, Location: cfg.Location()}
}

// firstMeasure is the index in RoomColumns of the first column that a
// contradictory room leaves null.
const firstMeasure = 11 // bot_only

// RoomCells returns the export of r under cfg, appended to dst[:0].
//
// A contradictory room (invalid_reason set) counts in rooms only (docs/metrics.md),
// so every column from bot_only on is null for it, except invalid_reason:
// an export summed or averaged column by column gives the /sqi metrics.
// Durations are the facts' own, unrounded, for the same reason.
func RoomCells(dst []Cell, cfg *metrics.Config, r *metrics.Room) []Cell {
	dst = dst[:0]
	loc := cfg.Location()
	local := r.OpenedAt.In(loc)
	dst = append(dst,
		Cell{S: r.TenantID},
		Cell{S: r.RoomID},
		Cell{T: time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)},
		timeCell(r.OpenedAt), timeCell(r.QueuedAt), timeCell(r.AssignedAt), timeCell(r.ClosedAt),
		textCell(r.Agent), textCell(r.Team), textCell(r.Channel), textCell(r.Category),
	)
	if r.InvalidReason != "" {
		for range len(RoomColumns) - firstMeasure - 1 {
			dst = append(dst, Cell{Null: true})
		}
		return append(dst, Cell{S: r.InvalidReason})
	}
	answered := r.Answered()
	after := r.AbandonedAfter()
	abandoned := !math.IsNaN(after)
	replyAvg, replied := mean(r.Replies)
	custAvg, _ := mean(r.CustomerReplies)
	dst = append(dst,
		Cell{B: !r.Queued()},
		Cell{B: r.Queued()},
		Cell{B: answered},
		Cell{B: abandoned && after >= cfg.ShortAbandonS},
		Cell{B: abandoned && after < cfg.ShortAbandonS},
		Cell{B: answered && r.Wait <= cfg.SLThresholdS},
		Cell{B: answered && r.Closed() && r.Dropped},
		floatCell(r.Wait), floatCell(r.FirstResponse), floatCell(r.AssignedResponse),
		floatCell(r.Handle), floatCell(r.Wrapup),
		Cell{I: int64(r.Transfers)},
		Cell{Null: r.Score == 0, I: int64(r.Score)},
		Cell{I: int64(len(r.Replies))},
		Cell{I: int64(len(r.Replies) - replied)},
		floatCell(replyAvg),
		Cell{I: int64(len(r.CustomerReplies))},
		floatCell(custAvg),
		Cell{Null: true}, // invalid_reason
	)
	return dst
}

// mean returns the mean of the answered turns (NaN when none) and how many
// there are.
func mean(ts []metrics.Turn) (float64, int) {
	var sum float64
	n := 0
	for _, t := range ts {
		if t.Answered() {
			sum += t.Seconds
			n++
		}
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return sum / float64(n), n
}

func timeCell(t time.Time) Cell { return Cell{Null: t.IsZero(), T: t} }

func textCell(s string) Cell { return Cell{Null: s == "", S: s} }

func floatCell(v float64) Cell {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Cell{Null: true}
	}
	return Cell{F: v}
}

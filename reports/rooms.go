package reports

import (
	"context"
	"math"
	"time"

	"github.com/xuri/excelize/v2"

	"sqi/metrics"
	"sqi/store"
)

type roomKind int

const (
	roomText roomKind = iota
	roomTime
	roomSeconds
	roomCount
	roomBool
)

// roomColumns are the columns of the Rooms sheet: the room facts of
// docs/metrics.md under their room_facts names, with the outcome and the reply
// turns summed up.
var roomColumns = []struct {
	key   string
	kind  roomKind
	width float64
	def   string
}{
	{"room_id", roomText, 18, "The room's id in the chat platform."},
	{"opened_at", roomTime, 19, "room_opened (its earliest event if that is missing), local time."},
	{"queued_at", roomTime, 19, "First queued event."},
	{"assigned_at", roomTime, 19, "First agent_assigned at or after queued_at."},
	{"closed_at", roomTime, 19, "Last room_closed; empty while the room is open."},
	{"agent_id", roomText, 14, "The room's agent: of the last agent_assigned or agent-bearing transferred."},
	{"team_id", roomText, 12, "Team of the first queued event."},
	{"channel", roomText, 10, "Channel of room_opened."},
	{"category", roomText, 14, "Last non-null category."},
	{"outcome", roomText, 14, ""},
	{"wait_s", roomSeconds, 11, "assigned_at − queued_at."},
	{"first_response_s", roomSeconds, 11, "First agent message − opened_at."},
	{"assigned_response_s", roomSeconds, 11, "First agent message at or after assigned_at − assigned_at."},
	{"handle_s", roomSeconds, 11, "closed_at − assigned_at."},
	{"wrapup_s", roomSeconds, 11, "First wrapup_done at or after closed_at − closed_at."},
	{"dropped", roomBool, 9, "Answered and closed with no agent message at or after assigned_at (TRUE/FALSE; empty when not answered and closed)."},
	{"transfers", roomCount, 9, "Number of transferred events."},
	{"score", roomCount, 8, "Latest survey score, 1..5."},
	{"reply_turns", roomCount, 9, "Reply turns of the room, answered or not."},
	{"unanswered_turns", roomCount, 9, "Reply turns still open when the room closed."},
	{"reply_avg_s", roomSeconds, 11, "Mean of the room's answered reply turns."},
	{"invalid_reason", roomText, 16, "Set when the room's times contradict each other: it counts in rooms only."},
}

// outcome classifies a room for the Rooms sheet.
func outcome(r *metrics.Room, cfg *metrics.Config) string {
	switch {
	case r.InvalidReason != "":
		return "invalid"
	case !r.Queued():
		return "bot_only"
	case r.Answered():
		return "answered"
	}
	if after := r.AbandonedAfter(); !math.IsNaN(after) {
		if after < cfg.ShortAbandonS {
			return "short_abandoned"
		}
		return "abandoned"
	}
	return "waiting"
}

// rooms streams one row per room of the day, in opened_at order, from the
// database into the sheet. Nothing is kept per room: the stream writer
// spills its XML to a temporary file. A streamed sheet carries no chart
// (excelize issue #1766): the charts are on Summary and Hourly.
func (b *book) rooms(ctx context.Context, db *store.DB) error {
	t, d := b.t, b.d
	sw, err := b.f.NewStreamWriter("Rooms")
	if err != nil {
		return err
	}
	for i, c := range roomColumns {
		w := max(c.width, displayWidth(t.Room[c.key])+2)
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 1, YSplit: 2, TopLeftCell: "B3", ActivePane: "bottomRight",
		Selection: []excelize.Selection{{SQRef: "B3", ActiveCell: "B3", Pane: "bottomRight"}}}); err != nil {
		return err
	}
	o := "landscape"
	if err := b.f.SetPageLayout("Rooms", &excelize.PageLayoutOptions{Orientation: &o}); err != nil {
		return err
	}
	if err := b.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: "Rooms", RefersTo: "'Rooms'!$1:$2"}); err != nil {
		return err
	}
	styles := map[roomKind]int{}
	for k, name := range map[roomKind]string{roomTime: "datetime", roomSeconds: "seconds", roomCount: "count"} {
		if styles[k], err = b.style(name); err != nil {
			return err
		}
	}
	header, err := b.style("header")
	if err != nil {
		return err
	}
	key, err := b.style("key")
	if err != nil {
		return err
	}
	cells := make([]any, len(roomColumns))
	for i, c := range roomColumns {
		cells[i] = excelize.Cell{StyleID: header, Value: t.Room[c.key]}
	}
	if err := sw.SetRow("A1", cells, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	for i, c := range roomColumns {
		cells[i] = excelize.Cell{StyleID: key, Value: c.key}
	}
	if err := sw.SetRow("A2", cells); err != nil {
		return err
	}

	row := 2
	text := func(s string) any {
		if s == "" {
			return nil
		}
		return s // a string cell: text, never a formula
	}
	when := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return excelize.Cell{StyleID: styles[roomTime], Value: b.serial(t)}
	}
	secs := func(v float64) any {
		if math.IsNaN(v) {
			return nil
		}
		return excelize.Cell{StyleID: styles[roomSeconds], Value: metrics.Round(v, 2)}
	}
	count := func(n int) any { return excelize.Cell{StyleID: styles[roomCount], Value: n} }
	err = db.Rooms(ctx, d.Tenant(), d.Start, d.End, func(r *metrics.Room) error {
		row++
		replies, unanswered, sum := 0, 0, 0.0
		for _, turn := range r.Replies {
			if turn.Answered() {
				replies++
				sum += turn.Seconds
			} else {
				unanswered++
			}
		}
		replyAvg := math.NaN()
		if replies > 0 {
			replyAvg = sum / float64(replies)
		}
		var dropped, score any
		if r.Answered() && r.Closed() && r.InvalidReason == "" {
			dropped = r.Dropped
		}
		if r.Score > 0 {
			score = count(int(r.Score))
		}
		o := outcome(r, &d.Config)
		cells = append(cells[:0],
			r.RoomID, when(r.OpenedAt), when(r.QueuedAt), when(r.AssignedAt), when(r.ClosedAt),
			text(r.Agent), text(r.Team), text(r.Channel), text(r.Category), t.Outcome[o],
			secs(r.Wait), secs(r.FirstResponse), secs(r.AssignedResponse), secs(r.Handle), secs(r.Wrapup),
			dropped, count(r.Transfers), score, count(len(r.Replies)), count(unanswered), secs(replyAvg),
			text(r.InvalidReason))
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, cells)
	})
	if err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(roomColumns), max(row, 3))
	if err := sw.AddTable(&excelize.Table{Range: "A2:" + last, Name: "RoomsTable", StyleName: "TableStyleLight1"}); err != nil {
		return err
	}
	return sw.Flush()
}

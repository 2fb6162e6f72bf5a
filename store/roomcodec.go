package store

import (
	"strings"

	"github.com/jackc/pgx/v5/pgtype"

	"sqi/metrics"
)

// The room_facts columns come from the room's declaration
// (metrics.StoredFields, then three arrays per metrics.TurnSet): the column
// lists, the COPY values, the scan targets and the upsert below all iterate
// it. TestRoomFactsSchema checks the table against it.

// FactsVersion is the shape of the facts this code computes. A row of an
// older shape (room_facts.facts_version) is recomputed from its events.
const FactsVersion = 2

// roomColumnNames are the columns of room_facts that hold the room.
var roomColumnNames = func() []string {
	var names []string
	for _, f := range metrics.StoredFields {
		names = append(names, f.Name)
	}
	for _, s := range metrics.TurnSets {
		names = append(names, s.Name+"_opened_at", s.Name+"_answered_at", s.Name+"_agent")
	}
	return names
}()

// roomColumns is roomColumnNames as an SQL list.
var roomColumns = strings.Join(roomColumnNames, ", ")

// sqlType is the column type of a stored field.
func sqlType(f *metrics.RoomField) string {
	switch f.Kind {
	case metrics.FieldTime:
		return "timestamp with time zone"
	case metrics.FieldSeconds:
		return "double precision"
	case metrics.FieldCount:
		if f.SmallInt() {
			return "smallint"
		}
		return "integer"
	case metrics.FieldBool:
		return "boolean"
	}
	return "text"
}

// roomValues returns the COPY values of r, in roomColumnNames order.
func roomValues(r *metrics.Room) []any {
	vals := make([]any, 0, len(roomColumnNames))
	for _, f := range metrics.StoredFields {
		c := f.Fact(r)
		var v any
		switch {
		case c.Null:
		case f.Kind == metrics.FieldText:
			v = c.S
		case f.Kind == metrics.FieldTime:
			v = c.T
		case f.Kind == metrics.FieldSeconds:
			v = c.F
		case f.Kind == metrics.FieldCount:
			v = c.I
		case f.Kind == metrics.FieldBool:
			v = c.B
		}
		vals = append(vals, v)
	}
	for i := range metrics.TurnSets {
		ts := *metrics.TurnSets[i].Turns(r)
		opened, answered := make([]pgtype.Timestamptz, len(ts)), make([]pgtype.Timestamptz, len(ts))
		agents := make([]pgtype.Text, len(ts))
		for j, t := range ts {
			opened[j] = pgtype.Timestamptz{Time: t.OpenedAt, Valid: true}
			answered[j] = pgtype.Timestamptz{Time: t.AnsweredAt, Valid: t.Answered()}
			agents[j] = pgtype.Text{String: t.Agent, Valid: t.Agent != ""}
		}
		vals = append(vals, opened, answered, agents)
	}
	return vals
}

// roomScan holds the scan targets of one room_facts row of roomColumns and
// turns them into a reused metrics.Room.
type roomScan struct {
	r        metrics.Room
	text     []pgtype.Text
	times    []pgtype.Timestamptz
	floats   []pgtype.Float8
	ints     []pgtype.Int8
	bools    []bool
	opened   [][]pgtype.Timestamptz
	answered [][]pgtype.Timestamptz
	agents   [][]pgtype.Text
	dest     []any
}

func newRoomScan() *roomScan {
	s := &roomScan{}
	n := len(metrics.StoredFields)
	s.text, s.times = make([]pgtype.Text, n), make([]pgtype.Timestamptz, n)
	s.floats, s.ints, s.bools = make([]pgtype.Float8, n), make([]pgtype.Int8, n), make([]bool, n)
	for i, f := range metrics.StoredFields {
		switch f.Kind {
		case metrics.FieldTime:
			s.dest = append(s.dest, &s.times[i])
		case metrics.FieldSeconds:
			s.dest = append(s.dest, &s.floats[i])
		case metrics.FieldCount:
			s.dest = append(s.dest, &s.ints[i])
		case metrics.FieldBool:
			s.dest = append(s.dest, &s.bools[i])
		default:
			s.dest = append(s.dest, &s.text[i])
		}
	}
	n = len(metrics.TurnSets)
	s.opened, s.answered, s.agents = make([][]pgtype.Timestamptz, n), make([][]pgtype.Timestamptz, n), make([][]pgtype.Text, n)
	for i := range metrics.TurnSets {
		s.dest = append(s.dest, &s.opened[i], &s.answered[i], &s.agents[i])
	}
	return s
}

// room returns the room of the last scanned row; the same value each time.
func (s *roomScan) room() *metrics.Room {
	r := &s.r
	for i, f := range metrics.StoredFields {
		var c metrics.Cell
		switch f.Kind {
		case metrics.FieldTime:
			c = metrics.Cell{Null: !s.times[i].Valid, T: s.times[i].Time}
		case metrics.FieldSeconds:
			c = metrics.Cell{Null: !s.floats[i].Valid, F: s.floats[i].Float64}
		case metrics.FieldCount:
			c = metrics.Cell{Null: !s.ints[i].Valid, I: s.ints[i].Int64}
		case metrics.FieldBool:
			c = metrics.Cell{B: s.bools[i]}
		default:
			c = metrics.Cell{Null: !s.text[i].Valid, S: s.text[i].String}
		}
		f.SetFact(r, c)
	}
	for i := range metrics.TurnSets {
		p := metrics.TurnSets[i].Turns(r)
		*p = turns((*p)[:0], s.opened[i], s.answered[i], s.agents[i])
	}
	return r
}

func turns(dst []metrics.Turn, opened, answered []pgtype.Timestamptz, agents []pgtype.Text) []metrics.Turn {
	for i := range opened {
		t := metrics.Turn{OpenedAt: opened[i].Time}
		if i < len(answered) && answered[i].Valid {
			t.AnsweredAt = answered[i].Time
		}
		if i < len(agents) {
			t.Agent = agents[i].String
		}
		dst = append(dst, t)
	}
	return dst
}

// isKey reports whether a column is part of room_facts' primary key.
func isKey(column string) bool { return column == "tenant_id" || column == "room_id" }

// upsertSet is the SET list of the upsert: every column but the key.
func upsertSet() string {
	var b strings.Builder
	for _, c := range roomColumnNames {
		if isKey(c) {
			continue
		}
		b.WriteString(c + " = EXCLUDED." + c + ", ")
	}
	b.WriteString("facts_version = EXCLUDED.facts_version, computed_at = now()")
	return b.String()
}

// changedRow compares the row with the one excluded, column by column; a
// row of an older facts version always changes.
func changedRow() string {
	old, new := make([]string, 0, len(roomColumnNames)), make([]string, 0, len(roomColumnNames))
	for _, c := range roomColumnNames {
		if isKey(c) {
			continue
		}
		old, new = append(old, "room_facts."+c), append(new, "EXCLUDED."+c)
	}
	return "room_facts.facts_version <> EXCLUDED.facts_version OR (" + strings.Join(old, ", ") + ") IS DISTINCT FROM (" + strings.Join(new, ", ") + ")"
}

// nullText is s, or NULL for "".
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

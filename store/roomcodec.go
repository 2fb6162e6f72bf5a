package store

import (
	"fmt"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"sqi/internal/pgcopy"
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

// copyRoomsSQL is the binary COPY of roomColumns into table.
func copyRoomsSQL(table string) string {
	return `COPY ` + pgx.Identifier{table}.Sanitize() + ` (` + roomColumns + `) FROM STDIN (FORMAT binary)`
}

// appendRoom appends r as a binary COPY tuple of roomColumnNames
// (internal/pgcopy), in the types sqlType gives: what pgx.CopyFrom would
// send for the same values, without boxing every value and encoding it
// through pgx's type map (TestRoomCopyEqualsPgx).
func appendRoom(b []byte, r *metrics.Room) ([]byte, error) {
	b = pgcopy.AppendTuple(b, len(roomColumnNames))
	for _, f := range metrics.StoredFields {
		c := f.Fact(r)
		switch {
		case c.Null:
			b = pgcopy.AppendNull(b)
		case f.Kind == metrics.FieldText:
			b = pgcopy.AppendText(b, c.S)
		case f.Kind == metrics.FieldTime:
			b = pgcopy.AppendTime(b, c.T)
		case f.Kind == metrics.FieldSeconds:
			b = pgcopy.AppendFloat64(b, c.F)
		case f.Kind == metrics.FieldCount && f.SmallInt():
			b = pgcopy.AppendInt16(b, int16(c.I))
		case f.Kind == metrics.FieldCount:
			if c.I < math.MinInt32 || c.I > math.MaxInt32 {
				return nil, fmt.Errorf("room %s/%s: %s %d is out of the range of an integer", r.TenantID, r.RoomID, f.Name, c.I)
			}
			b = pgcopy.AppendInt32(b, int32(c.I))
		case f.Kind == metrics.FieldBool:
			b = pgcopy.AppendBool(b, c.B)
		default:
			return nil, fmt.Errorf("room_facts.%s: no column type for its kind %d", f.Name, f.Kind)
		}
	}
	for i := range metrics.TurnSets {
		ts := *metrics.TurnSets[i].Turns(r)
		var m int
		b, m = pgcopy.AppendArray(b, pgcopy.OIDTimestamptz, len(ts))
		for j := range ts {
			b = pgcopy.AppendTime(b, ts[j].OpenedAt)
		}
		b = pgcopy.EndArray(b, m, false)
		b, m = pgcopy.AppendArray(b, pgcopy.OIDTimestamptz, len(ts))
		null := false
		for j := range ts {
			if ts[j].Answered() {
				b = pgcopy.AppendTime(b, ts[j].AnsweredAt)
			} else {
				b, null = pgcopy.AppendNull(b), true
			}
		}
		b = pgcopy.EndArray(b, m, null)
		b, m = pgcopy.AppendArray(b, pgcopy.OIDText, len(ts))
		null = false
		for j := range ts {
			b = pgcopy.AppendText(b, ts[j].Agent) // NULL for ""
			null = null || ts[j].Agent == ""
		}
		b = pgcopy.EndArray(b, m, null)
	}
	return b, nil
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

package export

import (
	"encoding/json"
	"strconv"

	"sqi/metrics"
)

// AppendJSON appends the row as a JSON object, keys in column order:
// numbers and booleans bare, times and dates as strings, null as null.
func (t Table) AppendJSON(b []byte, cells []metrics.Cell) []byte {
	b = append(b, '{')
	for i, col := range t.Columns {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, col.Name)
		b = append(b, ':')
		c := cells[i]
		switch {
		case c.Null:
			b = append(b, "null"...)
		case col.Kind == metrics.FieldCount:
			b = strconv.AppendInt(b, c.I, 10)
		case col.Kind == metrics.FieldSeconds || col.Kind == metrics.FieldFloat:
			b = strconv.AppendFloat(b, c.F, 'f', -1, 64)
		case col.Kind == metrics.FieldBool:
			b = strconv.AppendBool(b, c.B)
		default:
			b = AppendString(b, t.FormatCell(i, c))
		}
	}
	return append(b, '}')
}

// AppendString appends s as a JSON string.
func AppendString(b []byte, s string) []byte {
	enc, _ := json.Marshal(s)
	return append(b, enc...)
}

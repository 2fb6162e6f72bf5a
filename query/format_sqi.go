package query

import (
	"fmt"
	"io"
	"time"

	"sqi/metrics"
)

// Table describes the rows of r as a table with the columns of Header:
// the group keys (day and week as dates, hour as a local wall-clock time,
// the others as text), the metrics (counts as integers, the rest as
// numbers), sqi, grade and components.<name>. Values are rounded as in
// WriteJSON.
func (r *Result) Table() Table {
	header := r.Header()
	cols := make([]Column, len(header))
	i := 0
	for _, k := range r.Query.GroupBy {
		kind := KindString
		switch k {
		case "day", "week":
			kind = KindDate
		case "hour":
			kind = KindLocalTime
		}
		cols[i] = Column{header[i], kind}
		i++
	}
	for _, d := range metrics.Catalog {
		kind := KindFloat
		if d.Kind == metrics.Count {
			kind = KindInt
		}
		cols[i] = Column{header[i], kind}
		i++
	}
	cols[i] = Column{header[i], KindFloat} // sqi
	cols[i+1] = Column{header[i+1], KindString}
	for j := i + 2; j < len(header); j++ {
		cols[j] = Column{header[j], KindFloat}
	}
	return Table{Columns: cols, Location: r.Config.Location()}
}

// Cells returns row i of r as cells of Table, appended to dst[:0].
func (r *Result) Cells(dst []Cell, i int) ([]Cell, error) {
	row := &r.Rows[i]
	dst = dst[:0]
	for _, k := range row.Keys {
		c := Cell{Null: k.Null, S: k.Value}
		if !k.Null {
			switch k.Column {
			case "day", "week":
				t, err := time.Parse(time.DateOnly, k.Value)
				if err != nil {
					return nil, fmt.Errorf("group key %s %q: %w", k.Column, k.Value, err)
				}
				c.T = t
			case "hour":
				t, err := time.Parse(LocalTimeLayout, k.Value)
				if err != nil {
					return nil, fmt.Errorf("group key hour %q: %w", k.Value, err)
				}
				c.T = t
			}
		}
		dst = append(dst, c)
	}
	for m := range metrics.NumMetrics {
		v := row.Rounded(m)
		c := Cell{Null: v.Null, F: v.V}
		if metrics.Catalog[m].Kind == metrics.Count {
			c.I = int64(v.V)
		}
		dst = append(dst, c)
	}
	s := roundSQI(row.SQI)
	dst = append(dst, Cell{Null: s.Null, F: s.V}, Cell{Null: row.Grade == "", S: row.Grade})
	points := make(map[string]metrics.Value, len(row.Components))
	for _, c := range row.Components {
		points[c.Name] = roundPoints(c.Points)
	}
	for _, n := range componentNames(&r.Config) {
		p, ok := points[n]
		dst = append(dst, Cell{Null: !ok || p.Null, F: p.V})
	}
	return dst, nil
}

// WriteRows writes every row of r to tw and closes it.
func (r *Result) WriteRows(tw TableWriter) error {
	var cells []Cell
	for i := range r.Rows {
		var err error
		if cells, err = r.Cells(cells, i); err != nil {
			return err
		}
		if err := tw.WriteRow(cells); err != nil {
			return err
		}
	}
	return tw.Close()
}

// WriteArrow writes the rows as an Arrow IPC stream; the column names are
// those of Header.
func (r *Result) WriteArrow(w io.Writer) error {
	return r.WriteRows(NewArrowWriter(w, r.Table()))
}

// WriteParquet writes the rows as a Parquet file; the column names are
// those of Header.
func (r *Result) WriteParquet(w io.Writer) error {
	pw, err := NewParquetWriter(w, r.Table())
	if err != nil {
		return err
	}
	return r.WriteRows(pw)
}

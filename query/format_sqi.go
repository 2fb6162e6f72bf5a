package query

import (
	"io"
	"time"

	"sqi/export"
	"sqi/metrics"
)

// Table describes the rows of r as a table with the columns of Header:
// the group keys (day and week as dates, hour as a local wall-clock time,
// the others as text), the metrics (counts as integers, the rest as
// numbers), sqi, grade and components.<name>. Values are rounded as in
// WriteJSON.
func (r *Result) Table() export.Table {
	header := r.Header()
	cols := make([]export.Column, len(header))
	i := 0
	for _, k := range r.Query.GroupBy {
		kind := metrics.FieldText
		switch k {
		case "day", "week":
			kind = metrics.FieldDate
		case "hour":
			kind = metrics.FieldLocalTime
		case "in_hours":
			kind = metrics.FieldBool
		}
		cols[i] = export.Column{Name: header[i], Kind: kind}
		i++
	}
	for _, d := range metrics.Catalog {
		kind := metrics.FieldFloat
		if d.Kind == metrics.Count {
			kind = metrics.FieldCount
		}
		cols[i] = export.Column{Name: header[i], Kind: kind}
		i++
	}
	cols[i] = export.Column{Name: header[i], Kind: metrics.FieldFloat} // sqi
	cols[i+1] = export.Column{Name: header[i+1], Kind: metrics.FieldText}
	for j := i + 2; j < len(header); j++ {
		cols[j] = export.Column{Name: header[j], Kind: metrics.FieldFloat}
	}
	return export.Table{Columns: cols, Location: r.Config.Location()}
}

// keyCell is a group key as a cell of Table: day and week as dates, hour as
// its local wall-clock time, the others as text.
func keyCell(k metrics.GroupKey) metrics.Cell {
	switch {
	case k.Null:
		return metrics.Cell{Null: true}
	case k.Key == "day" || k.Key == "week":
		return metrics.Cell{T: k.Date}
	case k.Key == "hour":
		return metrics.Cell{T: k.Date.Add(time.Duration(k.Hour) * time.Hour)}
	case k.Key == "in_hours":
		return metrics.Cell{B: k.Bool}
	}
	return metrics.Cell{S: k.String()}
}

// Cells returns row i of r as cells of Table, appended to dst[:0].
func (r *Result) Cells(dst []metrics.Cell, i int) []metrics.Cell {
	row := &r.Rows[i]
	dst = dst[:0]
	for _, k := range row.Keys {
		dst = append(dst, keyCell(k))
	}
	for m := range metrics.NumMetrics {
		v := row.Rounded(m)
		c := metrics.Cell{Null: v.Null, F: v.V}
		if metrics.Catalog[m].Kind == metrics.Count {
			c.I = int64(v.V)
		}
		dst = append(dst, c)
	}
	s := roundSQI(row.SQI)
	dst = append(dst, metrics.Cell{Null: s.Null, F: s.V}, metrics.Cell{Null: row.Grade == "", S: row.Grade})
	points := make(map[string]metrics.Value, len(row.Components))
	for _, c := range row.Components {
		points[c.Name] = roundPoints(c.Points)
	}
	for _, n := range r.Config.ComponentNames() {
		p, ok := points[n]
		dst = append(dst, metrics.Cell{Null: !ok || p.Null, F: p.V})
	}
	return dst
}

// WriteRows writes every row of r to tw and closes it.
func (r *Result) WriteRows(tw export.Writer) error {
	var cells []metrics.Cell
	for i := range r.Rows {
		cells = r.Cells(cells, i)
		if err := tw.WriteRow(cells); err != nil {
			return err
		}
	}
	return tw.Close()
}

// WriteArrow writes the rows as an Arrow IPC stream; the column names are
// those of Header.
func (r *Result) WriteArrow(w io.Writer) error {
	return r.WriteRows(export.NewArrowWriter(w, r.Table()))
}

// WriteParquet writes the rows as a Parquet file; the column names are
// those of Header.
func (r *Result) WriteParquet(w io.Writer) error {
	pw, err := export.NewParquetWriter(w, r.Table())
	if err != nil {
		return err
	}
	return r.WriteRows(pw)
}

// WriteXLSX writes the rows as an Excel workbook with one sheet, sqi.
func (r *Result) WriteXLSX(w io.Writer) error {
	return export.WriteXLSX(w, "sqi", r.Table(), r.WriteRows)
}

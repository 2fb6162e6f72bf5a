package query

import (
	"io"

	"sqi/export"
)

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

// WriteXLSX writes the rows as an Excel workbook with one sheet, sqi (and,
// with a language, its Definitions sheet).
func (r *Result) WriteXLSX(w io.Writer, opts export.XLSXOptions) error {
	return export.WriteXLSX(w, "sqi", r.Table(), opts, r.WriteRows)
}

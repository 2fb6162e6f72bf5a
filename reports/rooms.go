package reports

import (
	"context"
	"errors"
	"fmt"

	"github.com/xuri/excelize/v2"

	"sqi/export"
	"sqi/metrics"
	"sqi/store"
)

// roomStyle is the style of a Rooms sheet column of kind k ("" for none).
func roomStyle(k metrics.FieldKind) string {
	switch k {
	case metrics.FieldTime:
		return "datetime"
	case metrics.FieldDate:
		return "date"
	case metrics.FieldSeconds:
		return "seconds"
	case metrics.FieldCount:
		return "count"
	}
	return ""
}

// roomWidth is the starting width of a Rooms sheet column of kind k.
func roomWidth(f *metrics.RoomField) float64 {
	switch f.Kind {
	case metrics.FieldTime:
		return 19
	case metrics.FieldDate, metrics.FieldSeconds:
		return 11
	case metrics.FieldCount, metrics.FieldBool:
		return 9
	}
	if f.Name == "room_id" {
		return 18
	}
	return 14
}

// rooms streams one row per room of the day, in opened_at order, from the
// database into the sheet: the columns and values of the room export
// (export.RoomTable, export.RoomCells), converted by export's XLSXValue,
// so the sheet and GET /rooms agree cell for cell. Nothing is kept per
// room: the stream writer spills its XML to a temporary file. A streamed
// sheet carries no chart (excelize issue #1766): the charts are on Summary
// and Hourly.
func (b *book) rooms(ctx context.Context, db *store.DB, periodLimit int) error {
	d := b.d
	locale := d.Config.Locale
	name := b.name("rooms")
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	fields := metrics.ExportFields
	for i, f := range fields {
		w := max(roomWidth(f), displayWidth(f.Label(locale))+2)
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 2, YSplit: 2, TopLeftCell: "C3", ActivePane: "bottomRight",
		Selection: []excelize.Selection{{SQRef: "C3", ActiveCell: "C3", Pane: "bottomRight"}}}); err != nil {
		return err
	}
	o := "landscape"
	if err := b.f.SetPageLayout(name, &excelize.PageLayoutOptions{Orientation: &o}); err != nil {
		return err
	}
	if err := b.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: name, RefersTo: fmt.Sprintf("'%s'!$1:$2", name)}); err != nil {
		return err
	}
	styles := make([]int, len(fields))
	for i, f := range fields {
		if name := roomStyle(f.Kind); name != "" {
			if styles[i], err = b.style(name); err != nil {
				return err
			}
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
	vals := make([]any, len(fields))
	for i, f := range fields {
		vals[i] = excelize.Cell{StyleID: header, Value: f.Label(locale)}
	}
	if err := sw.SetRow("A1", vals, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	for i, f := range fields {
		vals[i] = excelize.Cell{StyleID: key, Value: f.Name}
	}
	if err := sw.SetRow("A2", vals); err != nil {
		return err
	}

	table := export.RoomTable(&d.Config)
	view := metrics.NewView(&d.Config)
	var cells []metrics.Cell
	row, limit := 2, roomsLimit(d.Kind, periodLimit)
	// One room past the limit tells the sheet it is capped; the query
	// stops there (a month's remaining rooms are never read).
	err = db.RoomsPageWhere(ctx, d.Tenant(), d.Start, d.End, store.RoomCursor{}, store.RoomFilter{}, limit+1, func(r *metrics.Room) error {
		if row-2 == limit {
			return errEnoughRooms
		}
		row++
		cells = export.RoomCells(cells, view, r)
		for i := range cells {
			v := table.XLSXValue(i, cells[i])
			if v != nil && styles[i] != 0 {
				v = excelize.Cell{StyleID: styles[i], Value: v}
			}
			vals[i] = v
		}
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, vals)
	})
	capped := errors.Is(err, errEnoughRooms)
	if err != nil && !capped {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(fields), max(row, 3))
	if err := sw.AddTable(&excelize.Table{Range: "A2:" + last, Name: "RoomsTable", StyleName: "TableStyleLight1"}); err != nil {
		return err
	}
	if capped {
		// Below the table: where to get every room.
		note := fmt.Sprintf(b.t.RoomsCapped, limit, int64(d.Total.Values[metrics.MRooms].V), d.Tenant(),
			d.First.Format(metrics.DateLayout), d.Last.Format(metrics.DateLayout))
		cell, _ := excelize.CoordinatesToCellName(1, row+2)
		if err := sw.SetRow(cell, []any{note}); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// errEnoughRooms stops the Rooms sheet at its limit.
var errEnoughRooms = errors.New("rooms sheet full")

// WeeklyRoomsLimit is how many rooms, at most, the Rooms sheet of a weekly
// or monthly report lists (in opened_at order, with a note saying where to
// get them all): a month of a large tenant is millions of rooms, more than
// Excel's 1,048,576 rows and far more than an e-mail carries. A daily
// report lists every room of the day.
const WeeklyRoomsLimit = 100_000

// roomsLimit is the Rooms sheet's limit of a report of kind; set is
// Generator.WeeklyRoomsLimit (0: the default).
func roomsLimit(kind Kind, set int) int {
	if kind == KindDaily {
		return 1<<20 - 3 // Excel's rows, less the two header rows
	}
	if set > 0 {
		return set
	}
	return WeeklyRoomsLimit
}

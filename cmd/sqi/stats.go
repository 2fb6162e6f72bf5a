package main

import (
	"context"
	"errors"

	"sqi/export"
	"sqi/query"
	"sqi/store"
)

func init() {
	commands["stats"] = command{
		usage: "--tenant T --from D --to D [--group-by K,...] [--format json|csv]: the SQI table",
		run:   runStats,
	}
}

func runStats(ctx context.Context, e *env, args []string) error {
	fs := e.flags("stats")
	var p query.Params
	fs.StringVar(&p.Tenant, "tenant", "", "tenant id")
	fs.StringVar(&p.From, "from", "", "first local date, YYYY-MM-DD")
	fs.StringVar(&p.To, "to", "", "last local date, YYYY-MM-DD (inclusive)")
	fs.StringVar(&p.GroupBy, "group-by", "", "comma list of hour, day, week, month, agent, team, channel, category")
	format := fs.String("format", "json", "json, csv, or table (for people: the main metrics only)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *format != "json" && *format != "csv" && *format != "table" {
		return usagef("--format %q: use json, csv or table", *format)
	}
	q, err := query.Parse(p)
	if err != nil {
		var pe *query.ParamError
		if errors.As(err, &pe) {
			flag := pe.Param
			if flag == "group_by" {
				flag = "group-by"
			}
			return usagef("--%s: %s", flag, pe.Detail)
		}
		return err
	}
	db, err := e.store(ctx)
	if err != nil {
		return err
	}
	res, err := query.Stats(ctx, db, q)
	if errors.Is(err, store.ErrNotFound) {
		return usagef("--tenant: %v (see 'sqi tenant list')", err)
	}
	if err != nil {
		return err
	}
	switch *format {
	case "csv":
		return res.WriteCSV(e.stdout, export.CSVOptions{}) // the bytes of GET …/sqi?format=csv
	case "table":
		return res.WriteTable(e.stdout)
	}
	return res.WriteJSON(e.stdout)
}

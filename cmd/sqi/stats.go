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
		usage:   "--tenant T --from YYYY-MM-DD --to YYYY-MM-DD [--group-by K,...] [--hours all|business] [--shape wide|long] [--compare previous_period|previous_year] [--format json|csv|table]",
		summary: "Print the SQI and metrics of a tenant's rooms, one row per group.",
		details: "A room counts on the local date it opened, from --from to --to inclusive. json is exactly the body of GET /v1/tenants/T/sqi; csv has the same columns; table shows the main metrics, for people. Every metric is defined in docs/metrics.md.",
		env:     "DATABASE_URL",
		run:     runStats,
	}
}

func runStats(ctx context.Context, e *env, args []string) error {
	fs := e.flags("stats")
	var p query.Params
	fs.StringVar(&p.Tenant, "tenant", "", "the tenant id `T` (see 'sqi tenant list')")
	fs.StringVar(&p.From, "from", "", "the first local date, `YYYY-MM-DD`, in the tenant's time zone")
	fs.StringVar(&p.To, "to", "", "the last local date, `YYYY-MM-DD` (inclusive; at most 400 days after --from)")
	fs.StringVar(&p.GroupBy, "group-by", "", "comma list `K,...` of hour, day, week, month, agent, team, channel, category, in_hours (default: one total row)")
	fs.StringVar(&p.Hours, "hours", "", "what durations count, `HOURS`: all (every second) or business (the tenant's business hours only); default: the tenant's hours setting")
	fs.StringVar(&p.Shape, "shape", "", "the rows' `SHAPE`: wide (a row per group, a column per metric; the default) or long (a row per group and metric)")
	fs.StringVar(&p.Compare, "compare", "", "add each row's values over the `PERIOD` previous_period (the same number of days just before --from) or previous_year (the same dates a year before), and the change; default: no comparison")
	format := fs.String("format", "json", "the output `FORMAT`: json, csv, or table (for people: the main metrics only)")
	fs.require("tenant", "from", "to")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *format != "json" && *format != "csv" && *format != "table" {
		return usagef("--format %q: use json, csv or table", *format)
	}
	if *format == "table" && (p.Shape == query.ShapeLong || p.Compare != "") {
		return usagef("--format table shows the main metrics of each group: use json or csv with --shape long or --compare")
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

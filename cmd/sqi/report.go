package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"sqi/etl"
	"sqi/metrics"
	"sqi/reports"
	"sqi/reports/mail"
	"sqi/store"
)

func init() {
	commands["report"] = command{
		summary: "Reports on demand (docs/reports.md).",
		subs:    []string{"daily", "weekly", "monthly"},
	}
	commands["report daily"] = command{
		usage:   "--tenant T [--date YYYY-MM-DD] [--out F.xlsx] [--email]",
		summary: "Write a tenant's daily Excel report to a file, or e-mail it.",
		details: "'sqi serve' sends the same report every day at the tenant's report.send_at. With --email, a recipient already served gets nothing more, and what fails is retried by 'sqi serve'. On a terminal it shows its steps on standard error.",
		env:     "DATABASE_URL; SMTP_URL and SMTP_FROM with --email",
		run: func(ctx context.Context, e *env, args []string) error {
			return runReport(ctx, e, reports.KindDaily, args)
		},
	}
	commands["report weekly"] = command{
		usage:   "--tenant T [--week YYYY-MM-DD] [--out F.xlsx] [--email]",
		summary: "Write a tenant's weekly Excel report (an ISO week, Monday to Sunday) to a file, or e-mail it.",
		details: "'sqi serve' sends the same report every Monday at the tenant's report.send_at to report.weekly.recipients. With --email, a recipient already served gets nothing more, and what fails is retried by 'sqi serve'. On a terminal it shows its steps on standard error.",
		env:     "DATABASE_URL; SMTP_URL and SMTP_FROM with --email",
		run: func(ctx context.Context, e *env, args []string) error {
			return runReport(ctx, e, reports.KindWeekly, args)
		},
	}
	commands["report monthly"] = command{
		usage:   "--tenant T [--month YYYY-MM] [--out F.xlsx] [--email]",
		summary: "Write a tenant's monthly Excel report (a calendar month) to a file, or e-mail it.",
		details: "'sqi serve' sends the same report on the 1st of every month at the tenant's report.send_at to report.monthly.recipients. With --email, a recipient already served gets nothing more, and what fails is retried by 'sqi serve'. On a terminal it shows its steps on standard error.",
		env:     "DATABASE_URL; SMTP_URL and SMTP_FROM with --email",
		run: func(ctx context.Context, e *env, args []string) error {
			return runReport(ctx, e, reports.KindMonthly, args)
		},
	}
}

// periodFlags are the flag of each report kind that names its period.
var periodFlags = map[reports.Kind]struct{ name, usage string }{
	reports.KindDaily:   {"date", "the local day, `YYYY-MM-DD` (default: the tenant's previous local day)"},
	reports.KindWeekly:  {"week", "the Monday of the ISO week, `YYYY-MM-DD` (default: the tenant's previous week)"},
	reports.KindMonthly: {"month", "the month, `YYYY-MM` (default: the tenant's previous month)"},
}

// defaultFrom is the sender when SMTP_FROM is not set.
const defaultFrom = "SQI Reports <sqi-reports@localhost>"

// reportMemoryLimit is the soft memory limit of a report command: a report
// is one burst of work through the blocks of two weeks or more, and without
// a limit the collector lets garbage grow to twice the live heap (peak
// resident memory then ~240 MB for a 50,000-room day, ~150 MB with it; the
// budget is 150 MB). GOMEMLIMIT, when set, takes its place.
const reportMemoryLimit = 100 << 20

func runReport(ctx context.Context, e *env, kind reports.Kind, args []string) error {
	if e.getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(reportMemoryLimit))
	}
	fs := e.flags("report " + string(kind))
	tenant := fs.String("tenant", "", "the tenant id `T` (see 'sqi tenant list')")
	pf := periodFlags[kind]
	dateFlag := fs.String(pf.name, "", pf.usage)
	out := fs.String("out", "", "write the workbook to `F.xlsx` (- for standard output); default <tenant>_"+string(kind)+"_<"+pf.name+">.xlsx here, unless --email")
	email := fs.Bool("email", false, "e-mail the report to the tenant's recipients over SMTP_URL (never twice to one recipient)")
	fs.require("tenant")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !metrics.ValidTenantID(*tenant) {
		return usagef("--tenant %q: give a tenant id (see 'sqi tenant list')", *tenant)
	}
	var mailer *mail.SMTP
	if *email {
		var err error
		if mailer, err = e.smtpMailer(); err != nil {
			return err
		}
		if mailer == nil {
			return usagef("--email needs SMTP_URL, e.g. smtp://user:pass@smtp.example.com:587?tls=starttls")
		}
	}
	db, err := e.store(ctx)
	if err != nil {
		return err
	}
	p := e.progress()
	gen := &reports.Generator{DB: db, Progress: func(step string) {
		p.show("report %s: %s (%.1f s)", *tenant, step, p.elapsed().Seconds())
	}}
	defer p.done() // on errors; the summary lines clear it first
	period, err := reportPeriod(ctx, db, kind, *tenant, *dateFlag)
	if err != nil {
		return err
	}

	if *out != "" || !*email {
		path := *out
		if path == "" {
			path = period.FileName(*tenant)
		}
		if err := writeWorkbook(ctx, e, p, gen, *tenant, period, path); err != nil {
			return err
		}
	}
	if !*email {
		return nil
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	asked := time.Now()
	// A report is never sent from data the ETL has not caught up with:
	// run it (or wait for the run of sqi serve) first.
	if err := catchUp(ctx, e, db, log); err != nil {
		return err
	}
	d := reports.NewDeliverer(gen, mailer, time.Now, log)
	d.AskedAt = asked
	ds, err := d.DeliverNow(ctx, period.Key(*tenant), 3, 2*time.Second)
	p.done()
	if errors.Is(err, reports.ErrNotCaughtUp) {
		return fmt.Errorf("not sent: %w", err)
	}
	if err != nil {
		return unknownTenant(err)
	}
	if len(ds) == 0 {
		return usagef("--email: %v", reports.ErrNoRecipients)
	}
	failed := 0
	for _, x := range ds {
		note := ""
		switch x.Status {
		case store.DeliverySent:
			note = "sent " + x.SentAt.Local().Format(time.DateTime)
		case store.DeliveryRetry:
			note = "failed; `sqi serve` retries at " + x.NextAttemptAt.Local().Format(time.DateTime) + ": " + x.LastError
			failed++
		default:
			note = x.LastError
			failed++
		}
		fmt.Fprintf(e.stdout, "%s: %s (attempts %d) %s\n", x.Recipient, x.Status, x.Attempts, note)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d deliveries not sent", failed, len(ds))
	}
	return nil
}

// catchUp runs the ETL once; while another run holds its lock (sqi serve),
// it tries again every second for up to two minutes.
func catchUp(ctx context.Context, e *env, db *store.DB, log *slog.Logger) error {
	src, err := e.sourcePool(ctx)
	if err != nil {
		return err
	}
	defer src.Close()
	r := &etl.Runner{Source: src, Store: db, Log: log}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		_, err := r.RunOnce(ctx)
		if !errors.Is(err, etl.ErrBusy) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// reportPeriod is the period the flag names (--date, --week, --month), or
// the tenant's previous day, week or month.
func reportPeriod(ctx context.Context, db *store.DB, kind reports.Kind, tenant, flag string) (reports.Period, error) {
	name := periodFlags[kind].name
	if flag != "" {
		s := flag
		if kind == reports.KindMonthly {
			if len(s) != len("2006-01") {
				return reports.Period{}, usagef("--month %q: give the month as YYYY-MM, e.g. 2026-03", flag)
			}
			s += "-01"
		}
		d, err := metrics.ParseDate(s)
		if err != nil {
			if kind == reports.KindMonthly {
				return reports.Period{}, usagef("--month %q: give the month as YYYY-MM, e.g. 2026-03", flag)
			}
			return reports.Period{}, usagef("--%s: %v", name, err)
		}
		p, err := reports.PeriodOf(kind, d)
		if err != nil {
			return reports.Period{}, usagef("--%s: %v", name, err)
		}
		return p, nil
	}
	t, err := db.Tenant(ctx, tenant)
	if errors.Is(err, store.ErrNotFound) {
		return reports.Period{}, usagef("--tenant: unknown tenant %q (see 'sqi tenant list')", tenant)
	}
	if err != nil {
		return reports.Period{}, err
	}
	now := time.Now().In(t.Config.Location())
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	return reports.PeriodContaining(kind, today).Prev(), nil
}

// writeWorkbook writes the workbook to path ("-": standard output) through
// a temporary file renamed into place, so a failed run leaves no half file.
func writeWorkbook(ctx context.Context, e *env, p *progress, gen *reports.Generator, tenant string, period reports.Period, path string) error {
	if path == "-" {
		err := gen.WriteReport(ctx, period.Kind, tenant, period.First, e.stdout)
		return unknownTenant(err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sqi-report-*.xlsx")
	if err != nil {
		return usagef("--out %s: %v", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := gen.WriteReport(ctx, period.Kind, tenant, period.First, tmp); err != nil {
		tmp.Close()
		return unknownTenant(err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	p.done()
	fmt.Fprintf(e.stdout, "wrote %s (%d bytes)\n", path, info.Size())
	return nil
}

func unknownTenant(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return usagef("--tenant: %v (see 'sqi tenant list')", err)
	}
	return err
}

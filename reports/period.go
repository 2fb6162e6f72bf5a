package reports

import (
	"errors"
	"fmt"
	"time"

	"sqi/metrics"
	"sqi/store"
)

// Kind is a report's kind: the period it covers.
type Kind string

// Report kinds, named as in report_deliveries and the API's routes.
const (
	KindDaily   Kind = store.ReportDaily   // one local day
	KindWeekly  Kind = store.ReportWeekly  // an ISO week, Monday to Sunday
	KindMonthly Kind = store.ReportMonthly // a calendar month
)

// Kinds lists the report kinds.
var Kinds = []Kind{KindDaily, KindWeekly, KindMonthly}

// ParseKind reads daily, weekly or monthly.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("report kind %q: use daily, weekly or monthly", s)
}

// ErrBadPeriod is returned (wrapped, with what to give instead) for a
// weekly report asked for a date that is not a Monday, or a monthly one
// for a date that is not the 1st.
var ErrBadPeriod = errors.New("not the first day of a report period")

// Period is the local dates a report covers.
type Period struct {
	Kind        Kind
	First, Last time.Time // local dates, midnight UTC, both included
}

// PeriodOf is the period of kind that starts on the local date first: any
// day, a Monday, the 1st of a month. Another date is ErrBadPeriod.
func PeriodOf(kind Kind, first time.Time) (Period, error) {
	first = time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, time.UTC)
	p := PeriodContaining(kind, first)
	if p.Kind == "" {
		return Period{}, fmt.Errorf("report kind %q: use daily, weekly or monthly", kind)
	}
	if !p.First.Equal(first) {
		switch kind {
		case KindWeekly:
			return Period{}, fmt.Errorf("%w: %s is a %s; a weekly report starts on the Monday of its ISO week, %s",
				ErrBadPeriod, first.Format(metrics.DateLayout), first.Weekday(), p.First.Format(metrics.DateLayout))
		default:
			return Period{}, fmt.Errorf("%w: a monthly report starts on the 1st: give %s",
				ErrBadPeriod, p.First.Format("2006-01"))
		}
	}
	return p, nil
}

// PeriodContaining is the period of kind that holds the local date day.
func PeriodContaining(kind Kind, day time.Time) Period {
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	switch kind {
	case KindDaily:
		return Period{kind, day, day}
	case KindWeekly:
		first := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		return Period{kind, first, first.AddDate(0, 0, 6)}
	case KindMonthly:
		first := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
		return Period{kind, first, first.AddDate(0, 1, -1)}
	}
	return Period{}
}

// Prev is the period of the same kind just before p.
func (p Period) Prev() Period { return PeriodContaining(p.Kind, p.First.AddDate(0, 0, -1)) }

// Next is the period of the same kind just after p.
func (p Period) Next() Period { return PeriodContaining(p.Kind, p.Last.AddDate(0, 0, 1)) }

// NumDays is how many local dates p covers.
func (p Period) NumDays() int { return int(p.Last.Sub(p.First).Hours()/24) + 1 }

// ID names the period in file names, URLs and Message-IDs: the date
// (daily), the Monday (weekly), YYYY-MM (monthly).
func (p Period) ID() string {
	if p.Kind == KindMonthly {
		return p.First.Format("2006-01")
	}
	return p.First.Format(metrics.DateLayout)
}

// Label is the period as people read it: 2026-03-08, 2026-03-02 – 2026-03-08,
// 2026-03.
func (p Period) Label() string {
	switch p.Kind {
	case KindWeekly:
		return p.First.Format(metrics.DateLayout) + " – " + p.Last.Format(metrics.DateLayout)
	case KindMonthly:
		return p.First.Format("2006-01")
	}
	return p.First.Format(metrics.DateLayout)
}

// Key is the report of p for tenantID, as report_deliveries names it.
func (p Period) Key(tenantID string) store.ReportKey {
	return store.ReportKey{TenantID: tenantID, Kind: string(p.Kind), Date: p.First}
}

// FileName is the workbook's file name, the one the API gives it too
// (export.FileName): acme_daily_2026-03-08.xlsx, acme_weekly_2026-03-02.xlsx
// (the Monday), acme_monthly_2026-03.xlsx.
func (p Period) FileName(tenantID string) string {
	return exportFileName(tenantID, string(p.Kind), p.ID())
}

// Recipients are the addresses cfg sends reports of kind to.
func Recipients(cfg *metrics.Config, kind Kind) []string {
	var r *metrics.Recipients
	switch kind {
	case KindDaily:
		return cfg.Report.Recipients
	case KindWeekly:
		r = cfg.Report.Weekly
	case KindMonthly:
		r = cfg.Report.Monthly
	}
	if r == nil {
		return nil
	}
	return r.Recipients
}

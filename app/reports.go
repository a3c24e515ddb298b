package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/reports"
)

// Reports (SPEC "Recording and reports") are per organisation and
// period: the period holds the interviews that start in it. They read
// the store only through its indexes by organisation and start (offer and
// booking facts, unmet need; the export, bookings), a page at a time, and count
// in package reports, so their cost follows the period, never the store.

// MaxReportDays is the longest period one report covers.
const MaxReportDays = 366

// Period is a report's span, [From, To): from the first day's midnight to
// the midnight after the last day, in London.
type Period struct {
	From, To time.Time
	// FirstDay and LastDay are the dates asked for, YYYY-MM-DD.
	FirstDay, LastDay string
}

// ParsePeriod reads a report's period from its first and last days
// (YYYY-MM-DD, both included), as the query's from and to give them: both
// required, to not before from, at most MaxReportDays days.
func ParsePeriod(from, to string) (Period, error) {
	var p Period
	for _, f := range []struct {
		name, value string
		at          *time.Time
	}{{"from", from, &p.From}, {"to", to, &p.To}} {
		if f.value == "" {
			return p, invalid(f.name, "is required: a date, YYYY-MM-DD")
		}
		if _, err := data.ParseDate(f.value); err != nil {
			return p, invalid(f.name, err.Error())
		}
		*f.at, _ = time.ParseInLocation(data.DateLayout, f.value, data.London)
	}
	p.FirstDay, p.LastDay = from, to
	p.To = p.To.AddDate(0, 0, 1)
	switch {
	case !p.To.After(p.From):
		return p, invalid("to", "must be on or after from")
	case p.To.After(p.From.AddDate(0, 0, MaxReportDays)):
		return p, invalid("to", fmt.Sprintf("must be at most %d days after from", MaxReportDays-1))
	}
	p.From, p.To = p.From.UTC(), p.To.UTC()
	return p, nil
}

// reportReader admits who may read an organisation's reports: its
// coordinators and social workers.
func reportReader(actor data.User) error {
	return require(actor, caseRoles...)
}

// Scope is whose records a report counts: the actor's organisation, or
// the whole register's (every organisation's, coordinators only, as they
// keep the register). A register report counts and tables; it never
// lists a record, so the bookings export has no register scope.
type Scope struct {
	Register bool
}

// ParseScope reads a report's scope as the query's scope names it:
// organisation (or nothing) or register.
func ParseScope(s string) (Scope, error) {
	switch s {
	case "", "organisation":
		return Scope{}, nil
	case "register":
		return Scope{Register: true}, nil
	}
	return Scope{}, invalid("scope", "must be organisation or register")
}

// query is the store's query of the actor's records (or the register's)
// in p, after a cursor; ErrForbidden for the register but to a
// coordinator.
func (sc Scope) query(actor data.User, p Period, after string) (data.ReportQuery, error) {
	q := data.ReportQuery{Organisation: actor.Organisation, From: p.From, To: p.To, After: after, Limit: data.MaxPageSize}
	if sc.Register {
		if actor.Role != data.RoleCoordinator {
			return q, forbidden("only coordinators report across the register")
		}
		q.Organisation, q.Register = "", true
	}
	return q, nil
}

// eachOf calls fn with every item of a listing, a page at a time: list
// reads the page after a cursor ("" for the first).
func eachOf[T any](list func(after string) (data.Page[T], error), fn func(T) error) error {
	after := ""
	for {
		page, err := list(after)
		if err != nil {
			return err
		}
		for _, item := range page.Items {
			if err := fn(item); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		after = page.Next
	}
}

// eachBooking calls fn with every booking of org whose interview starts
// in p, by start, off the index by organisation and start.
func (a *App) eachBooking(ctx context.Context, org string, p Period, fn func(data.Booking) error) error {
	return eachOf(func(after string) (data.Page[data.Booking], error) {
		return a.store.ListBookings(ctx, data.BookingQuery{Organisation: org, From: p.From, To: p.To, After: after, Limit: data.MaxPageSize})
	}, fn)
}

// eachNeed calls fn with every entry of unmet need q's scope holds whose
// interview starts in q's period, off the index by organisation and start
// (by start alone for the register).
func (a *App) eachNeed(ctx context.Context, q data.ReportQuery, fn func(data.UnmetNeed)) error {
	return eachOf(func(after string) (data.Page[data.UnmetNeed], error) {
		q.After = after
		return a.store.ListUnmetNeed(ctx, data.UnmetNeedQuery(q))
	}, func(n data.UnmetNeed) error { fn(n); return nil })
}

// ReportSummary counts what happened to the requests of the actor's
// organisation (or, for a coordinator asking it, the whole register's)
// whose interviews start in p (see reports.Summary). An offer's time to
// fill runs from when it was made to its booking's creation.
func (a *App) ReportSummary(ctx context.Context, actor data.User, p Period, sc Scope) (reports.Summary, error) {
	if err := reportReader(actor); err != nil {
		return reports.Summary{}, err
	}
	q, err := sc.query(actor, p, "")
	if err != nil {
		return reports.Summary{}, err
	}
	var t reports.Tally
	err = eachOf(func(after string) (data.Page[data.OfferFact], error) {
		q.After = after
		return a.store.OfferFacts(ctx, q)
	}, func(f data.OfferFact) error { t.AddOffer(f); return nil })
	if err != nil {
		return reports.Summary{}, err
	}
	err = eachOf(func(after string) (data.Page[data.BookingFact], error) {
		q.After = after
		return a.store.BookingFacts(ctx, q)
	}, func(f data.BookingFact) error { t.AddBooking(f); return nil })
	if err != nil {
		return reports.Summary{}, err
	}
	q.After = ""
	if err := a.eachNeed(ctx, q, t.AddNeed); err != nil {
		return reports.Summary{}, err
	}
	return t.Summary(), nil
}

// NeedFilter is what an unmet-need report is asked for beside its period.
type NeedFilter struct {
	// Language, when set (a BCP 47 tag), keeps that language's need alone.
	Language string
	// Shareable (for sharing outside the organisation) hides small counts
	// and enough others that none can be worked out (reports.Suppress).
	Shareable bool
	// Scope is the actor's organisation or the register.
	Scope Scope
}

// UnmetNeedReport tables the unmet need of the actor's organisation (or
// of the register, f.Scope) whose interviews start in p by language and
// main reason, as f asks.
func (a *App) UnmetNeedReport(ctx context.Context, actor data.User, p Period, f NeedFilter) (reports.NeedTable, error) {
	if err := reportReader(actor); err != nil {
		return reports.NeedTable{}, err
	}
	q, err := f.Scope.query(actor, p, "")
	if err != nil {
		return reports.NeedTable{}, err
	}
	lang := ""
	if f.Language != "" {
		var err error
		if lang, err = data.CanonicalLanguage(f.Language); err != nil {
			return reports.NeedTable{}, invalid("language", err.Error())
		}
	}
	var nc reports.NeedCounts
	err = a.eachNeed(ctx, q, func(n data.UnmetNeed) {
		if lang == "" || n.Language == lang {
			nc.Add(n)
		}
	})
	if err != nil {
		return reports.NeedTable{}, err
	}
	t := nc.Table()
	if f.Shareable {
		t = reports.Suppress(t)
	}
	return t, nil
}

// BookingLine is one booking as the bookings export lists it, for
// recording and invoicing: the case's reference (the organisation's own)
// and the child's language, nothing else about the child.
type BookingLine struct {
	Start, End    time.Time
	CaseReference string
	Language      string
	InterviewType data.InterviewType
	Modality      data.Modality
	Interpreter   string // the interpreter's name
	InterpreterID string
	Status        data.BookingStatus
	Confirmation  data.Confirmation
	// OutcomeCode is how the booking ended (data.Booking.Code): its
	// outcome's or its cancellation's code, empty while confirmed (see
	// exportCode for bookings ended before codes were kept).
	OutcomeCode data.OutcomeCode
}

// BookingsHeader is the bookings export's header row, stable: columns
// are only ever added at the end.
var BookingsHeader = []string{"date", "start", "end", "caseReference", "language", "interviewType", "modality",
	"interpreter", "interpreterId", "status", "confirmation", "outcomeCode"}

// Fields is the line as the export's row, in BookingsHeader's order:
// the date in London as YYYY-MM-DD, times in RFC 3339 UTC.
func (l BookingLine) Fields() []string {
	return []string{data.LondonDate(l.Start).String(), l.Start.UTC().Format(time.RFC3339), l.End.UTC().Format(time.RFC3339),
		l.CaseReference, l.Language, string(l.InterviewType), string(l.Modality), l.Interpreter, l.InterpreterID,
		string(l.Status), string(l.Confirmation), string(l.OutcomeCode)}
}

// exportCode is the booking's code for the export: Booking.Code, or for a
// booking ended before codes were kept, its outcome's code, attended for
// an outcome that says so, and empty otherwise (not known, never
// guessed).
func exportCode(b data.Booking) data.OutcomeCode {
	switch {
	case b.Code != "":
		return b.Code
	case b.Outcome == nil:
		return ""
	case b.Outcome.Code != "":
		return b.Outcome.Code
	case b.Outcome.Attended:
		return data.OutcomeAttended
	}
	return ""
}

// BookingsExport lists the actor's organisation's bookings whose
// interviews start in p, by start, each case and interpreter read once.
func (a *App) BookingsExport(ctx context.Context, actor data.User, p Period) ([]BookingLine, error) {
	if err := reportReader(actor); err != nil {
		return nil, err
	}
	languages, names := map[string]string{}, map[string]string{}
	out := []BookingLine{}
	err := a.eachBooking(ctx, actor.Organisation, p, func(b data.Booking) error {
		lang, ok := languages[b.CaseID]
		if !ok {
			c, err := a.store.Case(ctx, b.CaseID)
			if err != nil && !errors.Is(err, data.ErrNotFound) {
				return err
			}
			lang = needLanguage(c)
			languages[b.CaseID] = lang
		}
		name, ok := names[b.InterpreterID]
		if !ok {
			in, err := a.store.Interpreter(ctx, b.InterpreterID)
			if err != nil && !errors.Is(err, data.ErrNotFound) {
				return err
			}
			name = in.Name
			names[b.InterpreterID] = name
		}
		l := BookingLine{Start: b.Start, End: b.End, CaseReference: b.CaseReference, Language: lang,
			InterviewType: b.InterviewType, Modality: b.Modality, Interpreter: name, InterpreterID: b.InterpreterID,
			Status: b.Status, Confirmation: b.Confirmation, OutcomeCode: exportCode(b)}
		out = append(out, l)
		return nil
	})
	return out, err
}

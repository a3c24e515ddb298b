package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tolk/tolk/calendar"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
	"github.com/tolk/tolk/matching"
)

const storeUsage = "usage: tolkbench store-bookings|store-match --db FILE [--clients N] [--duration D] [--json] [--message (store-bookings)] [--records (store-match)]"

// runStoreBookings measures the baseline of POST /v1/bookings: the store's
// durable write rate on a seeded file. It books straight through the store
// (bolt.Store.CreateBooking: the overlap check, the record, its index
// entries and its audit entry in one transaction, fsynced) from many
// goroutines at once, the slots of the load run's bookings phase, with
// none of the service's work around it. It writes to the file: run it on
// a copy, with no service holding the file.
func runStoreBookings(ctx context.Context, args []string, out io.Writer) error {
	s, cfg, err := openStoreRun(ctx, "store-bookings", args)
	if err != nil {
		return err
	}
	defer s.Close(ctx)
	book, err := storeBooker(ctx, s, cfg.message)
	if err != nil {
		return err
	}
	st := drive(ctx, storeBookingsName(cfg.message), cfg.clients, cfg.duration, book)
	return cfg.report(out, st)
}

// storeBookingsName names the store's durable write rate in reports.
func storeBookingsName(message bool) string {
	if message {
		return "bolt.Store.CreateBooking, with its message (fsync)"
	}
	return "bolt.Store.CreateBooking (fsync)"
}

// storeBooker returns the store-bookings run's call: its k-th call books
// the k-th slot of the window after the file's latest booking straight
// through the store, or sends nothing past the window. With message, the
// booking's change carries the interpreter's invitation too, as the
// service's does (see benchInvitation).
func storeBooker(ctx context.Context, s *bolt.Store, message bool) (func(k int) (string, bool), error) {
	interpreters, cases, err := storeSubjects(ctx, s)
	if err != nil {
		return nil, err
	}
	start, err := bookingWindow(func(t time.Time) (time.Time, error) {
		page, err := s.ListBookings(ctx, data.BookingQuery{Organisation: benchOrganisation, From: t, Limit: 1})
		if err != nil || len(page.Items) == 0 {
			return time.Time{}, err
		}
		return page.Items[0].Start, nil
	})
	if err != nil {
		return nil, err
	}
	booker := data.User{ID: "bench-social-worker", Organisation: benchOrganisation}
	return func(k int) (string, bool) {
		in, round := interpreters[k%len(interpreters)], k/len(interpreters)
		if time.Duration(round)*slotStep >= bookingSpan {
			return "", false
		}
		c := cases[k%len(cases)]
		now := time.Now()
		b := data.Booking{
			ID: data.NewID(now), Organisation: benchOrganisation, CaseID: c.ID, CaseReference: c.Reference,
			InterpreterID: in, BookedBy: booker.ID, Start: start.Add(time.Duration(round) * slotStep),
			InterviewType: data.InterviewSocialWork, Modality: data.ModalityVideo, Status: data.BookingConfirmed,
			Confirmation: data.ConfirmationDirect, Additional: true, // see bookingPlan.body
			Match:   data.MatchSnapshot{Score: 50, Factors: []data.Factor{{Factor: "experience", Points: 20, Reason: "12 child interviews"}}},
			Version: 1, CreatedAt: data.Timestamp(now), UpdatedAt: data.Timestamp(now),
		}
		b.End = b.Start.Add(bookingLength)
		ch := data.Audited(data.NewAuditEntry(now, booker, benchOrganisation, data.ActionBookingCreated, data.EntityBooking, b.ID))
		if message {
			m, err := benchInvitation(b, now)
			if err != nil {
				return err.Error(), true
			}
			ch.Messages = []data.Message{m}
		}
		if err := s.CreateBooking(ctx, b, ch); err != nil {
			return err.Error(), true
		}
		return "", true
	}, nil
}

// benchInvitation is a booking's invitation to its interpreter as the
// service's booking change carries it into the outbox: the iMIP request
// calendar.Invite makes, and a letter of the length the service's is
// (about 0.8 KB of text and 1 KB of HTML; a stored invitation is about
// 4 KB).
func benchInvitation(b data.Booking, now time.Time) (data.Message, error) {
	to := calendar.Person{Name: "Bench interpreter", Email: b.InterpreterID + "@bench.tolk.invalid"}
	ics, err := calendar.Invite(b, calendar.Person{Name: "Bench social worker", Email: b.BookedBy + "@bench.tolk.invalid"}, to, now)
	if err != nil {
		return data.Message{}, err
	}
	when := b.Start.Format("Mon 2 Jan 2006, 15:04 MST")
	text := "Hello " + to.Name + ",\n\nYou are booked. The calendar invitation attached adds it to your calendar.\n\n" +
		"What: a social work interview for " + b.Organisation + ".\nWhen: " + when + " to " + b.End.Format("15:04") + " (30 minutes).\n" +
		"How: video; the link is in the calendar invitation.\n\n" + strings.Repeat("The interview is with a child. Please keep what you hear to yourself. ", 8)
	html := "<!doctype html><html><body style=\"font-family: sans-serif\">" + strings.ReplaceAll("<p>"+text+"</p>", "\n\n", "</p><p>") + "</body></html>"
	return data.Message{
		ID: data.DerivedIDAt(now, "message", string(data.MessageBookingRequest), b.ID, "0"), Kind: data.MessageBookingRequest,
		Organisation: b.Organisation, RecipientRole: data.RoleInterpreter, To: to.Email, ToName: to.Name,
		Subject: "Booked: social work interview on " + when, Text: text, HTML: html,
		Calendar: ics, CalendarMethod: "REQUEST", BookingID: b.ID, InterpreterID: b.InterpreterID,
		Due: data.Timestamp(now), Status: data.MessageQueued, CreatedAt: now, Version: 1,
	}, nil
}

// storeRun is what a store-* subcommand was asked.
type storeRun struct {
	clients  int
	duration time.Duration
	json     bool
	// message: store-bookings' bookings carry their invitations too.
	message bool
}

// openStoreRun reads a store-* subcommand's flags and opens its file.
func openStoreRun(ctx context.Context, name string, args []string) (*bolt.Store, storeRun, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	path := fs.String("db", "", "a seeded bbolt file (store-bookings writes to it: give it a copy)")
	var cfg storeRun
	fs.IntVar(&cfg.clients, "clients", 32, "goroutines calling the store at once")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long to call it")
	fs.BoolVar(&cfg.json, "json", false, "print the report as JSON")
	if name == "store-bookings" {
		fs.BoolVar(&cfg.message, "message", false, "each booking's change carries the interpreter's invitation, as the service's does")
	}
	if err := fs.Parse(args); err != nil {
		return nil, cfg, err
	}
	if *path == "" || cfg.clients < 1 || cfg.duration <= 0 {
		return nil, cfg, errors.New(storeUsage)
	}
	s, err := bolt.Open(*path)
	return s, cfg, err
}

// report prints one store figure.
func (cfg storeRun) report(out io.Writer, st stats) error {
	if cfg.json {
		return json.NewEncoder(out).Encode([]stats{st})
	}
	return writeReport(out, []stats{st})
}

// runStoreMatch measures the baseline of POST /v1/cases/{id}/matches: the
// store reads one match needs, as the application makes them (the pool of
// the Sorani case's languages and related varieties with their slots
// around the slot, data.PoolStore.MatchPool; the case's history,
// CaseSittings), with
// none of the ranking or the answer's encoding. With --records it makes
// the reads the application made before the store kept the pool: the
// records page by page, and their confirmed bookings. It only reads;
// bbolt still allows one process per file, so run it before serving the
// file, or on a copy.
func runStoreMatch(ctx context.Context, args []string, out io.Writer) error {
	records := false
	for i, a := range args {
		if a == "--records" || a == "-records" {
			records = true
			args = append(args[:i:i], args[i+1:]...)
			break
		}
	}
	s, cfg, err := openStoreRun(ctx, "store-match", args)
	if err != nil {
		return err
	}
	defer s.Close(ctx)
	reads, name := poolReads, "store reads of one match"
	if records {
		reads, name = matchReads, "store reads of one match, records"
	}
	c, err := s.Case(ctx, "bench-case-00000")
	if err != nil {
		return fmt.Errorf("the seeded Sorani case: %w", err)
	}
	start := time.Now().UTC().Truncate(24 * time.Hour).Add(7*24*time.Hour + 10*time.Hour)
	var pool atomic.Int64
	st := drive(ctx, name, cfg.clients, cfg.duration, func(int) (string, bool) {
		n, err := reads(ctx, s, c, start)
		if err != nil {
			return err.Error(), true
		}
		pool.Store(int64(n))
		return "", true
	})
	st.Endpoint = fmt.Sprintf("%s (%d interpreters)", name, pool.Load())
	return cfg.report(out, st)
}

// poolReads makes the store reads app.Match makes for case c and a slot
// starting at start, and returns the size of the pool.
func poolReads(ctx context.Context, s *bolt.Store, c data.Case, start time.Time) (int, error) {
	now := time.Now()
	members, err := s.MatchPool(ctx, matching.PoolLanguageKeys(c.Child.Languages), now.Add(-30*24*time.Hour), start.Add(15*24*time.Hour))
	if err != nil {
		return 0, err
	}
	return len(members), caseSittings(ctx, s, c)
}

// caseSittings reads the case's history, as a match does.
func caseSittings(ctx context.Context, s *bolt.Store, c data.Case) error {
	return casePages(ctx, c, s.CaseSittings)
}

// caseReads reads the case's bookings, as a match did before it read
// the case's history as sittings.
func caseReads(ctx context.Context, s *bolt.Store, c data.Case) error {
	return casePages(ctx, c, s.ListBookings)
}

// casePages reads every page of the case's bookings through read.
func casePages[T any](ctx context.Context, c data.Case, read func(context.Context, data.BookingQuery) (data.Page[T], error)) error {
	q := data.BookingQuery{Organisation: c.Organisation, CaseID: c.ID, Limit: data.MaxPageSize}
	for {
		page, err := read(ctx, q)
		if err != nil {
			return err
		}
		if page.Next == "" {
			return nil
		}
		q.After = page.Next
	}
}

// matchReads makes the store reads app.Match made for case c and a slot
// starting at start before the store kept the pool (data.PoolStore), and
// returns the size of the pool.
func matchReads(ctx context.Context, s *bolt.Store, c data.Case, start time.Time) (int, error) {
	seen := map[string]bool{}
	var ids []string
	for _, key := range matching.PoolLanguageKeys(c.Child.Languages) {
		q := data.InterpreterQuery{LanguageKey: key, Limit: data.MaxPageSize}
		for {
			page, err := s.ListInterpreters(ctx, q)
			if err != nil {
				return 0, err
			}
			for _, in := range page.Items {
				if !seen[in.ID] {
					seen[in.ID] = true
					ids = append(ids, in.ID)
				}
			}
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
	}
	now := time.Now()
	if _, err := s.ConfirmedBookings(ctx, ids, now.Add(-30*24*time.Hour), start.Add(15*24*time.Hour)); err != nil {
		return 0, err
	}
	return len(ids), caseReads(ctx, s, c)
}

// storeSubjects returns up to 1,000 interpreters and 100 cases of a seeded
// file to book.
func storeSubjects(ctx context.Context, s *bolt.Store) ([]string, []data.Case, error) {
	var interpreters []string
	q := data.InterpreterQuery{Limit: data.MaxPageSize}
	for len(interpreters) < 1000 {
		page, err := s.ListInterpreters(ctx, q)
		if err != nil {
			return nil, nil, err
		}
		for _, in := range page.Items {
			interpreters = append(interpreters, in.ID)
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	var cases []data.Case
	for i := range 100 {
		c, err := s.Case(ctx, fmt.Sprintf("bench-case-%05d", i))
		if errors.Is(err, data.ErrNotFound) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		cases = append(cases, c)
	}
	if len(interpreters) == 0 || len(cases) == 0 {
		return nil, nil, errors.New("the file holds no seeded interpreters or cases: seed it with tolkbench seed")
	}
	return interpreters, cases, nil
}

package mongodb

import (
	"crypto/rand"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/reports"
)

// BenchmarkYearSummary reads what a year's summary reads on MongoDB, as
// app.ReportSummary does, off the indexes by organisation and start
// (organisation_start_id) and, for the register, by start alone
// (start_id), projected to the facts: "store" is the raw store calls of
// one organisation's year, "summary" the same counted (reports.Tally),
// "register-summary" both organisations' year.
//
// Against the in-process FerretDB (on SQLite) it seeds 1,000 bookings an
// organisation; against a real server (TOLK_TEST_MONGODB_URI) the bolt
// benchmark's whole year (100,000). The figures measure the server as
// much as the store: FerretDB 1.24 on SQLite reads every document of the
// collection for each page (5,000 an organisation took 94 s a summary,
// 23 GB allocated), where MongoDB walks the index the query hints.
func BenchmarkYearSummary(b *testing.B) {
	uri, err := serverURI()
	if err != nil {
		b.Fatal(err)
	}
	perOrg := 1_000
	if os.Getenv("TOLK_TEST_MONGODB_URI") != "" {
		perOrg = 100_000
	}
	s, err := Open(b.Context(), uri, "tolkbench_"+strings.ToLower(rand.Text()[:12]))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(b.Context())
	defer s.db.Drop(b.Context())

	yearStart := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var bookings, offers, needs []any
	for i := range 2 * perOrg {
		org := []string{"north", "south"}[i%2]
		start := yearStart.Add(time.Duration(i%365)*24*time.Hour + time.Duration(8+i%9)*time.Hour)
		made := start.Add(-72 * time.Hour)
		bk := data.Booking{
			ID: fmt.Sprintf("b%07d", i), Organisation: org, CaseID: fmt.Sprintf("case-%d", i%2000), CaseReference: "NR",
			InterpreterID: fmt.Sprintf("int-%d", i%1000), BookedBy: "sw-1", Start: start, End: start.Add(time.Hour),
			InterviewType: data.InterviewSocialWork, Modality: data.ModalityVideo, Status: data.BookingConfirmed,
			Confirmation: data.ConfirmationDirect, Version: 1, CreatedAt: made, UpdatedAt: made,
		}
		switch {
		case i%10 == 4: // north's and south's alike
			bk.Status, bk.Code = data.BookingCancelled, data.CancelCodes[i%len(data.CancelCodes)]
		case i%5 == 1:
			bk.Status, bk.Code = data.BookingCompleted, data.OutcomeAttended
			bk.Outcome = &data.Outcome{Attended: true, Code: data.OutcomeAttended, RecordedAt: bk.End,
				Checklist: &data.Checklist{Briefed: true, NeverAloneWithChild: i%7 != 0}}
		}
		if i%3 == 0 {
			bk.Confirmation, bk.OfferID, bk.OfferedAt = data.ConfirmationOffer, fmt.Sprintf("o%07d", i), made.Add(-2*time.Hour)
			offers = append(offers, fromOffer(data.Offer{ID: bk.OfferID, Organisation: org, CaseID: bk.CaseID, CreatedBy: "sw-1",
				Start: start, End: bk.End, InterviewType: bk.InterviewType, Modality: bk.Modality, Mode: data.OfferCascade,
				RespondWithin: time.Hour, Status: data.OfferFilled, BookingID: bk.ID,
				Invitations: []data.Invitation{{InterpreterID: bk.InterpreterID, Status: data.InvitationAccepted}},
				Version:     1, CreatedAt: bk.OfferedAt, UpdatedAt: made}))
		}
		bookings = append(bookings, fromBooking(bk))
		if i%5 == 0 {
			needs = append(needs, fromNeed(data.UnmetNeed{ID: fmt.Sprintf("n%07d", i), Organisation: org, Source: data.NeedSearch,
				Language: []string{"ti", "ckb", "apd"}[i%3], InterviewType: data.InterviewSocialWork, Modality: data.ModalityVideo,
				Start: start, RecordedAt: made, Reasons: []data.ReasonCount{{Code: "unavailable", Count: 1 + i%4}}}))
		}
	}
	for _, c := range []struct {
		name string
		docs []any
	}{{"bookings", bookings}, {"offers", offers}, {unmetCollection, needs}} {
		for chunk := range slices.Chunk(c.docs, 5000) {
			if _, err := s.db.Collection(c.name).InsertMany(b.Context(), chunk); err != nil {
				b.Fatalf("seed %s: %v", c.name, err)
			}
		}
	}

	from, to := yearStart, yearStart.AddDate(1, 0, 0)
	read := func(b *testing.B, t *reports.Tally, scope data.ReportQuery) (nb, nn int) {
		add := func(f func()) {
			if t != nil {
				f()
			}
		}
		for q := scope; ; {
			page, err := s.OfferFacts(b.Context(), q)
			if err != nil {
				b.Fatal(err)
			}
			for _, o := range page.Items {
				add(func() { t.AddOffer(o) })
			}
			if q.After = page.Next; q.After == "" {
				break
			}
		}
		for q := scope; ; {
			page, err := s.BookingFacts(b.Context(), q)
			if err != nil {
				b.Fatal(err)
			}
			nb += len(page.Items)
			for _, f := range page.Items {
				add(func() { t.AddBooking(f) })
			}
			if q.After = page.Next; q.After == "" {
				break
			}
		}
		for q := data.UnmetNeedQuery(scope); ; {
			page, err := s.ListUnmetNeed(b.Context(), q)
			if err != nil {
				b.Fatal(err)
			}
			nn += len(page.Items)
			for _, n := range page.Items {
				add(func() { t.AddNeed(n) })
			}
			if q.After = page.Next; q.After == "" {
				break
			}
		}
		return nb, nn
	}
	north := data.ReportQuery{Organisation: "north", From: from, To: to, Limit: data.MaxPageSize}
	register := data.ReportQuery{Register: true, From: from, To: to, Limit: data.MaxPageSize}
	b.Run("store", func(b *testing.B) {
		for b.Loop() {
			if nb, nn := read(b, nil, north); nb != perOrg || nn != perOrg/5 {
				b.Fatalf("read %d bookings and %d entries, want %d and %d", nb, nn, perOrg, perOrg/5)
			}
		}
	})
	b.Run("summary", func(b *testing.B) {
		for b.Loop() {
			var t reports.Tally
			read(b, &t, north)
			if sum := t.Summary(); sum.Requests != perOrg || sum.Searches != perOrg/5 || sum.Incidents == 0 || sum.Cancellations.Total == 0 {
				b.Fatalf("summary %+v", sum)
			}
		}
	})
	b.Run("register-summary", func(b *testing.B) {
		for b.Loop() {
			var t reports.Tally
			read(b, &t, register)
			if sum := t.Summary(); sum.Requests != 2*perOrg || sum.Searches != 2*perOrg/5 {
				b.Fatalf("the register's summary %+v", sum)
			}
		}
	})
}

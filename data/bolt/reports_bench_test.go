package bolt

import (
	"fmt"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/reports"
)

// BenchmarkYearSummary reads what a year's summary of one organisation
// reads, as app.ReportSummary does: the facts of its 100,000 bookings
// (a third of them made by offers, whose 33,334 offers' facts it reads
// too) off their indexes by organisation and start, and its 20,000
// entries of unmet need off theirs (index entries only, no record read),
// a page of 200 at a time; "store" is the raw store calls alone,
// "summary" the same with every record counted (reports.Tally). A second
// organisation's records, as many, lie between them in the indexes;
// "register-summary" is a coordinator's summary of both organisations
// (200,000 bookings, 40,000 entries) off the indexes by start alone.
func BenchmarkYearSummary(b *testing.B) {
	s := openBench(b)
	bookings := benchBookings(20_000, 10) // 200,000 over the year, half north's
	for i := range bookings {
		if i%2 == 0 {
			bookings[i].Organisation = "north"
		} else {
			bookings[i].Organisation = "south"
		}
		if i%3 == 0 {
			bookings[i].Confirmation, bookings[i].OfferID = data.ConfirmationOffer, fmt.Sprintf("offer-%d", i)
			bookings[i].OfferedAt = bookings[i].CreatedAt.Add(-2 * time.Hour)
		}
		// Every ended booking with its code: the cancelled (a tenth) by
		// each party, late or not, or withdrawn; a fifth of the rest
		// completed, each outcome code in turn, every seventh of them
		// with an incident.
		switch bk := &bookings[i]; {
		case bk.Status == data.BookingCancelled:
			bk.Code = data.CancelCodes[i%len(data.CancelCodes)]
		case i%5 == 1:
			code := data.OutcomeCodes[(i/10)%len(data.OutcomeCodes)]
			bk.Status, bk.Code = data.BookingCompleted, code
			bk.Outcome = &data.Outcome{Attended: code == data.OutcomeAttended, Code: code, RecordedAt: bk.Start}
			if code == data.OutcomeAttended {
				bk.Outcome.Checklist = &data.Checklist{Briefed: true, NeverAloneWithChild: i%7 != 0}
			}
		}
	}
	seedBookings(b, s, bookings)
	var offers []data.Offer
	for _, bk := range bookings {
		if bk.Confirmation == data.ConfirmationOffer {
			offers = append(offers, data.Offer{ID: bk.OfferID, Organisation: bk.Organisation, CaseID: bk.CaseID, CreatedBy: "sw-1",
				Start: bk.Start, End: bk.End, InterviewType: bk.InterviewType, Modality: bk.Modality, Region: bk.Region,
				Mode: data.OfferCascade, RespondWithin: time.Hour, Status: data.OfferFilled, BookingID: bk.ID,
				Invitations: []data.Invitation{{InterpreterID: bk.InterpreterID, Status: data.InvitationAccepted}},
				Version:     1, CreatedAt: bk.OfferedAt, UpdatedAt: bk.CreatedAt})
		}
	}
	for chunk := range slices.Chunk(offers, 5000) {
		if err := s.db.Update(func(tx *bolt.Tx) error {
			for _, o := range chunk {
				if err := writeIndexes(tx, nil, offerIndexes(o)); err != nil {
					return err
				}
				if err := put(tx.Bucket(bucketOffers), o.ID, fromOffer(o)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	var needs []data.UnmetNeed
	for i := range 40_000 {
		start := yearStart.Add(time.Duration(i%365)*24*time.Hour + time.Duration(i%10)*time.Hour)
		needs = append(needs, data.UnmetNeed{
			ID:           data.SearchNeedID(fmt.Sprintf("case-%d", i), start, start.Add(time.Hour), data.InterviewSocialWork, data.ModalityVideo, "", yearStart),
			Organisation: []string{"north", "south"}[i%2], Source: data.NeedSearch, Language: []string{"ti", "ckb", "apd"}[i%3],
			InterviewType: data.InterviewSocialWork, Modality: data.ModalityVideo, Start: start, RecordedAt: yearStart,
			Reasons: []data.ReasonCount{{Code: "unavailable", Count: 1 + i%4}},
		})
	}
	for chunk := range slices.Chunk(needs, 5000) {
		if err := s.db.Update(func(tx *bolt.Tx) error { return putUnmet(tx, chunk) }); err != nil {
			b.Fatal(err)
		}
	}
	from, to := yearStart, yearStart.AddDate(1, 0, 0)
	north := data.ReportQuery{Organisation: "north", From: from, To: to, Limit: data.MaxPageSize}
	read := func(b *testing.B, t *reports.Tally, scope data.ReportQuery) (nb, nn int) {
		oq := scope
		for {
			page, err := s.OfferFacts(b.Context(), oq)
			if err != nil {
				b.Fatal(err)
			}
			for _, o := range page.Items {
				if t != nil {
					t.AddOffer(o)
				}
			}
			if page.Next == "" {
				break
			}
			oq.After = page.Next
		}
		q := scope
		for {
			page, err := s.BookingFacts(b.Context(), q)
			if err != nil {
				b.Fatal(err)
			}
			for _, bk := range page.Items {
				nb++
				if t != nil {
					t.AddBooking(bk)
				}
			}
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
		nq := data.UnmetNeedQuery(scope)
		for {
			page, err := s.ListUnmetNeed(b.Context(), nq)
			if err != nil {
				b.Fatal(err)
			}
			for _, n := range page.Items {
				nn++
				if t != nil {
					t.AddNeed(n)
				}
			}
			if page.Next == "" {
				break
			}
			nq.After = page.Next
		}
		return nb, nn
	}
	b.Run("store", func(b *testing.B) {
		for b.Loop() {
			if nb, nn := read(b, nil, north); nb != 100_000 || nn != 20_000 {
				b.Fatalf("read %d bookings and %d entries, want 100,000 and 20,000", nb, nn)
			}
		}
	})
	b.Run("summary", func(b *testing.B) {
		for b.Loop() {
			var t reports.Tally
			read(b, &t, north)
			sum := t.Summary()
			if sum.Requests != 100_000 || sum.Filled != 100_000 || sum.Searches != 20_000 || sum.Cancellations.Total == 0 ||
				sum.Cancellations.Unrecorded != 0 || sum.Cancellations.Interpreter.Late == 0 || sum.NoShows.Child == 0 || sum.Incidents == 0 {
				b.Fatalf("summary %+v", sum)
			}
		}
	})
	// The whole register's year, as a coordinator asks it: both
	// organisations' records off the indexes by start alone, twice the
	// facts of one organisation's.
	b.Run("register-summary", func(b *testing.B) {
		register := data.ReportQuery{Register: true, From: from, To: to, Limit: data.MaxPageSize}
		for b.Loop() {
			var t reports.Tally
			read(b, &t, register)
			if sum := t.Summary(); sum.Requests != 200_000 || sum.Searches != 40_000 {
				b.Fatalf("the register's summary %+v", sum)
			}
		}
	})
}

package bolt

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// testOffer is an open broadcast in north of case "c", 10:00-11:00 on the
// benchmarks' first day, asking interpreters from benchBase, each answer
// due an hour later.
// It asks for an additional interpreter: several such offers of case "c" share a slot.
func testOffer(id string, interpreters ...string) data.Offer {
	start := benchBase.Add(24 * time.Hour).Truncate(24 * time.Hour).Add(10 * time.Hour)
	o := data.Offer{
		ID: id, Organisation: "north", CaseID: "c", CreatedBy: "sw-1", Start: start, End: start.Add(time.Hour),
		InterviewType: data.InterviewSocialWork, Modality: data.ModalityVideo, Mode: data.OfferBroadcast, Additional: true,
		RespondWithin: time.Hour, Status: data.OfferOpen, Version: 1, CreatedAt: benchBase, UpdatedAt: benchBase,
	}
	judged := data.Judged{}
	for _, in := range interpreters {
		o.Invitations = append(o.Invitations, data.Invitation{InterpreterID: in, Status: data.InvitationQueued})
		judged[in] = nil
	}
	return o.Open(benchBase, judged)
}

// offerChange is the change a test writes an offer with.
func offerChange(id string, action data.Action) data.Change {
	return data.Audited(data.NewAuditEntry(benchBase, data.User{ID: "a", Organisation: "north"}, "north", action, data.EntityOffer, id))
}

// acceptBy is the acceptance package app passes FillOffer, by interpreter,
// booked as bookingID.
func acceptBy(interpreter, bookingID string) func(data.Offer) (data.Offer, data.Booking, data.Change, error) {
	return func(o data.Offer) (data.Offer, data.Booking, data.Change, error) {
		next, err := o.Accept(interpreter, bookingID, benchBase)
		if err != nil {
			return o, data.Booking{}, data.Change{}, err
		}
		b := testBooking(bookingID, interpreter, o.Start, o.End.Sub(o.Start))
		b.Confirmation, b.OfferID = data.ConfirmationOffer, o.ID
		ch := offerChange(o.ID, data.ActionOfferAccepted)
		ch.Audit = append(ch.Audit, testChange(bookingID).Audit...)
		return next, b, ch, nil
	}
}

func listedIDs(os []data.Offer) []string {
	var out []string
	for _, o := range os {
		out = append(out, o.ID)
	}
	return out
}

// TestOpenBuildsOfferIndexes opens a file written before offers were
// indexed and before users were linked to interpreters: Open builds the
// offers' indexes and the users' interpreter index from the records, so
// the listings and the expirer find the offers stored before, and a
// second user of an interpreter is still refused.
func TestOpenBuildsOfferIndexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	open, filled := testOffer("o1", "i1", "i2"), testOffer("o2", "i2")
	for _, o := range []data.Offer{open, filled} {
		if err := s.CreateOffer(ctx, o, offerChange(o.ID, data.ActionOfferCreated)); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.FillOffer(ctx, filled.ID, acceptBy("i2", "b1")); err != nil {
		t.Fatal(err)
	}
	u := data.User{ID: "u1", Name: "A", Email: "a@example.org", Role: data.RoleInterpreter, InterpreterID: "i1", Organisation: "north", KeyHash: data.HashKey("k")}
	if err := s.CreateUser(ctx, u, data.Audited(data.NewAuditEntry(benchBase, u, "north", data.ActionUserCreated, data.EntityUser, u.ID))); err != nil {
		t.Fatal(err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range append(offerKind.indexes, bucketUsersByInterpreter) {
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)

	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	for _, tc := range []struct {
		q    data.OfferQuery
		want []string
	}{
		{data.OfferQuery{Organisation: "north"}, []string{"o2", "o1"}},
		{data.OfferQuery{Organisation: "north", Status: data.OfferOpen}, []string{"o1"}},
		{data.OfferQuery{Organisation: "north", CaseID: "c", Status: data.OfferFilled}, []string{"o2"}},
		{data.OfferQuery{InterpreterID: "i2"}, []string{"o2", "o1"}},
		{data.OfferQuery{InterpreterID: "i2", Invitation: data.InvitationAccepted}, []string{"o2"}},
		{data.OfferQuery{InterpreterID: "i1", Status: data.OfferOpen}, []string{"o1"}},
	} {
		page, err := s.ListOffers(ctx, tc.q)
		if diff := cmp.Diff(tc.want, listedIDs(page.Items)); err != nil || diff != "" {
			t.Errorf("ListOffers(%+v) after the migration: %v (-want +got):\n%s", tc.q, err, diff)
		}
	}
	due, err := s.DueOffers(ctx, benchBase.Add(time.Hour), 10)
	if diff := cmp.Diff([]string{"o1"}, listedIDs(due)); err != nil || diff != "" {
		t.Errorf("DueOffers after the migration: %v (-want +got):\n%s", err, diff)
	}
	twin := u
	twin.ID, twin.Email, twin.KeyHash = "u2", "b@example.org", data.HashKey("k2")
	if err := s.CreateUser(ctx, twin, data.Audited(data.NewAuditEntry(benchBase, twin, "north", data.ActionUserCreated, data.EntityUser, twin.ID))); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("a second user of i1 after the migration: %v, want ErrDuplicate", err)
	}
}

// TestBookingWithoutConfirmation reads a booking stored before bookings
// recorded how they were confirmed: it was booked directly.
func TestBookingWithoutConfirmation(t *testing.T) {
	s := openBench(t)
	ctx := t.Context()
	legacy := `{"id":"b1","organisation":"north","caseId":"c","interpreterId":"i1","bookedBy":"sw-1",` +
		`"start":"2026-03-15T10:00:00Z","end":"2026-03-15T11:00:00Z","interviewType":"social_work","modality":"video",` +
		`"status":"confirmed","sequence":0,"match":{"score":0},"version":1,` +
		`"createdAt":"2026-03-14T09:00:00Z","updatedAt":"2026-03-14T09:00:00Z"}`
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketBookings).Put([]byte("b1"), []byte(legacy)) }); err != nil {
		t.Fatal(err)
	}
	b, err := s.Booking(ctx, "b1")
	if err != nil || b.Confirmation != data.ConfirmationDirect || b.OfferID != "" {
		t.Errorf("a booking stored without a confirmation reads as %q (offer %q), %v; want direct", b.Confirmation, b.OfferID, err)
	}
	if err := b.Validate(); err != nil {
		t.Errorf("the legacy booking as read is invalid: %v", err)
	}
}

// BenchmarkFillOffer accepts offers among the bookings of
// BenchmarkCreateBooking, each acceptance landing the filled offer and its
// booking: one write transaction, fsynced, as a direct booking is.
// Creating each offer is not timed.
func BenchmarkFillOffer(b *testing.B) {
	for _, size := range bookingStores {
		b.Run(fmt.Sprintf("bookings=%d", size.interpreters*size.each), func(b *testing.B) {
			s := openBench(b)
			seedBookings(b, s, benchBookings(size.interpreters, size.each))
			n := size.interpreters
			i := 0
			for b.Loop() {
				b.StopTimer()
				j, slot := i%n, i/n
				o := testOffer(fmt.Sprintf("offer-%08d", i), benchInterpreterID(j), benchInterpreterID((j+1)%n), benchInterpreterID((j+2)%n))
				o.Start = yearStart.Add(time.Duration(slot%365)*24*time.Hour + time.Duration(14+slot/365%9)*time.Hour)
				o.End = o.Start.Add(time.Hour)
				if err := s.CreateOffer(b.Context(), o, offerChange(o.ID, data.ActionOfferCreated)); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, _, err := s.FillOffer(b.Context(), o.ID, acceptBy(benchInterpreterID(j), fmt.Sprintf("new-%08d", i))); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "acceptances/s")
		})
	}
}

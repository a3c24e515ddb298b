package mongodb

import (
	"errors"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tolk/tolk/data"
)

// These tests leave the changes of offers as writers that died or are
// still at work would leave them, halfway through their ledger.

// newTestOffer is an open broadcast offer of an hour's video interview at
// morning, pending with each of these interpreters for an hour from now.
func newTestOffer(interpreters ...string) data.Offer {
	now := data.Timestamp(time.Now())
	o := data.Offer{
		ID: data.NewID(now), Organisation: "north", CaseID: "case-1", CaseReference: "NR-1", CreatedBy: "sw-1",
		Start: morning, End: morning.Add(time.Hour), InterviewType: data.InterviewSocialWork, Modality: data.ModalityVideo,
		Mode: data.OfferBroadcast, Additional: true, // many offers of case-1 share a slot here
		RespondWithin: time.Hour, Status: data.OfferOpen, Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	for _, id := range interpreters {
		o.Invitations = append(o.Invitations, data.Invitation{InterpreterID: id, Status: data.InvitationPending, Asked: now, RespondBy: now.Add(time.Hour)})
	}
	return o
}

func offerEntry(id string, action data.Action) data.AuditEntry {
	return data.NewAuditEntry(time.Now(), data.User{ID: "sw-1", Organisation: "north"}, "north", action, data.EntityOffer, id)
}

// createOffer stores an offer inviting these interpreters.
func createOffer(t *testing.T, s *Store, interpreters ...string) data.Offer {
	t.Helper()
	o := newTestOffer(interpreters...)
	if err := s.CreateOffer(t.Context(), o, data.Audited(offerEntry(o.ID, data.ActionOfferCreated))); err != nil {
		t.Fatal(err)
	}
	return o
}

// accepted returns the offer accepted by the interpreter, and the booking
// the acceptance makes, as the function FillOffer calls would.
func accepted(o data.Offer, interpreter string) (data.Offer, data.Booking, error) {
	b := newTestBooking(interpreter, 0)
	b.Confirmation, b.OfferID = data.ConfirmationOffer, o.ID
	next, err := o.Accept(interpreter, b.ID, time.Now())
	return next, b, err
}

// accept is the function FillOffer calls for the interpreter's acceptance.
func accept(interpreter string) func(data.Offer) (data.Offer, data.Booking, data.Change, error) {
	return func(o data.Offer) (data.Offer, data.Booking, data.Change, error) {
		next, b, err := accepted(o, interpreter)
		if err != nil {
			return o, data.Booking{}, data.Change{}, err
		}
		return next, b, data.Audited(offerEntry(o.ID, data.ActionOfferAccepted), bookingEntry(b, data.ActionBookingCreated)), nil
	}
}

// acceptanceOf is the change FillOffer commits for the interpreter's
// acceptance of o (as read) at the schedule version, and what it stores.
func acceptanceOf(t *testing.T, o data.Offer, interpreter string, schedule int64) (change, data.Offer, data.Booking) {
	t.Helper()
	next, b, err := accepted(o, interpreter)
	if err != nil {
		t.Fatal(err)
	}
	next.Version = o.Version + 1
	ch := data.Audited(offerEntry(o.ID, data.ActionOfferAccepted), bookingEntry(b, data.ActionBookingCreated))
	return acceptance(fromOffer(next), fromBooking(b), schedule, ch), next, b
}

// cancelled is the change UpdateOffer commits to cancel o (as read).
func cancelled(t *testing.T, o data.Offer) (change, data.Offer) {
	t.Helper()
	next, err := o.Cancel("no longer needed", data.OutcomeCancelledByRequester, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	next.Version = o.Version + 1
	return offerChange(fromOffer(next), data.Audited(offerEntry(o.ID, data.ActionOfferCancelled))), next
}

// cancel is the function UpdateOffer calls to cancel an offer.
func cancel(o data.Offer) (data.Offer, data.Change, error) {
	next, err := o.Cancel("no longer needed", data.OutcomeCancelledByRequester, time.Now())
	return next, data.Audited(offerEntry(o.ID, data.ActionOfferCancelled)), err
}

// wantOffer fails the test unless the offer reads at this status and
// version, filled with booking (or not filled, when booking is empty).
func wantOffer(t *testing.T, s *Store, id string, status data.OfferStatus, version int64, booking string) data.Offer {
	t.Helper()
	got, err := s.Offer(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != status || got.Version != version || got.BookingID != booking {
		t.Errorf("offer is %s at version %d with booking %q; want %s at %d with %q", got.Status, got.Version, got.BookingID, status, version, booking)
	}
	return got
}

// wantLedger fails the test unless the offer's ledger holds entries for
// exactly these versions.
func wantLedger(t *testing.T, s *Store, id string, versions ...int64) {
	t.Helper()
	cur, err := s.offerClaims.Find(t.Context(), bson.D{{Key: "offer", Value: id}})
	if err != nil {
		t.Fatal(err)
	}
	var entries []offerClaimDocument
	if err := cur.All(t.Context(), &entries); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.ID)
	}
	var want []string
	for _, v := range versions {
		want = append(want, offerClaimID(id, v))
	}
	if slices.Sort(got); !slices.Equal(got, want) {
		t.Errorf("ledger of offer %s = %v, want %v", id, got, want)
	}
}

func wantClosed(t *testing.T, what string, err error) {
	t.Helper()
	if se, ok := errors.AsType[*data.StateError](err); !ok || se.Code != data.ErrOfferClosed {
		t.Errorf("%s: error = %v, want the offer closed", what, err)
	}
}

// An acceptance whose writer died after its commit point lands, booking,
// offer and audit, when a reader of the offer comes by once the lock is
// LockTimeout old; a live writer's shows once it has landed it.
func TestDeadAcceptanceLandedByReader(t *testing.T) {
	open := freshDatabase(t)
	s, other := open().(*Store), open().(*Store)
	o := createOffer(t, s, "int-1")
	c, _, b := acceptanceOf(t, o, "int-1", 1)
	l := commitOnly(t, s, c, live)
	wantOffer(t, other, o.ID, data.OfferOpen, 1, "")
	if err := s.settle(t.Context(), l); err != nil {
		t.Fatal(err)
	}
	wantOffer(t, other, o.ID, data.OfferFilled, 2, b.ID)

	o2 := createOffer(t, s, "int-2")
	c, _, b = acceptanceOf(t, o2, "int-2", 1)
	commitOnly(t, s, c, dead)
	wantOffer(t, other, o2.ID, data.OfferFilled, 2, b.ID)
	if _, err := s.Booking(t.Context(), b.ID); err != nil {
		t.Errorf("the booking of the landed acceptance: %v", err)
	}
	if ids := auditIDs(t, other, o2.ID); len(ids) != 2 {
		t.Errorf("offer audit = %v, want the creation and the acceptance", ids)
	}
	wantLedger(t, other, o2.ID, 2)
	wantNoLocks(t, s)
}

// An acceptance that stopped halfway (its schedule and ledger entry in,
// not its booking or offer) holds the offer's next version: a writer of
// the offer waits for it, landing it once it is LockTimeout old, and then
// decides on the filled offer.
func TestWriterWaitsForHalfLandedAcceptance(t *testing.T) {
	open := freshDatabase(t)
	s, other := open().(*Store), open().(*Store)
	s.LockTimeout, other.LockTimeout = 200*time.Millisecond, 200*time.Millisecond
	ctx := t.Context()
	o := createOffer(t, s, "int-1")
	c, _, b := acceptanceOf(t, o, "int-1", 1)
	l := commitOnly(t, s, c, live)
	if _, err := s.schedules.InsertOne(ctx, l.Doc); err != nil {
		t.Fatal(err)
	}
	if _, err := s.offerClaims.InsertOne(ctx, l.Outbox[0].Doc); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	_, err := other.UpdateOffer(ctx, o.ID, cancel)
	if !errors.Is(err, data.ErrTransition) {
		t.Errorf("cancelling the offer an acceptance holds: %v, want a StateError", err)
	}
	if waited := time.Since(began); waited < 150*time.Millisecond {
		t.Errorf("the writer decided after %v, before the acceptance in its way landed", waited)
	}
	wantOffer(t, other, o.ID, data.OfferFilled, 2, b.ID)
	if _, err := other.Booking(ctx, b.ID); err != nil {
		t.Errorf("the booking of the landed acceptance: %v", err)
	}
	wantNoLocks(t, s)
}

// An acceptance that lost its ledger entry to another change (here a
// cancellation whose entry went in after the acceptance's commit) lands
// nothing but its schedule's version: no booking, no audit entry, the
// offer as the other change left it. Its writer loses (errStale), and
// through the front door it is told the offer is closed.
func TestAcceptanceLosesLedgerEntry(t *testing.T) {
	s := freshDatabase(t)().(*Store)
	ctx := t.Context()
	o := createOffer(t, s, "int-1")
	acc, _, b := acceptanceOf(t, o, "int-1", 1)
	l := commitOnly(t, s, acc, live)
	cc, _ := cancelled(t, o)
	if _, err := s.commit(ctx, cc); err != nil {
		t.Fatal(err)
	}
	if err := s.settle(ctx, l); !errors.Is(err, errStale) {
		t.Errorf("landing the acceptance after the cancellation: %v, want errStale", err)
	}
	wantOffer(t, s, o.ID, data.OfferCancelled, 2, "")
	if _, err := s.Booking(ctx, b.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("the losing acceptance's booking: %v, want ErrNotFound", err)
	}
	if ids := auditIDs(t, s, b.ID); len(ids) != 0 {
		t.Errorf("the losing acceptance was audited: %v", ids)
	}
	if st, _, err := s.stamp(ctx, schedulesCollection, "int-1"); err != nil || st.Version != 1 {
		t.Errorf("schedule at %d, %v; want 1", st.Version, err)
	}
	// Committed again on the same read, it is refused before its lock.
	acc, _, _ = acceptanceOf(t, o, "int-1", 2)
	if _, err := s.commit(ctx, acc); !errors.Is(err, errStale) {
		t.Errorf("committing on a version already claimed: %v, want errStale", err)
	}
	_, _, err := s.FillOffer(ctx, o.ID, accept("int-1"))
	wantClosed(t, "accepting the cancelled offer", err)
	wantLedger(t, s, o.ID, 2)
	wantNoLocks(t, s)
}

// An acceptance whose booking ID another booking took before it landed is
// refused before it claims the offer's next version: the offer stays open
// at its version, and the next acceptance fills it.
func TestAcceptanceBookingIDTakenAtLanding(t *testing.T) {
	s := freshDatabase(t)().(*Store)
	ctx := t.Context()
	o := createOffer(t, s, "int-1")
	acc, _, b := acceptanceOf(t, o, "int-1", 1)
	theirs := newTestBooking("int-2", 0)
	theirs.ID = b.ID
	commitOnly(t, s, acc, dead)
	if err := s.CreateBooking(ctx, theirs, bookingCreated(theirs)); err != nil {
		t.Fatal(err)
	}
	wantOffer(t, s, o.ID, data.OfferOpen, 1, "")
	wantLedger(t, s, o.ID)
	wantNoLocks(t, s)
	_, mine, err := s.FillOffer(ctx, o.ID, accept("int-1"))
	if err != nil {
		t.Fatal(err)
	}
	wantOffer(t, s, o.ID, data.OfferFilled, 2, mine.ID)
	wantLedger(t, s, o.ID, 2)
}

// A writer slower than LockTimeout, whose change another instance landed
// for it and another change followed, is told its change landed: the
// offer past its version is no refusal, since only it could write that
// version. So for a change of the offer alone and for an acceptance.
func TestSlowOfferWriterOvertaken(t *testing.T) {
	open := freshDatabase(t)
	s, other := open().(*Store), open().(*Store)
	ctx := t.Context()
	o := createOffer(t, s, "int-1", "int-2")
	declined, err := o.Decline("int-1", data.DeclineUnavailable, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	declined.Version = 2
	l := commitOnly(t, s, offerChange(fromOffer(declined), data.Audited(offerEntry(o.ID, data.ActionOfferDeclined))), dead)
	if _, _, err := other.FillOffer(ctx, o.ID, accept("int-2")); err != nil {
		t.Fatal(err)
	}
	if err := s.settle(ctx, l); err != nil {
		t.Errorf("the overtaken decline: %v, want nil (it landed)", err)
	}

	o = createOffer(t, s, "int-3")
	acc, _, b := acceptanceOf(t, o, "int-3", 1)
	l = commitOnly(t, s, acc, dead)
	if _, err := other.UpdateOffer(ctx, o.ID, func(cur data.Offer) (data.Offer, data.Change, error) {
		cur.UpdatedAt = data.Timestamp(time.Now())
		return cur, data.Audited(offerEntry(o.ID, data.ActionOfferExpired)), nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.settle(ctx, l); err != nil {
		t.Errorf("the overtaken acceptance: %v, want nil (it landed)", err)
	}
	wantOffer(t, other, o.ID, data.OfferFilled, 3, b.ID)
	wantNoLocks(t, s)
}

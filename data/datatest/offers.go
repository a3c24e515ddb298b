package datatest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// runOffers runs the conformance tests of offers: their round trip, their
// changes through update functions, the acceptance that lands an offer
// and its booking together, their listings and the expirer's query, and
// their races.
func runOffers(t *testing.T, newDB NewDatabase) {
	t.Run("Offers", func(t *testing.T) { testOffers(t, newDB(t)()) })
	t.Run("OfferUpdates", func(t *testing.T) { testOfferUpdates(t, newDB(t)()) })
	t.Run("FillOffer", func(t *testing.T) { testFillOffer(t, newDB(t)()) })
	t.Run("FillOfferRefusals", func(t *testing.T) { testFillOfferRefusals(t, newDB(t)()) })
	t.Run("FillOfferOverlap", func(t *testing.T) { testFillOfferOverlap(t, newDB(t)()) })
	t.Run("OfferListings", func(t *testing.T) { testOfferListings(t, newDB(t)()) })
	t.Run("DueOffers", func(t *testing.T) { testDueOffers(t, newDB(t)()) })
	t.Run("OfferByToken", func(t *testing.T) { testOfferByToken(t, newDB(t)()) })
	runOfferRaces(t, newDB)
}

// respondWithin is how long the fixtures' invitations stay open.
const respondWithin = 2 * time.Hour

var offerSeq int

// newOffer is an offer of case c's interview on day, 10:00-11:00 by
// video, asking interpreters in mode, opened at opened with every
// interpreter judged eligible: a cascade asks the first, a broadcast all.
// It asks for an additional interpreter, so that several offers of one
// case may ask for one slot (the case's own rule is testCaseSlots').
func newOffer(c data.Case, mode data.OfferMode, opened time.Time, interpreters ...string) data.Offer {
	offerSeq++
	now := base.Add(time.Duration(offerSeq) * time.Millisecond)
	o := data.Offer{
		ID: data.NewID(now), Organisation: c.Organisation, CaseID: c.ID, CaseReference: c.Reference, CreatedBy: "sw-1",
		Start: at("10:00"), End: at("11:00"), InterviewType: data.InterviewSocialWork, Modality: data.ModalityVideo,
		Mode: mode, Additional: true, RespondWithin: respondWithin, Status: data.OfferOpen,
		Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	for _, id := range interpreters {
		o.Invitations = append(o.Invitations, data.Invitation{InterpreterID: id, Status: data.InvitationQueued})
	}
	return o.Open(opened, eligible(interpreters...))
}

// eligible judges every interpreter named eligible.
func eligible(interpreters ...string) data.Judged {
	judged := data.Judged{}
	for _, id := range interpreters {
		judged[id] = nil
	}
	return judged
}

// storedOffer returns o as a store gives it back: times in UTC, to the millisecond.
func storedOffer(o data.Offer) data.Offer {
	o.Start, o.End = data.Timestamp(o.Start), data.Timestamp(o.End)
	o.CreatedAt, o.UpdatedAt = data.Timestamp(o.CreatedAt), data.Timestamp(o.UpdatedAt)
	o.Invitations = slices.Clone(o.Invitations)
	for i, inv := range o.Invitations {
		o.Invitations[i].Asked, o.Invitations[i].RespondBy = data.Timestamp(inv.Asked), data.Timestamp(inv.RespondBy)
		o.Invitations[i].Answered = data.Timestamp(inv.Answered)
	}
	return o
}

func offerAudit(o data.Offer, action data.Action) data.AuditEntry {
	return data.NewAuditEntry(base, actor, o.Organisation, action, data.EntityOffer, o.ID)
}

func offerChange(o data.Offer, action data.Action) data.Change {
	return data.Audited(offerAudit(o, action))
}

func createOffer(t *testing.T, s data.Store, o data.Offer) {
	t.Helper()
	if err := s.CreateOffer(t.Context(), o, offerChange(o, data.ActionOfferCreated)); err != nil {
		t.Fatalf("CreateOffer: %v", err)
	}
}

// decline, expire and cancelOffer are the update functions package app
// passes: the offer's state machine, refusing as it does.
func decline(interpreter string, reason data.DeclineReason, now time.Time, judged data.Judged) data.Update[data.Offer] {
	return func(o data.Offer) (data.Offer, data.Change, error) {
		next, err := o.Decline(interpreter, reason, now, judged)
		if err != nil {
			return o, data.Change{}, err
		}
		return next, offerChange(o, data.ActionOfferDeclined), nil
	}
}

func expire(now time.Time, judged data.Judged) data.Update[data.Offer] {
	return func(o data.Offer) (data.Offer, data.Change, error) {
		next, err := o.Expire(now, judged)
		if err != nil {
			return o, data.Change{}, err
		}
		return next, offerChange(o, data.ActionOfferExpired), nil
	}
}

func cancelOffer(reason string, now time.Time) data.Update[data.Offer] {
	return func(o data.Offer) (data.Offer, data.Change, error) {
		next, err := o.Cancel(reason, data.OutcomeCancelledByRequesterLate, now)
		if err != nil {
			return o, data.Change{}, err
		}
		return next, offerChange(o, data.ActionOfferCancelled), nil
	}
}

// offerClosed reports whether err is the state machine's refusal of an
// answer to an offer no longer open to it.
func offerClosed(err error) bool {
	se, ok := errors.AsType[*data.StateError](err)
	return ok && se.Code == data.ErrOfferClosed
}

// wantOffer fails the test unless the store holds want and the offer's
// audit is actions.
func wantOffer(t *testing.T, s data.Store, want data.Offer, actions ...data.Action) {
	t.Helper()
	got, err := s.Offer(t.Context(), want.ID)
	if err != nil {
		t.Errorf("Offer(%s): %v", want.ID, err)
	} else if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("stored offer (-want +got):\n%s", diff)
	}
	if got := auditActions(t, s, want.ID); !slices.Equal(got, actions) {
		t.Errorf("offer audit = %v, want %v", got, actions)
	}
}

// testOffers: every field round-trips (times normalised), an invitation
// in each state included; a taken ID is refused writing nothing; an
// unknown ID is not found.
func testOffers(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	o := newOffer(c, data.OfferCascade, base, "int-1", "int-2", "int-3", "int-4")
	o.Start = o.Start.In(time.FixedZone("BST", 3600)).Add(123456789) // zone and nanoseconds are normalised
	o.Modality, o.Region, o.Location = data.ModalityInPerson, "GB-LND", "Room 4, 1 Example Street"
	// int-1 declines for a conflict; int-2 no longer passes a rule and is
	// skipped with its reasons; int-3 is asked; int-4 waits.
	skipped := []data.Reason{{Code: "off_duty", Message: "outside the interpreter's declared hours"}, {Code: "suspended", Message: "vetting suspended"}}
	o, err := o.Decline("int-1", data.DeclineConflict, base.Add(time.Minute), data.Judged{"int-2": skipped, "int-3": nil})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Validate(); err != nil {
		t.Fatalf("fixture invalid: %v", err)
	}
	statuses := []data.InvitationStatus{data.InvitationDeclined, data.InvitationSkipped, data.InvitationPending, data.InvitationQueued}
	for i, inv := range o.Invitations {
		if inv.Status != statuses[i] {
			t.Fatalf("fixture: invitation %d is %s, want %s", i, inv.Status, statuses[i])
		}
	}
	createOffer(t, s, o)
	got, err := s.Offer(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(storedOffer(o), got, cmpOpts); diff != "" {
		t.Errorf("Offer round trip (-want +got):\n%s", diff)
	}
	if got.Start.Location() != time.UTC || got.Invitations[2].RespondBy.Location() != time.UTC {
		t.Errorf("times in %v and %v, want UTC", got.Start.Location(), got.Invitations[2].RespondBy.Location())
	}

	// A bare broadcast (no reference, booker, region or location) round-trips.
	bare := newOffer(c, data.OfferBroadcast, base, "int-9")
	bare.CaseReference, bare.CreatedBy = "", ""
	createOffer(t, s, bare)
	if got, err := s.Offer(ctx, bare.ID); err != nil || !cmp.Equal(storedOffer(bare), got, cmpOpts) {
		t.Errorf("bare offer round trip: %v (-want +got):\n%s", err, cmp.Diff(storedOffer(bare), got, cmpOpts))
	}

	// A phone offer keeps the number the interpreter is called on.
	phone := newOffer(c, data.OfferBroadcast, base, "int-8")
	phone.Modality, phone.JoinDetails = data.ModalityPhone, "Call 020 7946 0000, then ask for room 3"
	createOffer(t, s, phone)
	if got, err := s.Offer(ctx, phone.ID); err != nil || got.JoinDetails != phone.JoinDetails || !cmp.Equal(storedOffer(phone), got, cmpOpts) {
		t.Errorf("phone offer round trip: %v, joinDetails %q (-want +got):\n%s", err, got.JoinDetails, cmp.Diff(storedOffer(phone), got, cmpOpts))
	}

	again := o
	again.CaseID = "another-case"
	entry := offerAudit(o, data.ActionOfferCreated)
	if err := s.CreateOffer(ctx, again, data.Audited(entry)); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("CreateOffer with a taken ID: %v, want ErrDuplicate", err)
	}
	wantOffer(t, s, storedOffer(o), data.ActionOfferCreated)
	if _, err := s.Offer(ctx, "no-such-offer"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("Offer(unknown): %v, want ErrNotFound", err)
	}
}

// testOfferUpdates walks a cascade through the state machine with
// UpdateOffer: a decline asks the next interpreter, an answer from one
// not asked is the machine's refusal (nothing written), an expiry moves
// the cascade on, an expiry with nothing due writes nothing, and a
// cancellation withdraws what is open; each write lands at the next
// version with its audit entry.
func testOfferUpdates(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	o := newOffer(c, data.OfferCascade, base, "int-a", "int-b", "int-c")
	createOffer(t, s, o)
	actions := []data.Action{data.ActionOfferCreated}

	declined := base.Add(10 * time.Minute)
	got, err := s.UpdateOffer(ctx, o.ID, decline("int-a", data.DeclineConflict, declined, eligible("int-b")))
	if err != nil {
		t.Fatalf("decline: %v", err)
	}
	want, _ := o.Decline("int-a", data.DeclineConflict, declined, eligible("int-b"))
	want = storedOffer(want)
	want.Version = 2
	actions = append(actions, data.ActionOfferDeclined)
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("UpdateOffer(decline) returned (-want +got):\n%s", diff)
	}
	wantOffer(t, s, want, actions...)

	// int-c is still queued: its answer is refused by the machine, as it is.
	if _, err := s.UpdateOffer(ctx, o.ID, decline("int-c", "", declined, nil)); !offerClosed(err) {
		t.Errorf("a decline by a queued interpreter: %v, want the machine's %s", err, data.ErrOfferClosed)
	}
	wantOffer(t, s, want, actions...)

	// int-b lets it run out; the cascade asks int-c.
	ranOut := want.Invitations[1].RespondBy.Add(time.Minute)
	got, err = s.UpdateOffer(ctx, o.ID, expire(ranOut, eligible("int-c")))
	if err != nil {
		t.Fatalf("expire: %v", err)
	}
	next, _ := want.Expire(ranOut, eligible("int-c"))
	want = storedOffer(next)
	want.Version = 3
	actions = append(actions, data.ActionOfferExpired)
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("UpdateOffer(expire) returned (-want +got):\n%s", diff)
	}
	if got.Invitations[1].Status != data.InvitationExpired || got.Invitations[2].Status != data.InvitationPending {
		t.Errorf("after the expiry the invitations are %+v", got.Invitations)
	}
	// Nothing more is due: the machine's ErrNoChange writes nothing.
	if got, err := s.UpdateOffer(ctx, o.ID, expire(ranOut, nil)); err != nil || !cmp.Equal(want, got, cmpOpts) {
		t.Errorf("an expiry with nothing due: %v (-want +got):\n%s", err, cmp.Diff(want, got, cmpOpts))
	}
	wantOffer(t, s, want, actions...)

	cancelled := ranOut.Add(time.Minute)
	got, err = s.UpdateOffer(ctx, o.ID, cancelOffer("  the interview moved  ", cancelled))
	if err != nil {
		t.Fatalf("cancel: %v", err)
	}
	if got.Status != data.OfferCancelled || got.CancelReason != "the interview moved" || got.Version != 4 ||
		got.Invitations[2].Status != data.InvitationWithdrawn || !got.UpdatedAt.Equal(data.Timestamp(cancelled)) {
		t.Errorf("after the cancellation: %+v", got)
	}
	actions = append(actions, data.ActionOfferCancelled)
	wantOffer(t, s, got, actions...)
	if _, err := s.UpdateOffer(ctx, o.ID, cancelOffer("again", cancelled)); !errors.Is(err, data.ErrTransition) {
		t.Errorf("cancelling a cancelled offer: %v, want the machine's refusal", err)
	}
	wantOffer(t, s, got, actions...)
}

// offerIDs lists the offers' IDs in order.
func offerIDs(os []data.Offer) []string {
	var out []string
	for _, o := range os {
		out = append(out, o.ID)
	}
	return out
}

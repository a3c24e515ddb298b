package datatest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// testMessagesLand: the messages of a change land with it, queued at
// version 1 exactly as given (times normalised, bodies and calendar
// whole), whichever write carries them: a create, an update, an offer's
// creation, an acceptance (FillOffer) and a change of its own
// (AppendChange).
func testMessagesLand(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	b := newBooking(c, "int-1", "10:00", "11:00")
	request := newMessage("north", data.MessageBookingRequest, base)
	request.BookingID = b.ID
	if err := s.CreateBooking(ctx, b, with(bookingChange(b, data.ActionBookingCreated), request)); err != nil {
		t.Fatalf("CreateBooking: %v", err)
	}
	wantMessage(t, s, landed(request), "a create's message")

	update := newMessage("north", data.MessageBookingUpdate, base)
	update.BookingID = b.ID
	reminder := newMessage("north", data.MessageBookingReminder, at("10:00").Add(-24*time.Hour))
	reminder.BookingID, reminder.Calendar, reminder.CalendarMethod = b.ID, nil, ""
	if _, err := s.UpdateBooking(ctx, b.ID, func(cur data.Booking) (data.Booking, data.Change, error) {
		next, ch, err := reschedule("10:30", "11:30")(cur)
		return next, with(ch, update, reminder), err
	}); err != nil {
		t.Fatalf("UpdateBooking: %v", err)
	}
	wantMessage(t, s, landed(update), "an update's first message")
	wantMessage(t, s, landed(reminder), "an update's second message")

	o := newOffer(c, data.OfferBroadcast, base, "int-2", "int-3")
	invite := newMessage("north", data.MessageOfferInvitation, base)
	invite.OfferID, invite.InterpreterID = o.ID, "int-2"
	if err := s.CreateOffer(ctx, o, with(offerChange(o, data.ActionOfferCreated), invite)); err != nil {
		t.Fatalf("CreateOffer: %v", err)
	}
	wantMessage(t, s, landed(invite), "an offer's invitation")

	bookingID := data.NewID(base)
	accepted := newMessage("north", data.MessageOfferAccepted, base)
	accepted.OfferID, accepted.BookingID, accepted.RecipientRole, accepted.Calendar, accepted.CalendarMethod = o.ID, bookingID, data.RoleSocialWorker, nil, ""
	confirmed := newMessage("north", data.MessageBookingRequest, base)
	confirmed.OfferID, confirmed.BookingID, confirmed.InterpreterID = o.ID, bookingID, "int-3"
	if _, _, err := s.FillOffer(ctx, o.ID, func(cur data.Offer) (data.Offer, data.Booking, data.Change, error) {
		next, nb, ch, err := accept("int-3", bookingID, base.Add(time.Minute))(cur)
		return next, nb, with(ch, accepted, confirmed), err
	}); err != nil {
		t.Fatalf("FillOffer: %v", err)
	}
	wantMessage(t, s, landed(accepted), "an acceptance's message to the social worker")
	wantMessage(t, s, landed(confirmed), "an acceptance's invitation")

	link := newMessage("south", data.MessageSignInLink, base.Add(time.Hour))
	link.Calendar, link.CalendarMethod, link.Version = nil, "", 7 // a message lands at version 1
	appendMessages(t, s, link)
	wantMessage(t, s, landed(link), "a change of its own")

	page, err := s.ListMessages(ctx, data.MessageQuery{Organisation: "north"})
	want := []string{confirmed.ID, accepted.ID, invite.ID, reminder.ID, update.ID, request.ID}
	if err != nil || !slices.Equal(messageIDs(page.Items), want) {
		t.Errorf("north's messages: %v, %v; want %v", messageIDs(page.Items), err, want)
	}
}

// testRefusedChangesLandNoMessage: whatever refuses a write refuses its
// messages: the update function's error, data.ErrNoChange, an overlap (of
// a create and of an acceptance), an audit entry whose ID is taken, and a
// message that is not valid or not queued (which refuses the record too).
func testRefusedChangesLandNoMessage(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	b := newBooking(c, "int-1", "10:00", "11:00")
	if err := book(t, s, b); err != nil {
		t.Fatal(err)
	}
	o := newOffer(c, data.OfferBroadcast, base, "int-1")
	createOffer(t, s, o)
	msg := func() data.Message { return newMessage("north", data.MessageBookingUpdate, base) }
	var refused []string
	refuse := func(what string, m data.Message, write func(data.Message) error, want func(error) bool) {
		t.Helper()
		if err := write(m); !want(err) {
			t.Errorf("%s: %v", what, err)
		}
		refused = append(refused, m.ID)
		wantNoMessage(t, s, m.ID, what)
	}
	is := func(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }
	errRule := errors.New("the rule refuses")

	refuse("an update function's error", msg(), func(m data.Message) error {
		_, err := s.UpdateBooking(ctx, b.ID, func(cur data.Booking) (data.Booking, data.Change, error) {
			next, ch, _ := reschedule("10:30", "11:30")(cur)
			return next, with(ch, m), errRule
		})
		return err
	}, is(errRule))
	refuse("an update function's ErrNoChange", msg(), func(m data.Message) error {
		_, err := s.UpdateBooking(ctx, b.ID, func(cur data.Booking) (data.Booking, data.Change, error) {
			return cur, with(bookingChange(cur, data.ActionBookingRelocated), m), data.ErrNoChange
		})
		return err
	}, func(err error) bool { return err == nil })
	refuse("an overlapping booking", msg(), func(m data.Message) error {
		other := newBooking(newCase(2, "north"), "int-1", "10:30", "11:30")
		return s.CreateBooking(ctx, other, with(bookingChange(other, data.ActionBookingCreated), m))
	}, is(data.ErrOverlap))
	refuse("an acceptance that overlaps", msg(), func(m data.Message) error {
		_, _, err := s.FillOffer(ctx, o.ID, func(cur data.Offer) (data.Offer, data.Booking, data.Change, error) {
			next, nb, ch, err := accept("int-1", data.NewID(base), base.Add(time.Minute))(cur)
			return next, nb, with(ch, m), err
		})
		return err
	}, is(data.ErrOverlap))
	taken := auditOf(t, s, b.ID)
	refuse("an audit entry whose ID is taken", msg(), func(m data.Message) error {
		_, err := s.UpdateBooking(ctx, b.ID, func(cur data.Booking) (data.Booking, data.Change, error) {
			next, _, err := reschedule("10:30", "11:30")(cur)
			return next, with(data.Audited(bookingAudit(cur, data.ActionBookingRescheduled), taken), m), err
		})
		return err
	}, is(data.ErrDuplicate))
	invalid := msg()
	invalid.To = ""
	refuse("a message without a recipient", invalid, func(m data.Message) error {
		_, err := s.UpdateBooking(ctx, b.ID, func(cur data.Booking) (data.Booking, data.Change, error) {
			next, ch, err := reschedule("10:30", "11:30")(cur)
			return next, with(ch, msg(), m), err
		})
		return err
	}, is(data.ErrInvalid))
	sent := msg()
	sent.Status = data.MessageSent
	refuse("a message that is not queued", sent, func(m data.Message) error {
		return s.AppendChange(ctx, messageChange(msg(), m))
	}, is(data.ErrInvalid))

	if got, err := s.Booking(ctx, b.ID); err != nil || got.Version != 1 {
		t.Errorf("the booking after refused changes: version %d, %v; want 1", got.Version, err)
	}
	wantOffer(t, s, storedOffer(o), data.ActionOfferCreated)
	// Nothing refused is in the outbox, listed or due.
	page, err := s.ListMessages(ctx, data.MessageQuery{Organisation: "north", Limit: data.MaxPageSize})
	if err != nil || len(page.Items) != 0 {
		t.Errorf("messages listed after refused changes: %v, %v", messageIDs(page.Items), err)
	}
	due, err := s.ClaimDue(ctx, base.Add(1000*time.Hour), time.Minute, "deliverer", data.MaxPageSize)
	if err != nil || len(due) != 0 {
		t.Errorf("messages due after refused changes: %v, %v (refused: %v)", messageIDs(due), err, refused)
	}
}

// auditOf returns the newest audit entry of an entity.
func auditOf(t *testing.T, s data.Store, entityID string) data.AuditEntry {
	t.Helper()
	page, err := s.ListAudit(t.Context(), data.AuditQuery{EntityID: entityID, Limit: 1})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("the audit of %s: %v, %v", entityID, page.Items, err)
	}
	return page.Items[0]
}

// testMessagesOfLostRaces: writers race through two store instances, each
// update function putting in its change a message of its own (a fresh ID
// per call) naming the version it read. Every update lands, each with its
// message; a call whose write lost its race (and ran again) lands none.
func testMessagesOfLostRaces(t *testing.T, open func() data.Store) {
	ctx := t.Context()
	stores := twoStores(open)
	c := newCase(1, "north")
	if err := stores[0].CreateCase(ctx, c, caseChange(c, data.ActionCaseCreated)); err != nil {
		t.Fatal(err)
	}
	errs := race(stores, func(s data.Store, i int) error {
		_, err := s.UpdateCase(ctx, c.ID, func(cur data.Case) (data.Case, data.Change, error) {
			cur.LinkedReferences = append(slices.Clip(cur.LinkedReferences), fmt.Sprintf("W-%02d", i))
			m := newRaceMessage(cur.Version)
			return cur, with(caseChange(cur, data.ActionCaseUpdated), m), nil
		})
		return err
	})
	wantNoErrors(t, errs)
	page, err := stores[1].ListMessages(ctx, data.MessageQuery{Organisation: "north", Limit: data.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	var read []int
	for _, m := range page.Items {
		read = append(read, m.Sequence)
	}
	if len(read) != 2*racers {
		t.Errorf("%d messages landed for %d updates", len(read), 2*racers)
	}
	wantDistinct(t, "messages naming the version read", read, 0)
}

// newRaceMessage is a message with an ID of its own (data.NewID never
// repeats in a process) that names, as its sequence, the version its
// update function read. Unlike newMessage, it is safe to call from racing
// writers.
func newRaceMessage(version int64) data.Message {
	return data.Message{
		ID: data.NewID(base), Kind: data.MessageBookingUpdate, Organisation: "north", RecipientRole: data.RoleInterpreter,
		To: "interpreter@example.org", Subject: "A new time", Text: "A new time", Due: base, Sequence: int(version),
		Status: data.MessageQueued, CreatedAt: base,
	}
}

// testMessageAlreadyInTheOutbox: a message whose ID is already in the
// outbox is the same message: a change carrying it again lands (its record
// and audit entry) and leaves the message as it is, queued or sent; a
// change carrying one ID twice lands it once, the first.
func testMessageAlreadyInTheOutbox(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	b := newBooking(c, "int-1", "10:00", "11:00")
	reminder := newMessage("north", data.MessageBookingReminder, base)
	reminder.ID = data.DerivedID("reminder", b.ID, "1")
	if err := s.CreateBooking(ctx, b, with(bookingChange(b, data.ActionBookingCreated), reminder)); err != nil {
		t.Fatal(err)
	}
	again := reminder
	again.Subject, again.Due = "Written again", base.Add(time.Hour)
	got, err := s.UpdateBooking(ctx, b.ID, func(cur data.Booking) (data.Booking, data.Change, error) {
		next, ch, err := reschedule("10:30", "11:30")(cur)
		return next, with(ch, again), err
	})
	if err != nil || got.Version != 2 {
		t.Fatalf("an update carrying a message already there: version %d, %v; want it landed", got.Version, err)
	}
	if actions := auditActions(t, s, b.ID); len(actions) != 2 {
		t.Errorf("booking audit = %v, want the creation and the update", actions)
	}
	wantMessage(t, s, landed(reminder), "a message written again")

	// Sent, it stays sent: a repeat of its change does not queue it again.
	claimed, err := s.ClaimDue(ctx, base, time.Minute, "deliverer", 10)
	if err != nil || !slices.Equal(messageIDs(claimed), []string{reminder.ID}) {
		t.Fatalf("ClaimDue: %v, %v", messageIDs(claimed), err)
	}
	settle(t, s, "deliverer", asSent(base, reminder)...)
	sent, _ := s.Message(ctx, reminder.ID)
	appendMessages(t, s, again)
	wantMessage(t, s, sent, "a sent message written again")

	// One ID twice in one change lands once, as first given.
	first, second := newMessage("north", data.MessageOfferExpired, base), newMessage("north", data.MessageOfferExpired, base)
	second.ID, second.Subject = first.ID, "The second"
	appendMessages(t, s, first, second)
	wantMessage(t, s, landed(first), "one ID twice in a change")
	if due, err := s.ClaimDue(ctx, base.Add(time.Hour), time.Minute, "deliverer", 10); err != nil || !slices.Equal(messageIDs(due), []string{first.ID}) {
		t.Errorf("due after the repeats: %v, %v; want %s once", messageIDs(due), err, first.ID)
	}
}

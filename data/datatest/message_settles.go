package datatest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tolk/tolk/data"
)

// settlements is one settlement of each message, as status at at.
func settlements(status data.MessageStatus, at time.Time, ms ...data.Message) []data.Settlement {
	out := make([]data.Settlement, len(ms))
	for i, m := range ms {
		out[i] = data.Settlement{ID: m.ID, Status: status, At: at}
	}
	return out
}

// asSent is each message settled as sent at at.
func asSent(at time.Time, ms ...data.Message) []data.Settlement {
	return settlements(data.MessageSent, at, ms...)
}

// settle is SettleSent that must settle every message it names.
func settle(t *testing.T, s data.Store, holder string, settled ...data.Settlement) {
	t.Helper()
	if conflicts, err := s.SettleSent(t.Context(), holder, settled); err != nil || len(conflicts) != 0 {
		t.Fatalf("SettleSent by %s of %d: conflicts %v, %v", holder, len(settled), conflicts, err)
	}
}

// wantConflicts fails the test unless SettleSent reports exactly want
// (in settled's order) as conflicts.
func wantConflicts(t *testing.T, s data.Store, holder string, settled []data.Settlement, want []string, what string) {
	t.Helper()
	got, err := s.SettleSent(t.Context(), holder, settled)
	if err != nil {
		t.Errorf("%s: %v", what, err)
	} else if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s: conflicts (-want +got):\n%s", what, diff)
	}
}

// settledAs is m, held at version, as a settlement leaves it: what
// MarkSent left before SettleSent replaced it.
func settledAs(m data.Message, st data.Settlement, version int64) data.Message {
	m.Subject, m.Text, m.HTML, m.Calendar = "", "", "", nil
	m.LeaseHolder, m.LeaseUntil = "", time.Time{}
	m.Status, m.SentAt, m.Version = st.Status, data.Timestamp(st.At), version
	if st.Status == data.MessageSent {
		m.Attempts++
	}
	return m
}

// testSettleSent: one SettleSent settles every message of its batch as
// MarkSent settled one: sent keeps the metadata, loses the subject,
// bodies and calendar, counts the attempt (on top of a failed one's),
// records its own time and ends the lease; superseded is the same without
// an attempt. Settled messages list by their status and are never claimed
// again.
func testSettleSent(t *testing.T, s data.Store) {
	ctx := t.Context()
	now := data.Timestamp(base)
	m := newMessage("north", data.MessageBookingRequest, now)
	m.BookingID, m.OfferID = "booking-1", "offer-1"
	r := newMessage("north", data.MessageBookingReminder, now)
	r.BookingID = "booking-1"
	retried := newMessage("north", data.MessageOfferInvitation, now)
	other := newMessage("south", data.MessageBookingCancel, now)
	appendMessages(t, s, m, r, retried, other)
	claim(t, s, now, time.Minute, "deliverer-1", 10)
	if err := s.MarkFailed(ctx, retried.ID, "deliverer-1", "421 busy", now, false); err != nil {
		t.Fatal(err)
	}
	claim(t, s, now, time.Minute, "deliverer-1", 10)
	failed := landed(retried)
	failed.Attempts, failed.LastError, failed.NextAttempt, failed.Status = 1, "421 busy", now, data.MessageFailed

	at := base.Add(30 * time.Second) // in another zone, with nanoseconds
	batch := []data.Settlement{
		{ID: m.ID, Status: data.MessageSent, At: at},
		{ID: r.ID, Status: data.MessageSuperseded, At: at.Add(time.Second)},
		{ID: retried.ID, Status: data.MessageSent, At: at.Add(2 * time.Second)},
		{ID: other.ID, Status: data.MessageSent, At: at.Add(3 * time.Second)},
	}
	settle(t, s, "deliverer-1", batch...)
	wantMessage(t, s, settledAs(landed(m), batch[0], 3), "sent")
	wantMessage(t, s, settledAs(landed(r), batch[1], 3), "superseded")
	wantMessage(t, s, settledAs(failed, batch[2], 5), "sent after a failed attempt")
	wantMessage(t, s, settledAs(landed(other), batch[3], 3), "sent, of another organisation")
	for _, q := range []struct {
		org    string
		status data.MessageStatus
		want   []string
	}{
		{"north", data.MessageSent, []string{retried.ID, m.ID}},
		{"north", data.MessageSuperseded, []string{r.ID}},
		{"south", data.MessageSent, []string{other.ID}},
		{"north", data.MessageFailed, nil},
	} {
		page, err := s.ListMessages(ctx, data.MessageQuery{Organisation: q.org, Status: q.status})
		if err != nil || !slices.Equal(messageIDs(page.Items), q.want) {
			t.Errorf("%s's %s messages: %v, %v; want %v", q.org, q.status, messageIDs(page.Items), err, q.want)
		}
	}
	if got := claim(t, s, now.Add(1000*time.Hour), time.Minute, "deliverer-2", 10); len(got) != 0 {
		t.Errorf("settled messages claimed again: %v", messageIDs(got))
	}
}

// testSettleSentConflicts: a batch settles the messages its holder holds
// and names, in its order, those it does not: one whose lease ran out and
// that another deliverer claimed (left as that one holds it, to settle
// it itself), one unknown, and, in a later batch, one settled already
// (left as settled).
func testSettleSentConflicts(t *testing.T, s data.Store) {
	now := data.Timestamp(base)
	taken := newMessage("north", data.MessageBookingRequest, now)
	a := newMessage("north", data.MessageBookingUpdate, now.Add(time.Millisecond))
	c := newMessage("south", data.MessageBookingCancel, now.Add(time.Millisecond))
	appendMessages(t, s, taken, a, c)
	claim(t, s, now, time.Minute, "deliverer-1", 1)
	claim(t, s, now.Add(time.Millisecond), time.Hour, "deliverer-1", 10)
	if got := claim(t, s, now.Add(time.Minute), time.Minute, "deliverer-2", 10); !slices.Equal(messageIDs(got), []string{taken.ID}) {
		t.Fatalf("the claim once the first lease ran out: %v, want %s", messageIDs(got), taken.ID)
	}
	held := leased(leased(landed(taken), "deliverer-1", now, time.Minute), "deliverer-2", now.Add(time.Minute), time.Minute)

	at := now.Add(90 * time.Second)
	batch := asSent(at, a, taken, c)
	batch = append(batch, data.Settlement{ID: "no-such-message", Status: data.MessageSent, At: at})
	wantConflicts(t, s, "deliverer-1", batch, []string{taken.ID, "no-such-message"}, "a batch with a message another holds")
	wantMessage(t, s, held, "the message the other deliverer holds")
	wantMessage(t, s, settledAs(landed(a), batch[0], 3), "a held message of the batch")
	wantMessage(t, s, settledAs(landed(c), batch[2], 3), "another held message of the batch")
	wantNoMessage(t, s, "no-such-message", "after the batch")

	wantConflicts(t, s, "deliverer-1", asSent(at.Add(time.Minute), a), []string{a.ID}, "a batch settled already")
	wantMessage(t, s, settledAs(landed(a), batch[0], 3), "a message settled twice")
	settle(t, s, "deliverer-2", asSent(at, taken)...)
	wantMessage(t, s, settledAs(held, batch[1], 4), "settled by its holder")
}

// testSettleSentInvalid: SettleSent without a holder, with no settlement
// or too many, or with a settlement without an ID, with an ID twice, with
// no time or with a status other than sent or superseded, is a
// *data.ValidationError naming the field, and writes nothing.
func testSettleSentInvalid(t *testing.T, s data.Store) {
	now := data.Timestamp(base)
	m := newMessage("north", data.MessageBookingRequest, now)
	n := newMessage("north", data.MessageBookingUpdate, now)
	appendMessages(t, s, m, n)
	claim(t, s, now, time.Minute, "deliverer-1", 10)
	ok := asSent(now, n)[0]
	var tooMany []data.Settlement
	for i := range data.MaxSettlements + 1 {
		tooMany = append(tooMany, data.Settlement{ID: fmt.Sprintf("m-%d", i), Status: data.MessageSent, At: now})
	}
	for _, tc := range []struct {
		what, holder, field string
		settled             []data.Settlement
	}{
		{"no holder", "", "holder", asSent(now, m)},
		{"no settlement", "deliverer-1", "settled", nil},
		{"too many", "deliverer-1", "settled", tooMany},
		{"no ID", "deliverer-1", "settled[1].id", []data.Settlement{ok, {Status: data.MessageSent, At: now}}},
		{"an ID twice", "deliverer-1", "settled[2].id", append(asSent(now, m, n), ok)},
		{"no time", "deliverer-1", "settled[1].at", []data.Settlement{ok, {ID: m.ID, Status: data.MessageSent}}},
		{"queued", "deliverer-1", "settled[1].status", append([]data.Settlement{ok}, settlements(data.MessageQueued, now, m)...)},
		{"failed", "deliverer-1", "settled[1].status", append([]data.Settlement{ok}, settlements(data.MessageFailed, now, m)...)},
		{"dead", "deliverer-1", "settled[1].status", append([]data.Settlement{ok}, settlements(data.MessageDead, now, m)...)},
		{"no status", "deliverer-1", "settled[1].status", append([]data.Settlement{ok}, settlements("", now, m)...)},
	} {
		conflicts, err := s.SettleSent(t.Context(), tc.holder, tc.settled)
		verr, isValidation := errors.AsType[*data.ValidationError](err)
		if !errors.Is(err, data.ErrInvalid) || !isValidation || len(verr.Errors) == 0 || verr.Errors[0].Field != tc.field || conflicts != nil {
			t.Errorf("SettleSent with %s: %v, %v; want ErrInvalid naming %s", tc.what, conflicts, err, tc.field)
		}
	}
	wantMessage(t, s, leased(landed(m), "deliverer-1", now, time.Minute), "after the refused batches")
	wantMessage(t, s, leased(landed(n), "deliverer-1", now, time.Minute), "the valid one of the refused batches")
}

// testSettleRace: a deliverer whose leases ran out settles its batch
// twice at once (overlapping, through both store instances) while other
// deliverers claim the same messages and settle what they claim: every
// message is settled once, by exactly one of the calls (the others
// report it as a conflict), sent after one attempt.
func testSettleRace(t *testing.T, open func() data.Store) {
	stores := twoStores(open)
	const n = 24
	now := data.Timestamp(base)
	all := raceMessages(t, stores[0], n, data.MessageBookingRequest, now)
	if got := claim(t, stores[0], now, time.Minute, "slow", n); len(got) != n {
		t.Fatalf("the first claim: %d of %d", len(got), n)
	}
	later := now.Add(time.Minute) // the slow deliverer's leases have run out
	var mu sync.Mutex
	settledBy := map[string][]string{}
	record := func(caller string, settled []data.Settlement, conflicts []string) {
		mu.Lock()
		defer mu.Unlock()
		for _, st := range settled {
			if !slices.Contains(conflicts, st.ID) {
				settledBy[st.ID] = append(settledBy[st.ID], caller)
			}
		}
	}
	backward := slices.Clone(all[n/3:])
	slices.Reverse(backward)
	halves := [][]data.Message{all[:2*n/3], backward} // overlapping, in opposite orders
	errs := raceN(stores, 4, func(s data.Store, i int) error {
		if i < 2 { // the slow deliverer, once through each instance
			settled := asSent(later, halves[i]...)
			conflicts, err := s.SettleSent(t.Context(), "slow", settled)
			record(fmt.Sprintf("slow-%d", i), settled, conflicts)
			return err
		}
		holder := fmt.Sprintf("fast-%d", i)
		for {
			got, err := s.ClaimDue(t.Context(), later, time.Hour, holder, 3)
			if err != nil || len(got) == 0 {
				return err
			}
			settled := asSent(later, got...)
			conflicts, err := s.SettleSent(t.Context(), holder, settled)
			if err != nil || len(conflicts) != 0 {
				return fmt.Errorf("%s settling what it claimed: conflicts %v, %v", holder, conflicts, err)
			}
			record(holder, settled, nil)
		}
	})
	wantNoErrors(t, errs)
	for _, m := range all {
		if len(settledBy[m.ID]) != 1 {
			t.Errorf("message %s settled by %v, want exactly one", m.ID, settledBy[m.ID])
		}
		got, err := stores[1].Message(t.Context(), m.ID)
		if err != nil || got.Status != data.MessageSent || got.Attempts != 1 || got.LeaseHolder != "" {
			t.Errorf("message %s: %s after %d attempts, held by %q, %v; want sent after 1", m.ID, got.Status, got.Attempts, got.LeaseHolder, err)
		}
	}
}

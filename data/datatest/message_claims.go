package datatest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tolk/tolk/data"
)

// leased is m as a claim by holder at now for lease leaves it: its lease
// set, its version raised.
func leased(m data.Message, holder string, now time.Time, lease time.Duration) data.Message {
	m.LeaseHolder, m.LeaseUntil, m.Version = holder, data.Timestamp(now.Add(lease)), m.Version+1
	return m
}

// claim is ClaimDue that must succeed, returning the IDs claimed.
func claim(t *testing.T, s data.Store, now time.Time, lease time.Duration, holder string, limit int) []data.Message {
	t.Helper()
	got, err := s.ClaimDue(t.Context(), now, lease, holder, limit)
	if err != nil {
		t.Fatalf("ClaimDue(%v, %s): %v", now, holder, err)
	}
	return got
}

// testClaimDue: a claim leases what is due at now (its due time and any
// next attempt passed, to the millisecond), earliest first, up to its
// limit, and returns it as leased; a message whose lease is in force is
// not claimed again, and nothing due is an empty answer. A claim without
// a holder or a lease is refused.
func testClaimDue(t *testing.T, s data.Store) {
	ctx := t.Context()
	now := data.Timestamp(base.Add(time.Hour))
	early := newMessage("north", data.MessageBookingRequest, now.Add(-time.Hour))
	soon := newMessage("north", data.MessageOfferInvitation, now.Add(-time.Minute))
	atNow := newMessage("south", data.MessageBookingReminder, now)
	notYet := newMessage("north", data.MessageBookingUpdate, now.Add(time.Millisecond))
	deferred := newMessage("south", data.MessageSignInLink, now.Add(-2*time.Hour))
	deferred.NextAttempt = now.Add(2 * time.Hour)
	future := newMessage("north", data.MessageCredentialLapse, now.Add(24*time.Hour))
	appendMessages(t, s, atNow, notYet, deferred)
	appendMessages(t, s, future, soon, early)

	got := claim(t, s, now, time.Minute, "deliverer-1", 2)
	want := []data.Message{leased(landed(early), "deliverer-1", now, time.Minute), leased(landed(soon), "deliverer-1", now, time.Minute)}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("the first claim, limit 2 (-want +got):\n%s", diff)
	}
	for _, m := range want {
		wantMessage(t, s, m, "a claimed message")
	}
	if got := claim(t, s, now, time.Minute, "deliverer-2", 10); !slices.Equal(messageIDs(got), []string{atNow.ID}) {
		t.Errorf("the second claim: %v, want only %s (due at now; the others leased or not due)", messageIDs(got), atNow.ID)
	}
	if got := claim(t, s, now, time.Minute, "deliverer-3", 10); len(got) != 0 {
		t.Errorf("a claim with nothing due: %v", messageIDs(got))
	}
	if got := claim(t, s, now.Add(time.Millisecond), time.Minute, "deliverer-3", 10); !slices.Equal(messageIDs(got), []string{notYet.ID}) {
		t.Errorf("a claim a millisecond later: %v, want %s", messageIDs(got), notYet.ID)
	}
	for what, err := range map[string]error{
		"no holder":        second(s.ClaimDue(ctx, now, time.Minute, "", 10)),
		"no lease":         second(s.ClaimDue(ctx, now, 0, "deliverer-4", 10)),
		"a negative lease": second(s.ClaimDue(ctx, now, -time.Minute, "deliverer-4", 10)),
	} {
		if !errors.Is(err, data.ErrInvalid) {
			t.Errorf("a claim with %s: %v, want ErrInvalid", what, err)
		}
	}
	// When their leases have run out and the next attempt has come, all
	// but the future one are due again.
	got = claim(t, s, now.Add(2*time.Hour), time.Minute, "deliverer-4", 10)
	wantIDs := []string{early.ID, soon.ID, atNow.ID, notYet.ID, deferred.ID}
	if diff := cmp.Diff(wantIDs, messageIDs(got), cmpopts.SortSlices(cmpString)); diff != "" {
		t.Errorf("the claim after the leases ran out (-want +got):\n%s", diff)
	}
	if len(got) == len(wantIDs) && got[len(got)-1].ID != deferred.ID {
		t.Errorf("the claim after the leases ran out: %v, want %s, ready last, last", messageIDs(got), deferred.ID)
	}
	wantMessage(t, s, landed(future), "a message not due")
}

// raceMessages lands n messages of kind, due a second apart up to now,
// in north and south in turn: what deliverers race over.
func raceMessages(t *testing.T, s data.Store, n int, kind data.MessageKind, now time.Time) []data.Message {
	t.Helper()
	var all []data.Message
	for i := range n {
		all = append(all, newMessage([]string{"north", "south"}[i%2], kind, now.Add(-time.Duration(i)*time.Second)))
	}
	appendMessages(t, s, all...)
	return all
}

// claimers is how many deliverers claim through each store instance.
const claimers = 4

// testClaimRace: deliverers claim at once through two store instances, a
// few messages at a time, until every message is claimed: each is claimed
// exactly once, and held by its claimer. When the leases run out, the
// same race claims each exactly once again.
func testClaimRace(t *testing.T, open func() data.Store) {
	stores := twoStores(open)
	const n = 24
	now := data.Timestamp(base)
	all := raceMessages(t, stores[0], n, data.MessageOfferInvitation, now)
	for round, at := range []time.Time{now, now.Add(time.Hour)} {
		var mu sync.Mutex
		holders := map[string][]string{}
		var total atomic.Int64
		errs := raceN(stores, len(stores)*claimers, func(s data.Store, i int) error {
			holder := fmt.Sprintf("round-%d-deliverer-%d", round, i)
			for tries := 0; total.Load() < n && tries < 4*n; tries++ {
				got, err := s.ClaimDue(t.Context(), at, time.Hour, holder, 3)
				if err != nil {
					return err
				}
				mu.Lock()
				for _, m := range got {
					holders[m.ID] = append(holders[m.ID], holder)
					if m.LeaseHolder != holder {
						mu.Unlock()
						return fmt.Errorf("claimed %s for %s, returned held by %q", m.ID, holder, m.LeaseHolder)
					}
				}
				mu.Unlock()
				total.Add(int64(len(got)))
			}
			return nil
		})
		wantNoErrors(t, errs)
		for _, m := range all {
			if len(holders[m.ID]) != 1 {
				t.Errorf("round %d: message %s claimed by %v, want exactly one deliverer", round, m.ID, holders[m.ID])
				continue
			}
			if got, err := stores[1].Message(t.Context(), m.ID); err != nil || got.LeaseHolder != holders[m.ID][0] {
				t.Errorf("round %d: message %s held by %q (%v), claimed by %s", round, m.ID, got.LeaseHolder, err, holders[m.ID][0])
			}
		}
		if total.Load() != n {
			t.Errorf("round %d: %d claims of %d messages", round, total.Load(), n)
		}
	}
}

// testLapsedLease: a lease is in force until it ends, to the millisecond;
// once it ends another deliverer claims the message, and the first holder
// can then neither settle it as sent (a conflict) nor mark it failed
// (ErrConflict), writing nothing. A holder whose lease ran out but whose
// message nobody took still settles it. A settled message is settled
// once; an unknown one is not found.
func testLapsedLease(t *testing.T, s data.Store) {
	ctx := t.Context()
	now := data.Timestamp(base)
	m := newMessage("north", data.MessageBookingRequest, now)
	slow := newMessage("north", data.MessageBookingCancel, now.Add(time.Millisecond)) // its lease ends a millisecond later
	appendMessages(t, s, m, slow)
	claim(t, s, now, time.Minute, "deliverer-1", 10)
	claim(t, s, now.Add(time.Millisecond), time.Minute, "deliverer-1", 10)
	if got := claim(t, s, now.Add(time.Minute-time.Millisecond), time.Minute, "deliverer-2", 10); len(got) != 0 {
		t.Errorf("a claim while the leases run: %v", messageIDs(got))
	}
	got := claim(t, s, now.Add(time.Minute), time.Minute, "deliverer-2", 10)
	taken := leased(leased(landed(m), "deliverer-1", now, time.Minute), "deliverer-2", now.Add(time.Minute), time.Minute)
	if diff := cmp.Diff([]data.Message{taken}, got, cmpOpts); diff != "" {
		t.Fatalf("the claim once the lease ran out (-want +got):\n%s", diff)
	}
	wantConflicts(t, s, "deliverer-1", asSent(now.Add(90*time.Second), m), []string{m.ID}, "SettleSent by the holder who lost the lease")
	if err := s.MarkFailed(ctx, m.ID, "deliverer-1", "421 busy", now.Add(time.Hour), false); !errors.Is(err, data.ErrConflict) {
		t.Errorf("MarkFailed by the holder who lost the lease: %v, want ErrConflict", err)
	}
	wantMessage(t, s, taken, "after the first holder's late marks")

	// The slow one's lease ran out too, but nobody took it: still its holder's.
	if err := s.MarkFailed(ctx, slow.ID, "deliverer-1", "421 busy", now.Add(time.Hour), false); err != nil {
		t.Errorf("MarkFailed by a holder whose lease ran out, nobody else holding: %v", err)
	}
	settle(t, s, "deliverer-2", asSent(now.Add(90*time.Second), m)...)
	wantConflicts(t, s, "deliverer-2", asSent(now.Add(2*time.Minute), m), []string{m.ID}, "SettleSent twice")
	wantConflicts(t, s, "deliverer-1", asSent(now.Add(2*time.Minute), slow), []string{slow.ID}, "SettleSent of a failed one")
	for what, err := range map[string]error{
		"MarkFailed after SettleSent": s.MarkFailed(ctx, m.ID, "deliverer-2", "550 no", now, true),
		"MarkFailed by a stranger":    s.MarkFailed(ctx, slow.ID, "deliverer-9", "550 no", now, true),
		"MarkFailed of a failed one":  s.MarkFailed(ctx, slow.ID, "deliverer-1", "550 no", now, true),
	} {
		if !errors.Is(err, data.ErrConflict) {
			t.Errorf("%s: %v, want ErrConflict", what, err)
		}
	}
	if got, err := s.Message(ctx, m.ID); err != nil || got.Status != data.MessageSent || got.Attempts != 1 {
		t.Errorf("after the refused marks: %s with %d attempts, %v; want sent after 1", got.Status, got.Attempts, err)
	}
	if err := s.MarkFailed(ctx, "no-such-message", "deliverer-2", "550", now, true); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("MarkFailed of an unknown message: %v, want ErrNotFound", err)
	}
}

// testMarkFailed: a failed attempt counts, records its reason (cut to
// data.MaxLastError characters) and waits for its next attempt, to the
// millisecond, keeping its bodies; a dead letter is never claimed until
// an update requeues it.
func testMarkFailed(t *testing.T, s data.Store) {
	ctx := t.Context()
	now := data.Timestamp(base)
	m := newMessage("north", data.MessageOfferInvitation, now)
	appendMessages(t, s, m)
	claim(t, s, now, time.Minute, "deliverer-1", 10)
	reason := "421 4.3.2 " + strings.Repeat("the service is busy ", 30)
	next := now.Add(10 * time.Minute)
	if err := s.MarkFailed(ctx, m.ID, "deliverer-1", reason, next, false); err != nil {
		t.Fatalf("MarkFailed: %v", err)
	}
	want := landed(m)
	want.Status, want.Attempts, want.LastError, want.NextAttempt, want.Version = data.MessageFailed, 1, reason[:data.MaxLastError], next, 3
	wantMessage(t, s, want, "failed")
	if got := claim(t, s, next.Add(-time.Millisecond), time.Minute, "deliverer-2", 10); len(got) != 0 {
		t.Errorf("claimed before its next attempt: %v", messageIDs(got))
	}
	got := claim(t, s, next, time.Minute, "deliverer-2", 10)
	if diff := cmp.Diff([]data.Message{leased(want, "deliverer-2", next, time.Minute)}, got, cmpOpts); diff != "" {
		t.Errorf("the claim at its next attempt (-want +got):\n%s", diff)
	}

	refused := "550 5.1.1 no such mailbox"
	if err := s.MarkFailed(ctx, m.ID, "deliverer-2", refused, next.Add(time.Hour), true); err != nil {
		t.Fatalf("MarkFailed, dead: %v", err)
	}
	want.Status, want.Attempts, want.LastError, want.NextAttempt, want.Version = data.MessageDead, 2, refused, next.Add(time.Hour), 5
	wantMessage(t, s, want, "dead")
	if got := claim(t, s, now.Add(1000*time.Hour), time.Minute, "deliverer-3", 10); len(got) != 0 {
		t.Errorf("a dead letter claimed: %v", messageIDs(got))
	}
	page, err := s.ListMessages(ctx, data.MessageQuery{Organisation: "north", Status: data.MessageDead})
	if err != nil || !slices.Equal(messageIDs(page.Items), []string{m.ID}) {
		t.Errorf("north's dead letters: %v, %v", messageIDs(page.Items), err)
	}

	// A coordinator's retry requeues it, to be tried at once.
	retry := now.Add(2 * time.Hour)
	requeued, err := s.UpdateMessage(ctx, m.ID, func(cur data.Message) (data.Message, data.Change, error) {
		cur.Status, cur.Attempts, cur.NextAttempt = data.MessageQueued, 0, retry
		return cur, messageChange(), nil
	})
	if err != nil || requeued.Status != data.MessageQueued || requeued.Version != 6 {
		t.Fatalf("the retry: %+v, %v", requeued, err)
	}
	if got := claim(t, s, retry.Add(-time.Millisecond), time.Minute, "deliverer-3", 10); len(got) != 0 {
		t.Errorf("claimed before its retry: %v", messageIDs(got))
	}
	if got := claim(t, s, retry, time.Minute, "deliverer-3", 10); !slices.Equal(messageIDs(got), []string{m.ID}) {
		t.Errorf("the claim at the retry: %v, want %s", messageIDs(got), m.ID)
	}
	wantConflicts(t, s, "deliverer-2", asSent(retry, m), []string{m.ID}, "SettleSent by the holder before the retry")
}

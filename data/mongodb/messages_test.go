package mongodb

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tolk/tolk/data"
)

// These tests reach inside the store to leave the outbox as writers that
// died, or were slow, would leave it, and race deliverers through separate
// store instances.

func newTestMessage(due time.Time) data.Message {
	return data.Message{
		ID: data.NewID(time.Now()), Kind: data.MessageBookingRequest, Organisation: "north", RecipientRole: data.RoleInterpreter,
		To: "interpreter@example.org", Subject: "An interview", Text: "You are invited.", HTML: "<p>You are invited.</p>",
		Calendar: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), CalendarMethod: "REQUEST",
		Due: due, Status: data.MessageQueued, CreatedAt: due,
	}
}

// landMessages lands messages with a change of their own.
func landMessages(t *testing.T, s *Store, ms ...data.Message) {
	t.Helper()
	ch := data.Change{Audit: []data.AuditEntry{registerEntry("outbox", data.ActionMessageScheduled)}, Messages: ms}
	if err := s.AppendChange(t.Context(), ch); err != nil {
		t.Fatal(err)
	}
}

// readMessage returns the message's document as it stands, without
// bringing it up to its ledger.
func readMessage(t *testing.T, s *Store, id string) data.Message {
	t.Helper()
	var d messageDocument
	if err := s.messages.FindOne(t.Context(), bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		t.Fatal(err)
	}
	return d.toMessage()
}

// insertEntry inserts the ledger entry of next, written age ago, as a
// writer that died before it wrote the document would leave it.
func insertEntry(t *testing.T, s *Store, next data.Message, age time.Duration) {
	t.Helper()
	e := messageEntry{
		ID: messageEntryID(next.ID, next.Version), Message: next.ID, At: data.Timestamp(time.Now().Add(-age)),
		Token: "a writer that died", Doc: fromMessage(next), Version: 1,
	}
	e.Doc.Subject, e.Doc.Text, e.Doc.HTML, e.Doc.Calendar = "", "", "", nil
	if _, err := s.messageClaims.InsertOne(t.Context(), e); err != nil {
		t.Fatal(err)
	}
}

// sentNow is each message settled as sent at at.
func sentNow(at time.Time, ms ...data.Message) []data.Settlement {
	out := make([]data.Settlement, len(ms))
	for i, m := range ms {
		out[i] = data.Settlement{ID: m.ID, Status: data.MessageSent, At: at}
	}
	return out
}

func claimedIDs(ms []data.Message) []string {
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

// A change committed with messages by a writer that died lands when a
// deliverer claims, and its message is claimed with it; a live writer's
// change is its own to land, and its message is not due until it has.
func TestDeadChangeMessagesLandedByClaim(t *testing.T) {
	open := freshDatabase(t)
	s, other := open().(*Store), open().(*Store)
	ctx := t.Context()
	now := time.Now()
	in := createInterpreter(t, s, "Original")
	died := in
	died.Name, died.Version = "Committed by a writer that died", 2
	dm := newTestMessage(now)
	ch := interpreterChange(died, registerEntry(in.ID, data.ActionInterpreterUpdated))
	ch.ch.Messages = []data.Message{dm}
	commitOnly(t, s, ch, dead)

	in2 := createInterpreter(t, s, "Another")
	writing := in2
	writing.Name, writing.Version = "Being written", 2
	wm := newTestMessage(now)
	ch = interpreterChange(writing, registerEntry(in2.ID, data.ActionInterpreterUpdated))
	ch.ch.Messages = []data.Message{wm}
	l := commitOnly(t, s, ch, live)

	got, err := other.ClaimDue(ctx, now, time.Minute, "deliverer", 10)
	if err != nil || !slices.Equal(claimedIDs(got), []string{dm.ID}) {
		t.Fatalf("ClaimDue: %v, %v; want the dead writer's message only", claimedIDs(got), err)
	}
	wantRecord(t, other, in.ID, died.Name, 2)
	if _, err := other.Message(ctx, wm.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("the live writer's message before it landed: %v, want ErrNotFound", err)
	}
	if err := s.settle(ctx, l); err != nil {
		t.Fatal(err)
	}
	got, err = other.ClaimDue(ctx, now, time.Minute, "deliverer", 10)
	if err != nil || !slices.Equal(claimedIDs(got), []string{wm.ID}) {
		t.Fatalf("ClaimDue once the live writer landed: %v, %v", claimedIDs(got), err)
	}
	wantNoLocks(t, s)
}

// A claimer that inserted its ledger entry and died before it wrote the
// document: while its entry is young, nobody claims the message (the
// version is taken) and readers see the document as it stands; once the
// entry is LockTimeout old, a claim brings the document up to it, leased
// to the dead claimer, and when that lease ends the message is claimed
// again, at the version after.
func TestDeadClaimerEntry(t *testing.T) {
	open := freshDatabase(t)
	s, other := open().(*Store), open().(*Store)
	ctx := t.Context()
	now := data.Timestamp(time.Now())
	m := newTestMessage(now)
	landMessages(t, s, m)
	held := m
	held.LeaseHolder, held.LeaseUntil, held.Version = "died", now.Add(time.Minute), 2
	insertEntry(t, s, held, live)

	if got, err := other.ClaimDue(ctx, now, time.Minute, "deliverer", 10); err != nil || len(got) != 0 {
		t.Errorf("a claim while the dead claimer's entry is young: %v, %v", claimedIDs(got), err)
	}
	if got, err := other.Message(ctx, m.ID); err != nil || got.Version != 1 || got.Subject != m.Subject {
		t.Errorf("Message while the entry is young: version %d %q, %v; want the document as it stands", got.Version, got.Subject, err)
	}

	other.LockTimeout = 0 // the entry's writer has had its time
	if got, err := other.ClaimDue(ctx, now, time.Minute, "deliverer", 10); err != nil || len(got) != 0 {
		t.Errorf("a claim while the dead claimer's lease runs: %v, %v", claimedIDs(got), err)
	}
	if got := readMessage(t, s, m.ID); got.Version != 2 || got.LeaseHolder != "died" || got.Subject != m.Subject || len(got.Calendar) == 0 {
		t.Errorf("the document after the claim: version %d held by %q, subject %q; want version 2 held by the dead claimer, bodies kept",
			got.Version, got.LeaseHolder, got.Subject)
	}
	got, err := other.ClaimDue(ctx, now.Add(time.Minute), time.Minute, "deliverer", 10)
	if err != nil || len(got) != 1 || got[0].Version != 3 || got[0].LeaseHolder != "deliverer" || got[0].Text != m.Text {
		t.Fatalf("the claim once the dead claimer's lease ended: %+v, %v", got, err)
	}
	if conflicts, err := s.SettleSent(ctx, "died", sentNow(now, m)); err != nil || !slices.Equal(conflicts, []string{m.ID}) {
		t.Errorf("SettleSent by the dead claimer: conflicts %v, %v; want %s", conflicts, err, m.ID)
	}
}

// A document written back to an older version (what FerretDB's filtered
// replace can do when two writes of one message overlap) never makes a
// second holder: a claim decided on it loses the ledger entry, and the
// document is brought back up to the ledger.
func TestRegressedDocumentMakesNoSecondHolder(t *testing.T) {
	open := freshDatabase(t)
	s, other := open().(*Store), open().(*Store)
	ctx := t.Context()
	now := data.Timestamp(time.Now())
	m := newTestMessage(now)
	landMessages(t, s, m)
	got, err := s.ClaimDue(ctx, now, time.Minute, "first", 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("the first claim: %v, %v", claimedIDs(got), err)
	}
	v1 := m
	v1.Version = 1
	if _, err := s.messages.ReplaceOne(ctx, bson.D{{Key: "_id", Value: m.ID}}, fromMessage(v1)); err != nil {
		t.Fatal(err)
	}
	if got, err := other.ClaimDue(ctx, now, time.Minute, "second", 10); err != nil || len(got) != 0 {
		t.Errorf("a claim on the regressed document: %v, %v; want none", claimedIDs(got), err)
	}
	other.LockTimeout = 0
	if got, err := other.Message(ctx, m.ID); err != nil || got.Version != 2 || got.LeaseHolder != "first" {
		t.Errorf("Message of the regressed document: version %d held by %q, %v; want version 2 held by first", got.Version, got.LeaseHolder, err)
	}
	if conflicts, err := s.SettleSent(ctx, "first", sentNow(now, m)); err != nil || len(conflicts) != 0 {
		t.Errorf("SettleSent by the holder: conflicts %v, %v", conflicts, err)
	}
}

// A holder whose leases ran out settles its batch while other deliverers
// claim its messages, through another store instance: of the settle and
// the claims, exactly one lands for each message, the settle names as
// conflicts exactly those the claims took, and the message is as the one
// that landed left it.
func TestLapsedMarkRacesClaim(t *testing.T) {
	open := freshDatabase(t)
	s, other := open().(*Store), open().(*Store)
	ctx := t.Context()
	now := data.Timestamp(time.Now())
	const n = 12
	var ms []data.Message
	for range n {
		ms = append(ms, newTestMessage(now))
	}
	landMessages(t, s, ms...)
	if got, err := s.ClaimDue(ctx, now, time.Minute, "slow", n); err != nil || len(got) != n {
		t.Fatalf("the first claim: %d, %v", len(got), err)
	}
	var conflicts []string
	var claimed []data.Message
	var wg sync.WaitGroup
	wg.Go(func() {
		var err error
		if conflicts, err = s.SettleSent(ctx, "slow", sentNow(now.Add(time.Minute), ms...)); err != nil {
			t.Error(err)
		}
	})
	var mu sync.Mutex
	for range 3 {
		wg.Go(func() {
			got, err := other.ClaimDue(ctx, now.Add(time.Minute), time.Minute, "fast", n)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			claimed = append(claimed, got...)
			mu.Unlock()
		})
	}
	wg.Wait()
	for i, m := range ms {
		took := slices.ContainsFunc(claimed, func(c data.Message) bool { return c.ID == m.ID })
		lost := slices.Contains(conflicts, m.ID)
		got := readMessage(t, other, m.ID)
		switch {
		case !lost && !took:
			if got.Status != data.MessageSent || got.Version != 3 {
				t.Errorf("message %d, settled: %s at version %d", i, got.Status, got.Version)
			}
		case lost && took:
			if got.LeaseHolder != "fast" || got.Status != data.MessageQueued || got.Version != 3 {
				t.Errorf("message %d, claimed: %s held by %q at version %d", i, got.Status, got.LeaseHolder, got.Version)
			}
		default:
			t.Errorf("message %d: a conflict of the settle %v, claimed again %v; want exactly one", i, lost, took)
		}
	}
}

// A coordinator's retry (UpdateMessage) races claims through another
// store instance: every write lands on top of the one before, and a
// claim that landed is never overwritten by the retry.
func TestRetryRacesClaim(t *testing.T) {
	open := freshDatabase(t)
	s, other := open().(*Store), open().(*Store)
	ctx := t.Context()
	now := data.Timestamp(time.Now())
	const n = 8
	var ms []data.Message
	for range n {
		ms = append(ms, newTestMessage(now))
	}
	landMessages(t, s, ms...)
	later := now.Add(time.Hour)
	var claimed []data.Message
	var wg sync.WaitGroup
	for _, m := range ms {
		wg.Go(func() {
			_, err := s.UpdateMessage(ctx, m.ID, func(cur data.Message) (data.Message, data.Change, error) {
				cur.NextAttempt = later
				return cur, data.Audited(registerEntry(m.ID, data.ActionMessageRetried)), nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Go(func() {
		var err error
		if claimed, err = other.ClaimDue(ctx, now, time.Minute, "deliverer", n); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	for i, m := range ms {
		got, err := other.Message(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		took := slices.ContainsFunc(claimed, func(c data.Message) bool { return c.ID == m.ID })
		want := int64(2)
		if took {
			want = 3
		}
		if got.Version != want || !got.NextAttempt.Equal(later) || (took != (got.LeaseHolder == "deliverer")) {
			t.Errorf("message %d (claimed: %v): version %d, next attempt %v, held by %q", i, took, got.Version, got.NextAttempt, got.LeaseHolder)
		}
		if ids := auditIDs(t, other, m.ID); len(ids) != 1 {
			t.Errorf("message %d: audit %v, want the retry's entry", i, ids)
		}
	}
}

// A batch in which one message's next version is already another
// writer's (a claimer that took it once the lease ran out, and died
// before it wrote the document) settles the others at once, and names
// that one, brought up to the claimer's version, as its only conflict;
// settled messages named again are conflicts too, not settled twice.
func TestSettleBatchLosesOneEntry(t *testing.T) {
	open := freshDatabase(t)
	s := open().(*Store)
	ctx := t.Context()
	now := data.Timestamp(time.Now())
	var ms []data.Message
	for range 5 {
		ms = append(ms, newTestMessage(now))
	}
	landMessages(t, s, ms...)
	got, err := s.ClaimDue(ctx, now, time.Minute, "slow", 10)
	if err != nil || len(got) != len(ms) {
		t.Fatalf("the claim: %v, %v", claimedIDs(got), err)
	}
	taken := got[2]
	taken.LeaseHolder, taken.LeaseUntil, taken.Version = "died", now.Add(2*time.Minute), 3
	insertEntry(t, s, taken, dead)

	conflicts, err := s.SettleSent(ctx, "slow", sentNow(now.Add(time.Minute), ms...))
	if err != nil || !slices.Equal(conflicts, []string{taken.ID}) {
		t.Fatalf("SettleSent: conflicts %v, %v; want %s", conflicts, err, taken.ID)
	}
	for _, m := range ms {
		got := readMessage(t, s, m.ID)
		switch {
		case m.ID == taken.ID:
			if got.Version != 3 || got.LeaseHolder != "died" || got.Status != data.MessageQueued {
				t.Errorf("the message another took: %s held by %q at version %d", got.Status, got.LeaseHolder, got.Version)
			}
		case got.Version != 3 || got.Status != data.MessageSent || got.Attempts != 1 || got.Subject != "" || got.LeaseHolder != "":
			t.Errorf("message %s: %s after %d attempts held by %q at version %d", m.ID, got.Status, got.Attempts, got.LeaseHolder, got.Version)
		}
	}
	conflicts, err = s.SettleSent(ctx, "slow", sentNow(now.Add(2*time.Minute), ms[0], ms[1]))
	if err != nil || !slices.Equal(conflicts, []string{ms[0].ID, ms[1].ID}) {
		t.Errorf("SettleSent again: conflicts %v, %v; want both", conflicts, err)
	}
}

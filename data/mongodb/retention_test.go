package mongodb

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tolk/tolk/data"
)

// TestPruneScrubsTheLedger: a message's ledger keeps each version's
// document; pruning the message clears the address, subject and bodies
// from every entry of it too, so nothing it removed lives on in the store.
func TestPruneScrubsTheLedger(t *testing.T) {
	s := freshDatabase(t)().(*Store)
	ctx := t.Context()
	now := time.Now()
	m := newTestMessage(now)
	landMessages(t, s, m)
	claimed, err := s.ClaimDue(ctx, now, time.Minute, "deliverer", 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v, %v", claimed, err)
	}
	if err := s.MarkFailed(ctx, m.ID, "deliverer", "550 no such mailbox interpreter@example.org", now, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateMessage(ctx, m.ID, func(cur data.Message) (data.Message, data.Change, error) {
		return cur.Prune(now), data.Audited(registerEntry(m.ID, data.ActionMessagePruned)), nil
	}); err != nil {
		t.Fatal(err)
	}
	cur, err := s.messageClaims.Find(ctx, bson.D{{Key: "message", Value: m.ID}})
	if err != nil {
		t.Fatal(err)
	}
	var entries []messageEntry
	if err := cur.All(ctx, &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) < 2 {
		t.Fatalf("%d ledger entries, want the versions' (at least 2)", len(entries))
	}
	for _, e := range entries {
		if d := e.Doc; d.To != "" || d.Subject != "" || d.Text != "" || d.HTML != "" || len(d.Calendar) != 0 || d.LastError != "" {
			t.Errorf("ledger entry %s keeps what pruning removed: %+v", e.ID, d)
		}
	}
	if got := readMessage(t, s, m.ID); got.To != "" || got.Pruned.IsZero() {
		t.Errorf("the pruned message: %+v", got)
	}
}

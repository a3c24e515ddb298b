package bolt

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

func outboxMessage(id string, due time.Time) data.Message {
	return data.Message{
		ID: id, Kind: data.MessageOfferInvitation, Organisation: "north", RecipientRole: data.RoleInterpreter,
		To: "interpreter@example.org", Subject: "An interview", Text: "You are invited.", OfferID: "offer-1",
		Due: due, Status: data.MessageQueued, CreatedAt: due,
	}
}

func messageChange(ms ...data.Message) data.Change {
	e := data.NewAuditEntry(benchBase, data.User{ID: "u1", Organisation: "north"}, "north", data.ActionMessageRetried, data.EntityMessage, "outbox")
	return data.Change{Audit: []data.AuditEntry{e}, Messages: ms}
}

// txID is the ID of the file's last committed write transaction.
func txID(t *testing.T, s *Store) int {
	t.Helper()
	var id int
	if err := s.db.View(func(tx *bolt.Tx) error { id = tx.ID(); return nil }); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestClaimNothingDueWritesNothing: a poll of an outbox with nothing due
// commits no transaction (and so costs no fsync); a claim that finds
// something commits one.
func TestClaimNothingDueWritesNothing(t *testing.T) {
	s := openBench(t)
	ctx := t.Context()
	if err := s.AppendChange(ctx, messageChange(outboxMessage("m1", benchBase.Add(time.Hour)))); err != nil {
		t.Fatal(err)
	}
	before := txID(t, s)
	for range 3 {
		if got, err := s.ClaimDue(ctx, benchBase, time.Minute, "deliverer", 10); err != nil || len(got) != 0 {
			t.Fatalf("ClaimDue with nothing due: %v, %v", got, err)
		}
	}
	if after := txID(t, s); after != before {
		t.Errorf("polls of an outbox with nothing due committed %d transactions", after-before)
	}
	if got, err := s.ClaimDue(ctx, benchBase.Add(time.Hour), time.Minute, "deliverer", 10); err != nil || len(got) != 1 {
		t.Fatalf("ClaimDue with one due: %v, %v", got, err)
	}
	if after := txID(t, s); after != before+1 {
		t.Errorf("a claim committed %d transactions, want 1", after-before)
	}
}

// TestOpenBuildsOutboxIndexes opens a file written before the outbox's,
// the token's and the roles' indexes existed: Open builds them from the
// records, so the deliverer, the answer link and the daily summary find
// what the old version stored.
func TestOpenBuildsOutboxIndexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	u := data.User{ID: "u1", Name: "A", Email: "a@example.org", Role: data.RoleCoordinator, Organisation: "north", KeyHash: data.HashKey("k")}
	if err := s.CreateUser(ctx, u, data.Audited(data.NewAuditEntry(benchBase, u, "north", data.ActionUserCreated, data.EntityUser, u.ID))); err != nil {
		t.Fatal(err)
	}
	o := data.Offer{
		ID: "o1", Organisation: "north", CaseID: "c1", Start: benchBase.Add(48 * time.Hour), End: benchBase.Add(49 * time.Hour),
		InterviewType: data.InterviewSocialWork, Modality: data.ModalityVideo, Mode: data.OfferBroadcast,
		RespondWithin: time.Hour, Status: data.OfferOpen, Version: 1,
		Invitations: []data.Invitation{{InterpreterID: "int-1", Status: data.InvitationPending, Asked: benchBase, RespondBy: benchBase.Add(time.Hour), TokenHash: data.HashKey("t")}},
	}
	if err := s.CreateOffer(ctx, o, messageChange(outboxMessage("m1", benchBase))); err != nil {
		t.Fatal(err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range append(slices.Clone(messageKind.indexes), bucketUsersByRole, bucketUsersByOrgRole, bucketOffersByToken) {
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
	if got, err := s.ClaimDue(ctx, benchBase, time.Minute, "deliverer", 10); err != nil || len(got) != 1 || got[0].ID != "m1" {
		t.Errorf("ClaimDue after the migration: %v, %v", got, err)
	}
	if page, err := s.ListMessages(ctx, data.MessageQuery{Organisation: "north", OfferID: "offer-1"}); err != nil || len(page.Items) != 1 {
		t.Errorf("ListMessages after the migration: %v, %v", page.Items, err)
	}
	if got, err := s.OfferByToken(ctx, data.HashKey("t")); err != nil || got.ID != o.ID {
		t.Errorf("OfferByToken after the migration: %v, %v", got.ID, err)
	}
	if page, err := s.ListUsers(ctx, data.UserQuery{Role: data.RoleCoordinator}); err != nil || len(page.Items) != 1 {
		t.Errorf("ListUsers by role after the migration: %v, %v", page.Items, err)
	}
}

package bolt

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// TestOpenAddsTransferBuckets: a file written before transfers existed
// (no transfers bucket, no index of them) opens with both created, and
// takes a transfer; its format is not raised.
func TestOpenAddsTransferBuckets(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "tolk.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	c := data.Case{ID: data.NewID(now), Organisation: "north", Reference: "R", Child: data.Child{Languages: []string{"ti"}},
		Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateCase(ctx, c, data.Audited(data.NewAuditEntry(now, data.User{ID: "u"}, "north", data.ActionCaseCreated, data.EntityCase, c.ID))); err != nil {
		t.Fatal(err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range append([]string{string(bucketTransfers)}, transferKind.indexes...) {
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
		t.Fatalf("reopen a file without transfers: %v", err)
	}
	defer s.Close(ctx)
	if page, err := s.ListTransfers(ctx, data.TransferQuery{To: "south"}); err != nil || len(page.Items) != 0 {
		t.Fatalf("ListTransfers on the reopened file: %v, %v", page.Items, err)
	}
	id := data.NewID(now)
	_, err = s.CreateTransfer(ctx, c.ID, func(sending data.Case) (data.TransferWrite, error) {
		tr := data.Transfer{ID: id, CaseID: c.ID, From: "north", To: "south", LegalBasis: data.LegalBasisPlacement,
			Status: data.TransferPending, CreatedAt: now, UpdatedAt: now}
		sending.TransferPending = id
		ch := data.Audited(data.NewAuditEntry(now, data.User{ID: "u"}, "north", data.ActionTransferRequested, data.EntityTransfer, id),
			data.NewAuditEntry(now, data.User{ID: "u"}, "north", data.ActionTransferRequested, data.EntityCase, c.ID))
		return data.TransferWrite{Transfer: tr, Sending: sending, Change: ch}, nil
	})
	if err != nil {
		t.Fatalf("CreateTransfer on the reopened file: %v", err)
	}
	if page, err := s.ListTransfers(ctx, data.TransferQuery{To: "south", Status: data.TransferPending}); err != nil || len(page.Items) != 1 {
		t.Errorf("the transfer off the new index: %v, %v", page.Items, err)
	}
}

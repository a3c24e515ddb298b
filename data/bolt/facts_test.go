package bolt

import (
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// TestFactStart: the digit-by-digit reading of a start key gives what
// time.Parse does, for instants across the keys' range and for keys
// that are not in the layout (left to parseStartKey).
func TestFactStart(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 1))
	for range 10_000 {
		at := time.UnixMilli(rng.Int64N(253402300799999)).UTC() // to 9999-12-31
		key := []byte(startKey(at) + "\x00id")
		got, err := factStart(key)
		want, werr := parseStartKey(key)
		if err != nil || werr != nil || !got.Equal(want) || !got.Equal(at) {
			t.Fatalf("factStart(%q) = %v, %v; parseStartKey: %v, %v; want %v", key, got, err, want, werr, at)
		}
	}
	for _, bad := range []string{"", "2026-13-01T00:00:00.000Z", "2026-01-01T00:00:00.00xZ", "2026-02-30T00:00:00.000Z", "short"} {
		_, err := factStart([]byte(bad))
		_, werr := parseStartKey([]byte(bad))
		if (err == nil) != (werr == nil) {
			t.Errorf("factStart(%q): %v, parseStartKey: %v", bad, err, werr)
		}
	}
}

// TestOpenRebuildsOfferFacts opens a file whose offer facts were written
// before outcome codes (the bucket offers_facts, 17-byte values) and
// before the register's facts by start: Open drops that bucket and builds
// the coded one and the register's from the offers, so a report (the
// organisation's or the register's) reads an unfilled offer's code and
// Check finds nothing amiss.
func TestOpenRebuildsOfferFacts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	unfilled := testOffer("o1")
	unfilled.Invitations = []data.Invitation{{InterpreterID: "i1", Status: data.InvitationQueued}}
	unfilled = unfilled.Open(benchBase, data.Judged{"i1": {{Code: "suspended", Message: "suspended"}}})
	if unfilled.Status != data.OfferUnfilled || unfilled.Code != data.OutcomeUnfilled {
		t.Fatalf("fixture: %s %q", unfilled.Status, unfilled.Code)
	}
	if err := s.CreateOffer(ctx, unfilled, offerChange(unfilled.ID, data.ActionOfferCreated)); err != nil {
		t.Fatal(err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error { // the file as the version before codes wrote it
		for _, name := range []string{bucketOfferFacts, bucketRegisterOfferFacts} {
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		old, err := tx.CreateBucket([]byte("offers_facts"))
		if err != nil {
			return err
		}
		v := offerFactValue(unfilled)
		return old.Put([]byte(indexKey("north", startKey(unfilled.Start), unfilled.ID)), []byte(v[:len(v)-1]))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)

	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	page, err := s.OfferFacts(ctx, data.ReportQuery{Organisation: "north"})
	if err != nil || len(page.Items) != 1 || page.Items[0].Code != data.OutcomeUnfilled {
		t.Errorf("offer facts after the upgrade: %+v, %v", page.Items, err)
	}
	page, err = s.OfferFacts(ctx, data.ReportQuery{Register: true})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != unfilled.ID || page.Items[0].Code != data.OutcomeUnfilled {
		t.Errorf("the register's offer facts after the upgrade: %+v, %v", page.Items, err)
	}
	if err := s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("offers_facts")) != nil {
			t.Error("the retired offers_facts bucket is still there")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)
	if r, err := Check(ctx, path); err != nil || !r.OK() {
		t.Errorf("check after the upgrade: %+v, %v", r, err)
	}
}

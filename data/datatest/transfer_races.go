package datatest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// testConcurrentTransferAnswers races acceptances and declines of one
// transfer through two store instances: exactly one lands, the others
// find it answered (or lose to other writers), and exactly the one case
// the winner made, if it accepted, exists.
func testConcurrentTransferAnswers(t *testing.T, open func() data.Store) {
	stores := twoStores(open)
	ctx := t.Context()
	c := newCase(1, "north")
	if err := stores[0].CreateCase(ctx, c, caseChange(c, data.ActionCaseCreated)); err != nil {
		t.Fatal(err)
	}
	id := data.NewID(base)
	if _, err := stores[0].CreateTransfer(ctx, c.ID, requestTransfer(id, "south", base)); err != nil {
		t.Fatal(err)
	}
	const writers = 8
	newIDs := make([]string, writers)
	for i := range newIDs {
		newIDs[i] = data.NewID(base.Add(time.Duration(i) * time.Millisecond))
	}
	errs := raceN(stores, writers, func(s data.Store, i int) error {
		fn := acceptTransfer(newIDs[i], base.Add(time.Minute))
		if i%4 == 3 {
			fn = declineTransfer(base.Add(time.Minute))
		}
		_, err := s.UpdateTransfer(ctx, id, fn)
		return err
	})
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Errorf("writers %d and %d both answered the transfer", winner, i)
			}
			winner = i
		case !errors.Is(err, data.ErrTransition) && !errors.Is(err, data.ErrConflict):
			t.Errorf("writer %d: %v, want transfer_closed", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no answer landed")
	}
	tr, err := stores[1].Transfer(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	page, err := stores[1].ListCases(ctx, data.CaseQuery{Organisation: "south"})
	if err != nil {
		t.Fatal(err)
	}
	if winner%4 == 3 {
		if tr.Status != data.TransferDeclined || len(page.Items) != 0 {
			t.Errorf("a decline won, yet the transfer is %s and south holds %d cases", tr.Status, len(page.Items))
		}
	} else if tr.Status != data.TransferAccepted || tr.NewCaseID != newIDs[winner] || len(page.Items) != 1 || page.Items[0].ID != newIDs[winner] {
		t.Errorf("writer %d's acceptance won, yet the transfer is %s into %q and south holds %d cases", winner, tr.Status, tr.NewCaseID, len(page.Items))
	}
	if tr.Version != 2 {
		t.Errorf("transfer at version %d after one answer, want 2", tr.Version)
	}
	if got := auditActions(t, stores[0], id); len(got) != 4 {
		t.Errorf("transfer audit = %v, want the request's and one answer's entries", got)
	}
	sending, err := stores[0].Case(ctx, c.ID)
	if err != nil || sending.Version != 3 || sending.TransferPending != "" {
		t.Errorf("sending case after the race: v%d pending %q, %v; want v3, none", sending.Version, sending.TransferPending, err)
	}
}

// testConcurrentTransferRequests races requests to transfer one case
// through two store instances: the rule that refuses a second pending
// transfer holds for whichever lands first, so exactly one lands.
func testConcurrentTransferRequests(t *testing.T, open func() data.Store) {
	stores := twoStores(open)
	ctx := t.Context()
	c := newCase(1, "north")
	if err := stores[0].CreateCase(ctx, c, caseChange(c, data.ActionCaseCreated)); err != nil {
		t.Fatal(err)
	}
	const writers = 8
	errs := raceN(stores, writers, func(s data.Store, i int) error {
		at := base.Add(time.Duration(i) * time.Millisecond)
		_, err := s.CreateTransfer(ctx, c.ID, requestTransfer(data.NewID(at), fmt.Sprintf("org-%d", i), at))
		return err
	})
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, errPending) && !errors.Is(err, data.ErrConflict):
			t.Errorf("writer %d: %v, want the rule's refusal", i, err)
		}
	}
	if wins != 1 {
		t.Errorf("%d transfers of one case landed pending, want exactly 1", wins)
	}
	page, err := stores[1].ListTransfers(ctx, data.TransferQuery{From: "north", Status: data.TransferPending})
	if err != nil || len(page.Items) != 1 {
		t.Errorf("pending transfers from north: %d, %v; want 1", len(page.Items), err)
	}
}

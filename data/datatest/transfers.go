package datatest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// runTransfers runs the conformance tests of transfers.
func runTransfers(t *testing.T, newDB NewDatabase) {
	t.Run("Transfers", func(t *testing.T) { testTransfers(t, newDB(t)()) })
	t.Run("TransferRefusals", func(t *testing.T) { testTransferRefusals(t, newDB(t)()) })
	t.Run("TransferListings", func(t *testing.T) { testTransferListings(t, newDB(t)()) })
	t.Run("ConcurrentTransferAnswers", func(t *testing.T) { testConcurrentTransferAnswers(t, newDB(t)) })
	t.Run("ConcurrentTransferRequests", func(t *testing.T) { testConcurrentTransferRequests(t, newDB(t)) })
}

// errPending is what the fixture's request rule refuses a case with a
// transfer pending with: what package app's rule does.
var errPending = errors.New("the case has a transfer pending")

// transferEntries are the audit entries of a change of a transfer: about
// the transfer in both organisations' scopes and about the sending case.
func transferEntries(tr data.Transfer, action data.Action, at time.Time) []data.AuditEntry {
	return []data.AuditEntry{
		data.NewAuditEntry(at, actor, tr.From, action, data.EntityTransfer, tr.ID),
		data.NewAuditEntry(at, actor, tr.To, action, data.EntityTransfer, tr.ID),
		data.NewAuditEntry(at, actor, tr.From, action, data.EntityCase, tr.CaseID),
	}
}

// requestTransfer is the fixture's rule for asking to transfer a case to org:
// refused while another transfer of the case is pending.
func requestTransfer(id, to string, at time.Time) func(data.Case) (data.TransferWrite, error) {
	return func(c data.Case) (data.TransferWrite, error) {
		if c.TransferPending != "" {
			return data.TransferWrite{}, errPending
		}
		tr := data.Transfer{
			ID: id, CaseID: c.ID, From: c.Organisation, To: to, LegalBasis: data.LegalBasisPlacement, CloseSending: true,
			Status: data.TransferPending, Languages: c.Child.Languages, AgeBand: c.Child.AgeBand,
			CreatedBy: actor.ID, CreatedAt: at, UpdatedAt: at,
		}
		c.TransferPending, c.UpdatedAt = id, at
		return data.TransferWrite{Transfer: tr, Sending: c, Change: data.Audited(transferEntries(tr, data.ActionTransferRequested, at)...)}, nil
	}
}

// acceptTransfer is the fixture's rule for accepting a transfer into a new case
// with this ID: data.Transfer.Accept, the new case carrying the child's
// needs, the sending case marked when its sender chose so.
func acceptTransfer(newID string, at time.Time) func(data.Transfer, data.Case) (data.TransferWrite, error) {
	return func(tr data.Transfer, c data.Case) (data.TransferWrite, error) {
		tr, err := tr.Accept("coord-south", at, newID)
		if err != nil {
			return data.TransferWrite{}, err
		}
		received := data.Case{
			ID: newID, Organisation: tr.To, Reference: "S-" + newID, LinkedReferences: []string{c.Reference},
			Child: c.Child, ExcludedInterpreters: []data.CaseExclusion{{InterpreterID: "int-x", Reason: data.ExclusionReasons[data.ExclusionByCase]}},
			TransferredFrom: tr.ID, Continuity: []data.Continuity{{InterpreterID: "int-a", Comfortable: true}, {InterpreterID: "int-b"}},
			CreatedBy: "coord-south", Version: 1, CreatedAt: at, UpdatedAt: at,
		}
		c.TransferPending, c.UpdatedAt = "", at
		if tr.CloseSending {
			c.TransferredTo = tr.To
		}
		ch := data.Audited(append(transferEntries(tr, data.ActionTransferAccepted, at),
			data.NewAuditEntry(at, actor, tr.To, data.ActionTransferAccepted, data.EntityCase, newID))...)
		return data.TransferWrite{Transfer: tr, Sending: c, Received: received, Change: ch}, nil
	}
}

// declineTransfer is the fixture's rule for declining a transfer.
func declineTransfer(at time.Time) func(data.Transfer, data.Case) (data.TransferWrite, error) {
	return func(tr data.Transfer, c data.Case) (data.TransferWrite, error) {
		tr, err := tr.DeclineWith("coord-south", at, data.DeclineNotOurArea)
		if err != nil {
			return data.TransferWrite{}, err
		}
		c.TransferPending, c.UpdatedAt = "", at
		return data.TransferWrite{Transfer: tr, Sending: c, Change: data.Audited(transferEntries(tr, data.ActionTransferDeclined, at)...)}, nil
	}
}

// testTransfers asks for a transfer, accepts it and declines another: the
// transfer, the sending case and the new case land together, each at its
// version, with their audit entries.
func testTransfers(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	if err := s.CreateCase(ctx, c, caseChange(c, data.ActionCaseCreated)); err != nil {
		t.Fatal(err)
	}
	id := data.NewID(base)
	w, err := s.CreateTransfer(ctx, c.ID, requestTransfer(id, "south", base.Add(time.Minute)))
	if err != nil {
		t.Fatalf("CreateTransfer: %v", err)
	}
	if w.Transfer.Version != 1 || w.Transfer.Status != data.TransferPending || w.Sending.Version != 2 || w.Sending.TransferPending != id {
		t.Errorf("CreateTransfer wrote transfer v%d %s, case v%d pending %q; want v1 pending, case v2 pending %s",
			w.Transfer.Version, w.Transfer.Status, w.Sending.Version, w.Sending.TransferPending, id)
	}
	got, err := s.Transfer(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(w.Transfer, got, cmpOpts); diff != "" {
		t.Errorf("Transfer round trip (-wrote +read):\n%s", diff)
	}
	if got.CreatedAt != data.Timestamp(base.Add(time.Minute)) || got.AgeBand != data.Age12To15 || !slices.Equal(got.Languages, c.Child.Languages) {
		t.Errorf("Transfer as stored: %+v", got)
	}
	if sending, err := s.Case(ctx, c.ID); err != nil || sending.TransferPending != id || sending.Version != 2 {
		t.Errorf("sending case after the request: %+v, %v", sending, err)
	}

	newID := data.NewID(base.Add(2 * time.Minute))
	at := base.Add(2 * time.Minute)
	w, err = s.UpdateTransfer(ctx, id, acceptTransfer(newID, at))
	if err != nil {
		t.Fatalf("UpdateTransfer (accept): %v", err)
	}
	if w.Transfer.Version != 2 || w.Transfer.Status != data.TransferAccepted || w.Transfer.NewCaseID != newID {
		t.Errorf("accepted transfer: %+v", w.Transfer)
	}
	got, err = s.Transfer(ctx, id)
	if err != nil || got.Status != data.TransferAccepted || got.DecidedAt != data.Timestamp(at) || got.DecidedBy != "coord-south" || got.Version != 2 {
		t.Errorf("Transfer after acceptance: %+v, %v", got, err)
	}
	sending, err := s.Case(ctx, c.ID)
	if err != nil || sending.TransferPending != "" || sending.TransferredTo != "south" || sending.Version != 3 {
		t.Errorf("sending case after acceptance: pending %q, transferred to %q, v%d, %v; want none, south, v3",
			sending.TransferPending, sending.TransferredTo, sending.Version, err)
	}
	received, err := s.Case(ctx, newID)
	if err != nil {
		t.Fatalf("the received case: %v", err)
	}
	if diff := cmp.Diff(w.Received, received, cmpOpts); diff != "" {
		t.Errorf("received case (-wrote +read):\n%s", diff)
	}
	if received.Organisation != "south" || received.TransferredFrom != id || received.Version != 1 ||
		!cmp.Equal(received.Continuity, []data.Continuity{{InterpreterID: "int-a", Comfortable: true}, {InterpreterID: "int-b"}}) ||
		!cmp.Equal(received.Child, c.Child, cmpOpts) {
		t.Errorf("received case: %+v", received)
	}
	if page, err := s.ListCases(ctx, data.CaseQuery{Organisation: "south"}); err != nil || len(page.Items) != 1 || page.Items[0].ID != newID {
		t.Errorf("ListCases(south) = %+v, %v; want the received case", page.Items, err)
	}
	want := []data.Action{data.ActionTransferRequested, data.ActionTransferRequested, data.ActionTransferAccepted, data.ActionTransferAccepted}
	if got := auditActions(t, s, id); !slices.Equal(got, want) {
		t.Errorf("transfer audit = %v, want %v", got, want)
	}
	if got := auditActions(t, s, c.ID); !slices.Equal(got, []data.Action{data.ActionCaseCreated, data.ActionTransferRequested, data.ActionTransferAccepted}) {
		t.Errorf("sending case audit = %v", got)
	}
	if got := auditActions(t, s, newID); !slices.Equal(got, []data.Action{data.ActionTransferAccepted}) {
		t.Errorf("received case audit = %v", got)
	}
	for _, scope := range []string{"north", "south"} {
		page, err := s.ListAudit(ctx, data.AuditQuery{EntityID: id, Scopes: []string{scope}})
		if err != nil || len(page.Items) != 2 {
			t.Errorf("%s's audit of the transfer: %d entries, %v; want 2", scope, len(page.Items), err)
		}
	}

	// A second answer is refused by the rule, and writes nothing.
	if _, err := s.UpdateTransfer(ctx, id, declineTransfer(at)); !errors.Is(err, data.ErrTransition) {
		t.Errorf("declining an accepted transfer: %v, want the rule's StateError", err)
	}
	if got, _ := s.Transfer(ctx, id); got.Version != 2 || got.Status != data.TransferAccepted {
		t.Errorf("after a refused answer: %+v", got)
	}

	// Another case, declined: the case stays open, nothing is made.
	d := newCase(2, "north")
	if err := s.CreateCase(ctx, d, caseChange(d, data.ActionCaseCreated)); err != nil {
		t.Fatal(err)
	}
	id2 := data.NewID(base.Add(3 * time.Minute))
	if _, err := s.CreateTransfer(ctx, d.ID, requestTransfer(id2, "south", base.Add(3*time.Minute))); err != nil {
		t.Fatal(err)
	}
	if w, err = s.UpdateTransfer(ctx, id2, declineTransfer(base.Add(4*time.Minute))); err != nil {
		t.Fatalf("UpdateTransfer (decline): %v", err)
	}
	if w.Transfer.Status != data.TransferDeclined || w.Transfer.Decline != data.DeclineNotOurArea || w.Received.ID != "" {
		t.Errorf("declined: %+v", w)
	}
	if got, err := s.Case(ctx, d.ID); err != nil || got.TransferPending != "" || got.TransferredTo != "" || got.Version != 3 {
		t.Errorf("case after a decline: %+v, %v", got, err)
	}
	// And it may be sent again; this time the sender takes it back: the
	// transfer reads withdrawn, listed as such, and the case is free.
	id3 := data.NewID(base.Add(5 * time.Minute))
	if _, err := s.CreateTransfer(ctx, d.ID, requestTransfer(id3, "west", base.Add(5*time.Minute))); err != nil {
		t.Fatalf("a second request after a decline: %v", err)
	}
	w, err = s.UpdateTransfer(ctx, id3, func(tr data.Transfer, c data.Case) (data.TransferWrite, error) {
		at := base.Add(6 * time.Minute)
		tr, err := tr.Withdraw("coord-north", at)
		if err != nil {
			return data.TransferWrite{}, err
		}
		c.TransferPending, c.UpdatedAt = "", at
		return data.TransferWrite{Transfer: tr, Sending: c, Change: data.Audited(transferEntries(tr, data.ActionTransferWithdrawn, at)...)}, nil
	})
	if err != nil {
		t.Fatalf("UpdateTransfer (withdraw): %v", err)
	}
	if got, err := s.Transfer(ctx, id3); err != nil || got.Status != data.TransferWithdrawn || got.DecidedBy != "coord-north" {
		t.Errorf("the withdrawn transfer as stored: %+v, %v", got, err)
	}
	if got, err := s.Case(ctx, d.ID); err != nil || got.TransferPending != "" {
		t.Errorf("case after a withdrawal: %+v, %v", got, err)
	}
	page, err := s.ListTransfers(ctx, data.TransferQuery{To: "west", Status: data.TransferWithdrawn})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != id3 {
		t.Errorf("west's withdrawn transfers: %+v, %v", page.Items, err)
	}
	if page, err := s.ListTransfers(ctx, data.TransferQuery{To: "west", Status: data.TransferPending}); err != nil || len(page.Items) != 0 {
		t.Errorf("west's pending transfers after the withdrawal: %+v, %v", page.Items, err)
	}
}

// testTransferRefusals checks the errors of the contract: unknown records,
// taken IDs, writes that fail their checks, a function's own error;
// nothing is written on any of them.
func testTransferRefusals(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	if err := s.CreateCase(ctx, c, caseChange(c, data.ActionCaseCreated)); err != nil {
		t.Fatal(err)
	}
	at := base.Add(time.Minute)
	if _, err := s.CreateTransfer(ctx, "no-such-case", requestTransfer(data.NewID(at), "south", at)); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("CreateTransfer of an unknown case: %v, want ErrNotFound", err)
	}
	if _, err := s.UpdateTransfer(ctx, "no-such-transfer", declineTransfer(at)); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("UpdateTransfer of an unknown transfer: %v, want ErrNotFound", err)
	}
	if _, err := s.Transfer(ctx, "no-such-transfer"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("Transfer(unknown): %v, want ErrNotFound", err)
	}
	if _, err := s.CreateTransfer(ctx, c.ID, requestTransfer(data.NewID(at), "north", at)); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("a transfer to the case's own organisation: %v, want ErrInvalid", err)
	}
	if _, err := s.CreateTransfer(ctx, c.ID, func(c data.Case) (data.TransferWrite, error) {
		w, err := requestTransfer(data.NewID(at), "south", at)(c)
		w.Change = data.Change{}
		return w, err
	}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("a transfer without an audit entry: %v, want ErrInvalid", err)
	}
	if _, err := s.CreateTransfer(ctx, c.ID, func(c data.Case) (data.TransferWrite, error) {
		w, err := requestTransfer(data.NewID(at), "south", at)(c)
		w.Sending.Organisation = "south"
		return w, err
	}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("a transfer moving the sending case's organisation: %v, want ErrInvalid", err)
	}
	if got, err := s.Case(ctx, c.ID); err != nil || got.Version != 1 || got.TransferPending != "" {
		t.Errorf("the case after refused requests: %+v, %v; want it untouched", got, err)
	}
	id := data.NewID(at)
	if _, err := s.CreateTransfer(ctx, c.ID, requestTransfer(id, "south", at)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTransfer(ctx, c.ID, requestTransfer(data.NewID(at), "west", at)); !errors.Is(err, errPending) {
		t.Errorf("a second pending transfer of one case: %v, want the rule's error", err)
	}
	d := newCase(2, "north")
	if err := s.CreateCase(ctx, d, caseChange(d, data.ActionCaseCreated)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTransfer(ctx, d.ID, requestTransfer(id, "south", at)); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("a transfer with a taken ID: %v, want ErrDuplicate", err)
	}
	if _, err := s.UpdateTransfer(ctx, id, func(tr data.Transfer, c data.Case) (data.TransferWrite, error) {
		w, err := acceptTransfer(data.NewID(at), at)(tr, c)
		w.Transfer.To = "west"
		return w, err
	}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("an acceptance changing the receiving organisation: %v, want ErrInvalid", err)
	}
	if _, err := s.UpdateTransfer(ctx, id, acceptTransfer(d.ID, at)); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("an acceptance into a taken case ID: %v, want ErrDuplicate", err)
	}
	if _, err := s.UpdateTransfer(ctx, id, func(tr data.Transfer, c data.Case) (data.TransferWrite, error) {
		return data.TransferWrite{}, data.ErrNoChange
	}); err != nil {
		t.Errorf("an update that changes nothing: %v", err)
	}
	if got, err := s.Transfer(ctx, id); err != nil || got.Version != 1 || got.Status != data.TransferPending {
		t.Errorf("the transfer after refused answers: %+v, %v; want it pending at v1", got, err)
	}
	if got := auditActions(t, s, id); !slices.Equal(got, []data.Action{data.ActionTransferRequested, data.ActionTransferRequested}) {
		t.Errorf("transfer audit after refusals = %v", got)
	}
}

// testTransferListings pages through the transfers to and from an
// organisation, of any status and of one, newest first, with others'
// transfers mixed into every page.
func testTransferListings(t *testing.T, s data.Store) {
	ctx := t.Context()
	var toSouth, toSouthPending, fromNorth []string
	for n := range 9 {
		from, to := "north", "south"
		switch n % 3 {
		case 1:
			to = "west"
		case 2:
			from = "east"
		}
		c := newCase(n+1, from)
		if err := s.CreateCase(ctx, c, caseChange(c, data.ActionCaseCreated)); err != nil {
			t.Fatal(err)
		}
		at := base.Add(time.Duration(n+1) * time.Minute)
		id := data.NewID(at)
		if _, err := s.CreateTransfer(ctx, c.ID, requestTransfer(id, to, at)); err != nil {
			t.Fatal(err)
		}
		pending := n%2 == 0
		if !pending {
			if _, err := s.UpdateTransfer(ctx, id, declineTransfer(at)); err != nil {
				t.Fatal(err)
			}
		}
		if to == "south" {
			toSouth = append([]string{id}, toSouth...)
			if pending {
				toSouthPending = append([]string{id}, toSouthPending...)
			}
		}
		if from == "north" {
			fromNorth = append([]string{id}, fromNorth...)
		}
	}
	for _, tc := range []struct {
		q    data.TransferQuery
		want []string
	}{
		{data.TransferQuery{To: "south"}, toSouth},
		{data.TransferQuery{To: "south", Status: data.TransferPending}, toSouthPending},
		{data.TransferQuery{From: "north"}, fromNorth},
		{data.TransferQuery{To: "nowhere"}, nil},
	} {
		var got []string
		q := tc.q
		q.Limit = 2
		for range 10 {
			page, err := s.ListTransfers(ctx, q)
			if err != nil {
				t.Fatalf("ListTransfers(%+v): %v", q, err)
			}
			for _, tr := range page.Items {
				got = append(got, tr.ID)
			}
			if q.Before = page.Next; q.Before == "" {
				break
			}
		}
		if diff := cmp.Diff(tc.want, got, cmpOpts); diff != "" {
			t.Errorf("ListTransfers(%+v) in pages of 2 (-want +got):\n%s", tc.q, diff)
		}
	}
	for _, q := range []data.TransferQuery{{}, {To: "south", From: "north"}, {To: "south", Status: "lost"}} {
		if _, err := s.ListTransfers(ctx, q); !errors.Is(err, data.ErrInvalid) {
			t.Errorf("ListTransfers(%+v): %v, want ErrInvalid", q, err)
		}
	}
}

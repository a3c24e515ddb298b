package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// sendToNorth has south send a case of a Sorani-speaking child, 12-15, to
// north, and returns the transfer.
func (s *site) sendToNorth(ref string) data.Transfer {
	s.t.Helper()
	ctx := s.t.Context()
	c, err := s.app.CreateCase(ctx, s.users["south-sw"], data.Case{Reference: ref,
		Child: data.Child{Languages: []string{"ckb"}, AgeBand: data.Age12To15, CommunityLinks: []data.CommunityLink{{Kind: data.LinkTown, Value: "Ranya"}}}})
	if err != nil {
		s.t.Fatal(err)
	}
	t, err := s.app.RequestTransfer(ctx, s.users["south-coord"], c.ID, app.NewTransfer{ToOrganisation: "north", LegalBasis: data.LegalBasisNationalTransferScheme, CloseSending: true})
	if err != nil {
		s.t.Fatal(err)
	}
	return t
}

// A coordinator's home page lists the cases sent to their organisation,
// in words and with nothing of the child but language and age band, and
// answers them: no reason chosen is an error on the page, a decline
// leaves the list, an acceptance opens the new case.
func TestHomeAnswersTransfers(t *testing.T) {
	s := newSite(t)
	s.addUser(data.RoleCoordinator, "south-coord", "south")
	s.addUser(data.RoleSocialWorker, "south-sw", "south")
	first, second := s.sendToNorth("SO-SECRET-1"), s.sendToNorth("SO-SECRET-2")

	k := s.browser()
	k.signIn(data.RoleCoordinator)
	home := k.get("/")
	for _, want := range []string{"Cases transferred to you", "From south", "The National Transfer Scheme", "Kurdish (Sorani)",
		data.Age12To15.Words(), "The child is not in our area", `action="/transfers/` + first.ID + `/accept"`} {
		if !strings.Contains(home.body, want) {
			t.Errorf("the coordinator's home page lacks %q", want)
		}
	}
	for _, secret := range []string{"SO-SECRET", "Ranya", first.CaseID} {
		if strings.Contains(home.body, secret) {
			t.Errorf("the home page shows %q before the transfer is accepted", secret)
		}
	}

	p := k.post("/transfers/"+second.ID+"/decline", nil)
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "Choose why you decline the transfer") || !strings.Contains(p.body, `href="#f-reason-`+second.ID+`"`) {
		t.Errorf("a decline without a reason: %d\n%s", p.status, p.body)
	}
	p = k.post("/transfers/"+second.ID+"/decline", url.Values{"reason": {"already_held"}})
	if p.status != http.StatusSeeOther || p.location() != "/?notice=transfer-declined" {
		t.Fatalf("decline: %d → %q\n%s", p.status, p.location(), p.body)
	}
	if home := k.get(p.location()); strings.Contains(home.body, second.ID) || !strings.Contains(home.body, "Transfer declined") {
		t.Errorf("after the decline the home page still lists it, or says nothing")
	}

	p = k.post("/transfers/"+first.ID+"/accept", url.Values{"reference": {"NR-FROM-SOUTH"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/cases/") {
		t.Fatalf("accept: %d → %q\n%s", p.status, p.location(), p.body)
	}
	c := k.get(p.location())
	if c.status != http.StatusOK || !strings.Contains(c.body, "NR-FROM-SOUTH") || !strings.Contains(c.body, "Transfer accepted") {
		t.Errorf("the new case's page: %d\n%s", c.status, c.body)
	}
	p = k.post("/transfers/"+first.ID+"/accept", url.Values{})
	if p.status != http.StatusConflict || !strings.Contains(p.body, "already answered") {
		t.Errorf("a second acceptance: %d\n%s", p.status, p.body)
	}

	w := s.browser()
	w.signIn(data.RoleSocialWorker)
	s.sendToNorth("SO-SECRET-3")
	if home := w.get("/"); strings.Contains(home.body, "Cases transferred to you") {
		t.Error("a social worker's home page lists transfers")
	}
}

// A coordinator sends a case from its page, on a legal basis chosen in
// words: a form without one, or to their own organisation, comes back
// with the errors and what was typed; sent, the page offers to take it
// back, and taking it back tells the other side and frees the case. A
// social worker sees no such form.
func TestCasePageSendsAndWithdrawsTransfers(t *testing.T) {
	s := newSite(t)
	s.addUser(data.RoleCoordinator, "south-coord", "south")
	c, err := s.app.CreateCase(t.Context(), s.users[data.RoleSocialWorker], data.Case{Reference: "NR-MOVES",
		Child: data.Child{Languages: []string{"ckb"}, AgeBand: data.Age12To15}})
	if err != nil {
		t.Fatal(err)
	}
	w := s.browser()
	w.signIn(data.RoleSocialWorker)
	if p := w.get("/cases/" + c.ID); p.status != 200 || strings.Contains(p.body, `action="/cases/`+c.ID+`/transfers"`) {
		t.Errorf("a social worker's case page offers to send the case: %d", p.status)
	}

	k := s.browser()
	k.signIn(data.RoleCoordinator)
	p := k.get("/cases/" + c.ID)
	for _, want := range []string{"Send the case to another organisation", `action="/cases/` + c.ID + `/transfers"`, "The National Transfer Scheme", "A placement"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the coordinator's case page lacks %q", want)
		}
	}
	p = k.post("/cases/"+c.ID+"/transfers", url.Values{"toOrganisation": {"south"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "Choose the legal basis of the transfer") || !strings.Contains(p.body, `value="south"`) {
		t.Errorf("no legal basis: %d\n%.3000s", p.status, p.body)
	}
	p = k.post("/cases/"+c.ID+"/transfers", url.Values{"toOrganisation": {"north"}, "legalBasis": {"placement"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "must be another organisation") || !strings.Contains(p.body, `id="basis-placement" name="legalBasis" value="placement" checked`) {
		t.Errorf("to its own organisation: %d\n%.3000s", p.status, p.body)
	}
	p = k.post("/cases/"+c.ID+"/transfers", url.Values{"toOrganisation": {"south"}, "legalBasis": {"national_transfer_scheme"}})
	if p.status != http.StatusSeeOther || p.location() != "/cases/"+c.ID+"?notice=transfer-sent" {
		t.Fatalf("send: %d → %q\n%s", p.status, p.location(), p.body)
	}
	sent := k.get(p.location())
	pending, err := s.app.ListTransfers(t.Context(), s.users["south-coord"], app.TransferFilter{Status: data.TransferPending})
	if err != nil || len(pending.Items) != 1 {
		t.Fatalf("south's pending transfers: %d, %v", len(pending.Items), err)
	}
	tr := pending.Items[0]
	if !strings.Contains(sent.body, "Case sent.") || !strings.Contains(sent.body, `action="/transfers/`+tr.ID+`/withdraw"`) {
		t.Errorf("the case page after sending: %d\n%.3000s", sent.status, sent.body)
	}
	p = k.post("/transfers/"+tr.ID+"/withdraw", nil)
	if p.status != http.StatusSeeOther || p.location() != "/cases/"+c.ID+"?notice=transfer-withdrawn" {
		t.Fatalf("withdraw: %d → %q\n%s", p.status, p.location(), p.body)
	}
	if back := k.get(p.location()); !strings.Contains(back.body, "Transfer taken back.") || !strings.Contains(back.body, `action="/cases/`+c.ID+`/transfers"`) {
		t.Errorf("the case page after taking it back: %d", back.status)
	}
	if got, err := s.app.GetTransfer(t.Context(), s.users["south-coord"], tr.ID); err != nil || got.Status != data.TransferWithdrawn {
		t.Errorf("the transfer as south reads it: %s, %v", got.Status, err)
	}
	if p := k.post("/transfers/"+tr.ID+"/withdraw", nil); p.status != http.StatusConflict || !strings.Contains(p.body, "already answered or taken back") {
		t.Errorf("taking it back twice: %d", p.status)
	}
}

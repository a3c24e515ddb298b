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

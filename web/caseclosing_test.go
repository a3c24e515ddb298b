package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// TestCaseClosingPage: the case page shows the case's state; a social
// worker closes the case with its button, the page then says since when
// it is closed, offers no search and offers to reopen it; a case with an
// open offer stays open, and the page says why (409).
func TestCaseClosingPage(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.signIn(data.RoleSocialWorker)
	ctx := t.Context()
	sw := s.users[data.RoleSocialWorker]
	c, err := s.app.CreateCase(ctx, sw, data.Case{Reference: "CL-1", Child: data.Child{Languages: []string{"ti"}}})
	if err != nil {
		t.Fatal(err)
	}
	p := b.get("/cases/" + c.ID)
	if !strings.Contains(p.body, `<dd class="case-state">Open</dd>`) || !strings.Contains(p.body, `action="/cases/`+c.ID+`/close"`) {
		t.Fatalf("an open case's page: %d\n%s", p.status, p.body)
	}
	p = b.post("/cases/"+c.ID+"/close", nil)
	if p.status != http.StatusSeeOther || p.location() != "/cases/"+c.ID+"?notice=case-closed" {
		t.Fatalf("close: %d → %q\n%s", p.status, p.location(), p.body)
	}
	p = b.get(p.location())
	if !strings.Contains(p.body, "Closed since ") || !strings.Contains(p.body, "Case closed.") || strings.Contains(p.body, `action="/cases/`+c.ID+`/matches"`) ||
		!strings.Contains(p.body, `action="/cases/`+c.ID+`/reopen"`) {
		t.Errorf("a closed case's page:\n%s", p.body)
	}
	p = b.post("/cases/"+c.ID+"/reopen", nil)
	if p.status != http.StatusSeeOther || !strings.Contains(b.get(p.location()).body, `<dd class="case-state">Open</dd>`) {
		t.Fatalf("reopen: %d → %q", p.status, p.location())
	}

	// The offer is made as of the pages' clock (s.now), not the machine's.
	start := s.now.UTC().Add(72 * time.Hour).Truncate(time.Hour)
	o := data.Offer{ID: data.NewID(s.now), Organisation: c.Organisation, CaseID: c.ID, CaseReference: c.Reference, CreatedBy: sw.ID,
		Start: start, End: start.Add(time.Hour), InterviewType: data.InterviewHealth, Modality: data.ModalityVideo, Mode: data.OfferCascade,
		RespondWithin: time.Hour, Status: data.OfferOpen, Invitations: []data.Invitation{{InterpreterID: "int-1", Status: data.InvitationQueued}},
		Version: 1, CreatedAt: s.now, UpdatedAt: s.now}
	if err := s.store.CreateOffer(ctx, o, data.Audited(data.NewAuditEntry(s.now, sw, c.Organisation, data.ActionOfferCreated, data.EntityOffer, o.ID))); err != nil {
		t.Fatal(err)
	}
	p = b.post("/cases/"+c.ID+"/close", nil)
	if p.status != http.StatusConflict || !strings.Contains(p.body, "open offer") || !strings.Contains(p.body, `<dd class="case-state">Open</dd>`) {
		t.Errorf("closing a case with an open offer: %d\n%s", p.status, p.body)
	}
}

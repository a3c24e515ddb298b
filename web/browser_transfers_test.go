package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// TestBrowserTransfers: south sends a child's case to north; north's
// coordinator answers it on their home page with the mouse: no reason
// chosen for a decline is an error on the page, then the case is
// accepted and opens; then north's coordinator sends that case on from
// its page on a phone, and takes it back. Every page is in words (no
// codes) and passes axe.
func TestBrowserTransfers(t *testing.T) {
	site := newLiveSite(t)
	ctx := t.Context()
	now := time.Now()
	south := map[data.Role]data.User{}
	for _, role := range []data.Role{data.RoleCoordinator, data.RoleSocialWorker} {
		u := data.User{ID: data.NewID(now), Name: "South " + string(role), Email: string(role) + "@south.example", Role: role,
			Organisation: "south", KeyHash: data.HashKey(data.NewAPIKey()), CreatedAt: data.Timestamp(now), UpdatedAt: data.Timestamp(now)}
		if err := site.store.CreateUser(ctx, u, data.Audited(data.NewAuditEntry(now, u, "south", data.ActionUserCreated, data.EntityUser, u.ID))); err != nil {
			t.Fatal(err)
		}
		south[role] = u
	}
	c, err := site.app.CreateCase(ctx, south[data.RoleSocialWorker], data.Case{Reference: "SO-2026-9",
		Child: data.Child{Languages: []string{"ckb"}, AgeBand: data.Age12To15}})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := site.app.RequestTransfer(ctx, south[data.RoleCoordinator], c.ID, app.NewTransfer{ToOrganisation: "north", LegalBasis: data.LegalBasisSafeguarding})
	if err != nil {
		t.Fatal(err)
	}

	b := newLiveTab(t, site)
	b.plain = true
	b.signInWith(site.keys[data.RoleCoordinator])
	b.wantPage("home", b.open("/"), 200, "/")
	b.check("home with a transfer")
	if s := b.text("main"); !strings.Contains(s, "Cases transferred to you") || !strings.Contains(s, "Safeguarding") || !strings.Contains(s, "Kurdish (Sorani)") {
		t.Errorf("the home page: %.600s", s)
	}
	st := b.submit("decline without a reason", chromedp.Click(chromedp.CSS(`form[action="/transfers/`+tr.ID+`/decline"] button[type=submit]`)))
	b.wantPage("decline without a reason", st, 400, "/transfers/"+tr.ID+"/decline")
	b.check("home with an error")
	b.do("reference", chromedp.SendKeys(chromedp.ID("f-reference-"+tr.ID), "NR-FROM-SOUTH"))
	st = b.submit("accept", chromedp.Click(chromedp.CSS(`form[action="/transfers/`+tr.ID+`/accept"] button[type=submit]`)))
	b.wantPage("accept", st, 200, "/cases/")
	b.check("the accepted case")
	if s := b.text("main"); !strings.Contains(s, "NR-FROM-SOUTH") || !strings.Contains(s, "Transferred to you from another organisation") {
		t.Errorf("the new case's page: %.600s", s)
	}

	// The child moves on: north's coordinator sends the case from its
	// page on a phone, then takes the transfer back.
	b.width(375)
	b.do("open the transfer form", chromedp.Click(chromedp.CSS(`#transfer ~ details summary`)))
	b.do("organisation", chromedp.SendKeys(chromedp.ID("f-toOrganisation"), "south"))
	b.do("legal basis", chromedp.Click(chromedp.ID("basis-placement")))
	b.check("the case's transfer form")
	st = b.submit("send", chromedp.Click(chromedp.CSS(`form[action$="/transfers"] button[type=submit]`)))
	b.wantPage("send", st, 200, "/cases/")
	b.check("the case sent")
	if s := b.text("main"); !strings.Contains(s, "Case sent.") || !strings.Contains(s, "Take the transfer back") {
		t.Errorf("the case page after sending: %.800s", s)
	}
	if sw := eval[float64](b, `document.documentElement.scrollWidth`); sw > 375 {
		t.Errorf("the case page is %v px wide on a 375 px screen", sw)
	}
	b.screenshot("case-sent-375")
	st = b.submit("take it back", chromedp.Click(chromedp.CSS(`form[action$="/withdraw"] button[type=submit]`)))
	b.wantPage("take it back", st, 200, "/cases/")
	if s := b.text("main"); !strings.Contains(s, "Transfer taken back.") {
		t.Errorf("the case page after taking it back: %.800s", s)
	}
}

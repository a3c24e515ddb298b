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
// accepted and opens. Every page is in words (no codes) and passes axe.
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
}

package web_test

import (
	"strings"
	"testing"

	"github.com/tolk/tolk/data"
)

// A case whose community links change more often in a day than the policy
// lets pass is shown on the coordinators' home page, with who changed it
// and never a link's value (issue 22, item 1); a social worker's home page
// shows nothing of it.
func TestHomeShowsLinkChurnToCoordinators(t *testing.T) {
	s := newSite(t)
	sw := s.users[data.RoleSocialWorker]
	c := s.offerCase("LN-1")
	k := s.browser()
	k.signIn(data.RoleCoordinator)
	if home := k.get("/"); strings.Contains(home.body, "Community links changed often") {
		t.Fatalf("the home page shows a notice before any change:\n%s", home.body)
	}
	towns := []string{"Ranya", "Qaladiza", "Penjwen", "Halabja"}
	for _, town := range towns {
		next := c
		next.Child.CommunityLinks = []data.CommunityLink{{Kind: data.LinkTown, Value: town}}
		var err error
		if c, err = s.app.UpdateCase(t.Context(), sw, c.ID, c.Version, next); err != nil {
			t.Fatal(err)
		}
	}
	home := k.get("/")
	for _, want := range []string{"Community links changed often", `href="/cases/` + c.ID + `"`, "case LN-1", sw.Name} {
		if !strings.Contains(home.body, want) {
			t.Errorf("the coordinator's home page lacks %q:\n%s", want, home.body)
		}
	}
	for _, town := range towns {
		if strings.Contains(home.body, town) {
			t.Errorf("the home page shows the link %q", town)
		}
	}
	w := s.browser()
	w.signIn(data.RoleSocialWorker)
	if home := w.get("/"); strings.Contains(home.body, "Community links changed often") {
		t.Errorf("a social worker's home page shows the notice")
	}
}

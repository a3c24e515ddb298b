package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tolk/tolk/data"
)

// TestInterpreterLeftAndHeldPage: a coordinator records on the record's
// page that an interpreter left (the decision's radio), and the page then
// shows them as left and, once held, on a legal hold.
func TestInterpreterLeftAndHeldPage(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.signIn(data.RoleCoordinator)
	ctx := t.Context()
	coord := s.users[data.RoleCoordinator]
	in, err := s.app.CreateInterpreter(ctx, coord, data.Interpreter{Name: "Dara Left (fictional)", Email: "dara@interpreters.example",
		Gender: data.GenderFemale, Languages: []data.LanguageSkill{{Tag: "ti", Proficiency: data.ProficiencyNative}}})
	if err != nil {
		t.Fatal(err)
	}
	p := b.get("/interpreters/" + in.ID)
	if !strings.Contains(p.body, `value="leave"`) {
		t.Fatalf("the vetting form offers no leaving:\n%s", p.body)
	}
	p = b.post("/interpreters/"+in.ID+"/vetting", url.Values{"decision": {"leave"}, "note": {"moved abroad"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("leave: %d\n%s", p.status, p.body)
	}
	if _, err := s.app.SetInterpreterHold(ctx, coord, in.ID, true); err != nil {
		t.Fatal(err)
	}
	p = b.get("/interpreters/" + in.ID)
	if !strings.Contains(p.body, `tag-left">Left<`) || !strings.Contains(p.body, "On a legal hold") {
		t.Errorf("the page of a held interpreter who left:\n%s", p.body)
	}
}

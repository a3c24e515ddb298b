package app_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/matching"
)

// guesses are towns a social worker might try, one of them the town an
// interpreter declared.
func guesses(n int) []data.CommunityLink {
	out := make([]data.CommunityLink, n)
	for i := range out {
		out[i] = data.CommunityLink{Kind: data.LinkTown, Value: fmt.Sprintf("Town %03d", i)}
	}
	return out
}

// TestCommunityLinksOracleClosed is the probe of issue 22: a social worker
// edits their own case's community links and matches again, and the
// exclusion (community_conflict) says whether the interpreter declared one
// of the towns tried. The rule stays, and so does its code; what closes
// the oracle is the number of guesses: at most data.MaxCaseLinks a
// version, and caseLinkChangesPerDay changes a day, refused beyond with
// community_link_changes_limited naming when they are allowed again.
func TestCommunityLinksOracleClosed(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	target := eligible("target")
	target.CommunityLinks = []data.CommunityLink{{Kind: data.LinkTown, Value: "Town 187"}}
	in := e.interpreter(target, data.DecisionApprove)
	c := e.newCase(sw, "NR-1")

	towns := guesses(200)
	fields := c
	fields.Child.CommunityLinks = towns[:50]
	_, err := e.app.UpdateCase(ctx, sw, c.ID, c.Version, fields)
	if f := wantKind(t, err, app.KindInvalid); len(f.Fields) != 1 || f.Fields[0].Field != "child.communityLinks" {
		t.Errorf("50 links: fields %v, want child.communityLinks", f.Fields)
	}

	tried, found := 0, false
	for tried < len(towns) {
		fields.Child.CommunityLinks = towns[tried:min(tried+20, len(towns))]
		updated, err := e.app.UpdateCase(ctx, sw, c.ID, c.Version, fields)
		if err != nil {
			f := wantCode(t, err, app.KindConflict, "community_link_changes_limited")
			if !strings.Contains(f.Message, "2026-11-23") {
				t.Errorf("refusal %q does not say when the change is allowed again", f.Message)
			}
			break
		}
		c = updated
		tried += len(fields.Child.CommunityLinks)
		res, err := e.app.Match(ctx, sw, c.ID, matchAt(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range res.Excluded {
			for _, r := range ex.Reasons {
				found = found || (ex.Interpreter.ID == in.ID && r.Code == matching.CodeCommunityConflict)
			}
		}
	}
	if want := matching.DefaultPolicy().CaseLinkChangesPerDay * data.MaxCaseLinks; tried != want || found {
		t.Errorf("tried %d towns in a day (found the declared one: %v), want %d and not found", tried, found, want)
	}

	// The same case's screened fields change again the next UK day; any
	// other field changes meanwhile.
	fields.Child.AgeBand = data.Age16To17
	fields.Child.CommunityLinks = c.Child.CommunityLinks
	if c, err = e.app.UpdateCase(ctx, sw, c.ID, c.Version, fields); err != nil {
		t.Fatalf("a change of the age band alone: %v", err)
	}
	e.now = time.Date(2026, 11, 23, 0, 0, 0, 0, data.London)
	fields.Child.CommunityLinks = towns[180:200]
	if _, err := e.app.UpdateCase(ctx, sw, c.ID, c.Version, fields); err != nil {
		t.Errorf("the next day: %v", err)
	}
}

// TestLinkChurnNotice: each change of a case's community links beyond
// linkChurnNoticeAfter in a day is a notice to the organisation's
// coordinators, naming who made it: an audit entry in the organisation's
// notice scope, a message to each coordinator (never a link's value), and
// a line their home page lists. Other organisations hear nothing; a
// change that leaves the screened fields as they were (links reordered, a
// town re-capitalised, the age band) counts for nothing.
func TestLinkChurnNotice(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw, coord := e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]
	c := e.newCase(sw, "NR-7")
	towns := guesses(10)
	change := func(links ...data.CommunityLink) {
		t.Helper()
		fields := c
		fields.Child.CommunityLinks = links
		var err error
		if c, err = e.app.UpdateCase(ctx, sw, c.ID, c.Version, fields); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		change(towns[i])
	}
	change(data.CommunityLink{Kind: data.LinkTown, Value: strings.ToUpper(towns[2].Value)}) // the same town
	fields := c
	fields.Child.AgeBand = data.Age6To11
	c, _ = e.app.UpdateCase(ctx, sw, c.ID, c.Version, fields)
	if got := ofKind(e.outbox("north"), data.MessageLinksChurn); len(got) != 0 {
		t.Fatalf("%d notices after three changes, want none", len(got))
	}
	e.now = e.now.Add(time.Minute)
	change(towns[3], towns[4])

	msgs := ofKind(e.outbox("north"), data.MessageLinksChurn)
	if len(msgs) != 1 || msgs[0].To != coord.Email || msgs[0].RecipientRole != data.RoleCoordinator {
		t.Fatalf("notices %+v, want one to north's coordinator", msgs)
	}
	m := msgs[0]
	if !strings.Contains(m.Subject, "NR-7") || !strings.Contains(m.Text, sw.Name) || !strings.Contains(m.Text, "4 times") {
		t.Errorf("notice %q / %q does not name the case, the social worker and the count", m.Subject, m.Text)
	}
	for _, l := range towns {
		if strings.Contains(m.Text+m.HTML+m.Subject, l.Value) {
			t.Errorf("the notice carries the link %q", l.Value)
		}
	}
	if got := ofKind(e.outbox("south"), data.MessageLinksChurn); len(got) != 0 {
		t.Errorf("south heard of north's case: %+v", got)
	}
	wantActions := []data.Action{data.ActionCaseCreated, data.ActionCaseLinksChanged, data.ActionCaseLinksChanged,
		data.ActionCaseLinksChanged, data.ActionCaseUpdated, data.ActionCaseUpdated, data.ActionCaseLinksChanged, data.ActionCaseLinksChurn}
	if got := e.actions(c.ID); !slices.Equal(got, wantActions) {
		t.Errorf("case history %v, want %v", got, wantActions)
	}
	audit, err := e.app.ListAudit(ctx, coord, app.AuditFilter{EntityID: c.ID})
	if err != nil || len(audit.Items) != len(wantActions) || audit.Items[0].Action != data.ActionCaseLinksChurn ||
		audit.Items[0].Actor != sw.ID || audit.Items[0].Scope != data.NoticeScope("north") {
		t.Errorf("north's coordinator reads %+v, %v; want the notice, naming the social worker, first", audit.Items, err)
	}

	notices, err := e.app.LinkNotices(ctx, coord, "", 20)
	if err != nil {
		t.Fatal(err)
	}
	want := []app.LinkNotice{{At: e.now, CaseID: c.ID, CaseReference: "NR-7", ActorID: sw.ID, ActorName: sw.Name}}
	if diff := cmp.Diff(want, notices.Items); diff != "" {
		t.Errorf("notices (-want +got):\n%s", diff)
	}
	if notices, err := e.app.LinkNotices(ctx, e.south[data.RoleCoordinator], "", 20); err != nil || len(notices.Items) != 0 {
		t.Errorf("south's coordinator: %+v, %v", notices.Items, err)
	}
	_, err = e.app.LinkNotices(ctx, sw, "", 20)
	wantKind(t, err, app.KindForbidden)
	e.checkConsistent()
}

// TestUserLinkChangesLimited: one user sets the screened fields of at
// most userLinkChangesPerDay cases a day, creations with links included,
// whichever cases they spread them over; a case created with nothing but
// its reference counts for nothing.
func TestUserLinkChangesLimited(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	p := matching.DefaultPolicy()
	p.UserLinkChangesPerDay = 3
	a := app.New(app.Config{Store: e.store, Now: func() time.Time { return e.now }, Policy: &p})
	sw := e.north[data.RoleSocialWorker]
	towns := guesses(10)

	withLinks := caseFields("NR-1")
	withLinks.Child.CommunityLinks = towns[:1]
	if _, err := a.CreateCase(ctx, sw, withLinks); err != nil {
		t.Fatal(err)
	}
	bare, err := a.CreateCase(ctx, sw, caseFields("NR-2"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.CreateCase(ctx, sw, caseFields("NR-3"))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range []data.Case{bare, other} {
		fields := c
		fields.Child.CommunityLinks = towns[i+1 : i+2]
		if _, err := a.UpdateCase(ctx, sw, c.ID, c.Version, fields); err != nil {
			t.Fatal(err)
		}
	}
	withLinks.Reference = "NR-4"
	_, err = a.CreateCase(ctx, sw, withLinks)
	f := wantCode(t, err, app.KindConflict, "community_link_changes_limited")
	if !strings.Contains(f.Message, "2026-11-23") {
		t.Errorf("refusal %q does not say when", f.Message)
	}
	if _, err := a.CreateCase(ctx, e.north[data.RoleCoordinator], withLinks); err != nil {
		t.Errorf("another user: %v", err)
	}
	if got := e.actions(sw.ID); !slices.Contains(got, data.ActionUserCaseLinksChanged) {
		t.Errorf("the social worker's history %v lacks %s", got, data.ActionUserCaseLinksChanged)
	}
}

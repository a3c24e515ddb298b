package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// TestCreateFeedRoles: social workers subscribe to their own bookings,
// coordinators to an interpreter's or the organisation's; no one else.
func TestCreateFeedRoles(t *testing.T) {
	e := newEnv(t)
	in := e.approved("hana")
	scopes := map[data.FeedScope]data.Role{
		data.FeedMine: data.RoleSocialWorker, data.FeedInterpreter: data.RoleCoordinator, data.FeedOrganisation: data.RoleCoordinator,
	}
	for scope, role := range scopes {
		for who, actor := range e.roles() {
			t.Run(string(scope)+"/"+who, func(t *testing.T) {
				nf := app.NewFeed{Scope: scope}
				if scope == data.FeedInterpreter {
					nf.InterpreterID = in.ID
				}
				want := app.KindForbidden
				if actor.Role == role {
					want = allow
				}
				f, token, err := e.app.CreateFeed(t.Context(), actor, nf)
				if !expect(t, err, want) {
					return
				}
				if f.Owner != actor.ID || f.Organisation != actor.Organisation || f.Version != 1 || !strings.HasPrefix(token, "tolkcal_") ||
					f.TokenHash != data.HashKey(token) || f.Revoked() {
					t.Errorf("feed %+v, token %q", f, token)
				}
				if diff := cmp.Diff([]data.Action{data.ActionFeedCreated}, e.actions(f.ID)); diff != "" {
					t.Errorf("audit (-want +got):\n%s", diff)
				}
			})
		}
	}
	coord := e.north[data.RoleCoordinator]
	tests := []struct {
		name  string
		actor data.User
		nf    app.NewFeed
		field string
	}{
		{"an unknown scope", coord, app.NewFeed{Scope: "everything"}, "scope"},
		{"an interpreter feed without an interpreter", coord, app.NewFeed{Scope: data.FeedInterpreter}, "interpreterId"},
		{"an interpreter feed of no interpreter", coord, app.NewFeed{Scope: data.FeedInterpreter, InterpreterID: "nobody"}, "interpreterId"},
		{"an organisation feed naming an interpreter", coord, app.NewFeed{Scope: data.FeedOrganisation, InterpreterID: in.ID}, "interpreterId"},
		{"a feed of one's own naming an interpreter", e.north[data.RoleSocialWorker], app.NewFeed{Scope: data.FeedMine, InterpreterID: in.ID}, "interpreterId"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := e.app.CreateFeed(t.Context(), tc.actor, tc.nf)
			f := wantKind(t, err, app.KindInvalid)
			if len(f.Fields) != 1 || f.Fields[0].Field != tc.field {
				t.Errorf("fields %v, want %s", f.Fields, tc.field)
			}
		})
	}
}

// TestFeedOwnership: a feed is its owner's alone: listed, revoked and
// found by no one else, in the organisation or outside it.
func TestFeedOwnership(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	f, token, err := e.app.CreateFeed(ctx, sw, app.NewFeed{Scope: data.FeedMine})
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range []data.User{e.north[data.RoleCoordinator], e.north[data.RoleAdmin], e.south[data.RoleSocialWorker], e.boot} {
		page, err := e.app.ListFeeds(ctx, other, "", 0)
		if err != nil || len(page.Items) != 0 {
			t.Errorf("%s of %s lists %d feeds, %v", other.Role, other.Organisation, len(page.Items), err)
		}
		wantCode(t, e.app.RevokeFeed(ctx, other, f.ID), app.KindNotFound, "not_found")
	}
	wantKind(t, e.app.RevokeFeed(ctx, sw, "nothing"), app.KindNotFound)
	if _, err := e.app.RenderFeed(ctx, token, app.FeedConditions{}); err != nil {
		t.Errorf("the feed stopped working: %v", err)
	}

	page, err := e.app.ListFeeds(ctx, sw, "", 0)
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != f.ID {
		t.Errorf("owner lists %+v, %v", page.Items, err)
	}
	for range 2 { // revoking twice is harmless
		if err := e.app.RevokeFeed(ctx, sw, f.ID); err != nil {
			t.Errorf("RevokeFeed: %v", err)
		}
	}
	_, err = e.app.RenderFeed(ctx, token, app.FeedConditions{})
	wantKind(t, err, app.KindNotFound)
	if diff := cmp.Diff([]data.Action{data.ActionFeedCreated, data.ActionFeedRevoked}, e.actions(f.ID)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	page, _ = e.app.ListFeeds(ctx, sw, "", 0)
	if len(page.Items) != 1 || !page.Items[0].Revoked() {
		t.Errorf("revoked feeds are listed: %+v", page.Items)
	}
	e.checkConsistent()
}

// TestRenderFeed: each scope shows its bookings of its organisation, and
// the ETag changes with the organisation's changes and the day only.
func TestRenderFeed(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw, coord := e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]
	hana, dara := e.approved("hana"), e.approved("dara")
	c := e.newCase(sw, "NR-1")
	mine := e.book(sw, request(c.ID, hana.ID, 0))
	coords := e.book(coord, request(c.ID, dara.ID, 1))
	south := e.south[data.RoleSocialWorker]
	theirs := e.book(south, request(e.newCase(south, "SO-1").ID, hana.ID, 2))

	feeds := map[string]app.NewFeed{
		"mine":         {Scope: data.FeedMine},
		"interpreter":  {Scope: data.FeedInterpreter, InterpreterID: hana.ID},
		"organisation": {Scope: data.FeedOrganisation},
	}
	want := map[string][]string{
		"mine":         {mine.ID},
		"interpreter":  {mine.ID},
		"organisation": {mine.ID, coords.ID},
	}
	tokens := map[string]string{}
	for name, nf := range feeds {
		actor := coord
		if nf.Scope == data.FeedMine {
			actor = sw
		}
		_, token, err := e.app.CreateFeed(ctx, actor, nf)
		if err != nil {
			t.Fatal(err)
		}
		tokens[name] = token
		cal, err := e.app.RenderFeed(ctx, token, app.FeedConditions{})
		if err != nil {
			t.Fatal(err)
		}
		body := unfold(cal.Body)
		for _, b := range []data.Booking{mine, coords, theirs} {
			shown := strings.Contains(body, "UID:"+b.ID+"@tolk")
			if shown != slices.Contains(want[name], b.ID) {
				t.Errorf("%s feed shows booking %s: %v", name, b.ID, shown)
			}
		}
	}

	token := tokens["organisation"]
	first, err := e.app.RenderFeed(ctx, token, app.FeedConditions{})
	if err != nil {
		t.Fatal(err)
	}
	if cal, err := e.app.RenderFeed(ctx, token, app.FeedConditions{IfNoneMatch: first.ETag}); err != nil || !cal.NotModified || cal.Body != nil {
		t.Errorf("same ETag: not modified %v, %d bytes, %v", cal.NotModified, len(cal.Body), err)
	}
	// Another organisation's change leaves it as it is.
	if _, err := e.app.CancelBooking(ctx, south, theirs.ID, "ill"); err != nil {
		t.Fatal(err)
	}
	if cal, _ := e.app.RenderFeed(ctx, token, app.FeedConditions{IfNoneMatch: first.ETag}); !cal.NotModified {
		t.Error("south's change changed north's feed")
	}
	// Its own organisation's change does.
	if _, err := e.app.CancelBooking(ctx, sw, mine.ID, "ill"); err != nil {
		t.Fatal(err)
	}
	second, _ := e.app.RenderFeed(ctx, token, app.FeedConditions{IfNoneMatch: first.ETag})
	if second.NotModified || second.ETag == first.ETag || !strings.Contains(string(second.Body), "STATUS:CANCELLED") {
		t.Errorf("after a cancellation: not modified %v, ETag %s", second.NotModified, second.ETag)
	}
	// So does the next day.
	e.now = e.now.Add(24 * time.Hour)
	if third, _ := e.app.RenderFeed(ctx, token, app.FeedConditions{IfNoneMatch: second.ETag}); third.NotModified {
		t.Error("the ETag did not change with the day")
	}
	_, err = e.app.RenderFeed(ctx, "tolkcal_nosuchtoken", app.FeedConditions{})
	wantKind(t, err, app.KindNotFound)
}

// unfold joins iCalendar's folded lines.
func unfold(b []byte) string {
	return strings.NewReplacer("\r\n ", "", "\n ", "").Replace(string(b))
}

// TestBookingInvite: a request while the booking stands, a cancellation
// once it is cancelled, from the social worker to the interpreter.
func TestBookingInvite(t *testing.T) {
	x := newBooked(t)
	ctx := t.Context()
	inv, err := x.app.BookingInvite(ctx, x.north[data.RoleCoordinator], x.b.ID)
	if err != nil {
		t.Fatal(err)
	}
	body := unfold(inv)
	for _, want := range []string{"METHOD:REQUEST", "mailto:" + x.sw.Email, "mailto:" + x.in.Email} {
		if !strings.Contains(body, want) {
			t.Errorf("invite lacks %q:\n%s", want, body)
		}
	}
	if _, err := x.app.CancelBooking(ctx, x.sw, x.b.ID, "ill"); err != nil {
		t.Fatal(err)
	}
	inv, err = x.app.BookingInvite(ctx, x.sw, x.b.ID)
	if err != nil || !strings.Contains(string(inv), "METHOD:CANCEL") {
		t.Errorf("invite of a cancelled booking: %v\n%s", err, inv)
	}
	_, err = x.app.BookingInvite(ctx, x.sw, "nothing")
	wantKind(t, err, app.KindNotFound)
}

// interpreterReads counts the store's reads of interpreter records.
type interpreterReads struct {
	data.Store
	n int
}

func (s *interpreterReads) Interpreter(ctx context.Context, id string) (data.Interpreter, error) {
	s.n++
	return s.Store.Interpreter(ctx, id)
}

// TestFeedsNameInterpreters: a social worker's own feed and the
// organisation's name each event's interpreter in its SUMMARY, reading
// each interpreter once; an interpreter's feed and free/busy name nobody;
// renaming an interpreter changes the named feeds' ETag.
func TestFeedsNameInterpreters(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw, coord := e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]
	nazdar, dara := e.approved("Nazdar Ali"), e.approved("Dara Jaf")
	c := e.newCase(sw, "NR-2026-0042")
	e.book(sw, request(c.ID, nazdar.ID, 0))
	e.book(sw, request(c.ID, nazdar.ID, 1))
	e.book(sw, request(c.ID, dara.ID, 2))
	reads := &interpreterReads{Store: e.store}
	a := e.appOver(reads)

	render := func(actor data.User, nf app.NewFeed, cond app.FeedConditions) (string, app.FeedCalendar) {
		t.Helper()
		_, token, err := a.CreateFeed(ctx, actor, nf)
		if err != nil {
			t.Fatal(err)
		}
		reads.n = 0
		cal, err := a.RenderFeed(ctx, token, cond)
		if err != nil {
			t.Fatal(err)
		}
		return token, cal
	}
	summaries := func(body []byte) []string {
		var out []string
		for _, l := range strings.Split(unfold(body), "\r\n") {
			if s, ok := strings.CutPrefix(l, "SUMMARY:"); ok {
				out = append(out, s)
			}
		}
		slices.Sort(out)
		return out
	}
	named := []string{
		"Dara Jaf: ABE police interview (NR-2026-0042)",
		"Nazdar Ali: ABE police interview (NR-2026-0042)",
		"Nazdar Ali: ABE police interview (NR-2026-0042)",
	}
	orgToken, org := render(coord, app.NewFeed{Scope: data.FeedOrganisation}, app.FeedConditions{})
	if diff := cmp.Diff(named, summaries(org.Body)); diff != "" {
		t.Errorf("the organisation's feed (-want +got):\n%s", diff)
	}
	if reads.n != 2 {
		t.Errorf("the organisation's feed read interpreters %d times for 3 bookings of 2, want 2", reads.n)
	}
	if _, mine := render(sw, app.NewFeed{Scope: data.FeedMine}, app.FeedConditions{}); !slices.Equal(summaries(mine.Body), named) {
		t.Errorf("the social worker's own feed: %q", summaries(mine.Body))
	}
	interpToken, interp := render(coord, app.NewFeed{Scope: data.FeedInterpreter, InterpreterID: nazdar.ID}, app.FeedConditions{})
	if got := summaries(interp.Body); len(got) != 2 || got[0] != "Interpreter: ABE police interview (NR-2026-0042)" || reads.n != 0 {
		t.Errorf("an interpreter's feed: %q, %d interpreter reads", got, reads.n)
	}
	_, busy := render(e.interpreterUser(nazdar), app.NewFeed{Scope: data.FeedFreeBusy}, app.FeedConditions{})
	for _, name := range []string{"Nazdar", "SUMMARY"} {
		if strings.Contains(string(busy.Body), name) {
			t.Errorf("the free/busy feed holds %q:\n%s", name, busy.Body)
		}
	}

	// A rename changes the named feeds' ETag, and they show the new name.
	interp, err := a.RenderFeed(ctx, interpToken, app.FeedConditions{}) // the user and feed above moved it
	if err != nil {
		t.Fatal(err)
	}
	org, err = a.RenderFeed(ctx, orgToken, app.FeedConditions{})
	if err != nil {
		t.Fatal(err)
	}
	cur, err := e.store.Interpreter(ctx, nazdar.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.UpdateInterpreter(ctx, coord, nazdar.ID, cur.Version, eligible("Nazdar Ali-Karim")); err != nil {
		t.Fatal(err)
	}
	after, err := a.RenderFeed(ctx, orgToken, app.FeedConditions{IfNoneMatch: org.ETag})
	if err != nil {
		t.Fatal(err)
	}
	if after.NotModified || after.ETag == org.ETag || !strings.Contains(unfold(after.Body), "SUMMARY:Nazdar Ali-Karim: ABE") {
		t.Errorf("after a rename the organisation's feed: not modified %v, same ETag %v", after.NotModified, after.ETag == org.ETag)
	}
	// An interpreter's feed names nobody: the register does not move it.
	if again, err := a.RenderFeed(ctx, interpToken, app.FeedConditions{IfNoneMatch: interp.ETag}); err != nil || !again.NotModified {
		t.Errorf("after a rename the interpreter's feed is not current (%v)", err)
	}
}

// TestJoinDetailsOnlyToTheInterpreter: the link of a video interview goes
// in the interpreter's invitation (its letter and its calendar) and
// reminder, and in no feed (the calendar package's test covers free/busy).
func TestJoinDetailsOnlyToTheInterpreter(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw, coord := e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]
	in := e.approved("Nazdar Ali")
	c := e.newCase(sw, "NR-2026-0042")
	nb := request(c.ID, in.ID, 2)
	nb.JoinDetails = "https://meet.example.org/JOIN-7731"
	b := e.book(sw, nb)
	if b.JoinDetails != nb.JoinDetails {
		t.Errorf("the booking's join details %q, want %q", b.JoinDetails, nb.JoinDetails)
	}
	for _, kind := range []data.MessageKind{data.MessageBookingRequest, data.MessageBookingReminder} {
		ms := ofKind(e.outbox("north"), kind)
		if len(ms) != 1 || !strings.Contains(ms[0].Text, "How to join: https://meet.example.org/JOIN-7731") || ms[0].To != in.Email {
			t.Fatalf("%s messages %d, want one to the interpreter saying how to join", kind, len(ms))
		}
		if kind == data.MessageBookingRequest && !strings.Contains(unfold(ms[0].Calendar), "JOIN-7731") {
			t.Errorf("the invitation's calendar does not say how to join:\n%s", ms[0].Calendar)
		}
	}
	for _, nf := range []app.NewFeed{
		{Scope: data.FeedOrganisation}, {Scope: data.FeedMine},
		{Scope: data.FeedInterpreter, InterpreterID: in.ID},
	} {
		actor := coord
		if nf.Scope == data.FeedMine {
			actor = sw
		}
		_, token, err := e.app.CreateFeed(ctx, actor, nf)
		if err != nil {
			t.Fatalf("%s: %v", nf.Scope, err)
		}
		cal, err := e.app.RenderFeed(ctx, token, app.FeedConditions{})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(unfold(cal.Body), "JOIN-7731") {
			t.Errorf("the %s feed carries the join details", nf.Scope)
		}
	}
}

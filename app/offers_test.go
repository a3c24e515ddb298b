package app_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// interpreterUser makes the user of an interpreter record, in north, by
// north's coordinator.
func (e *env) interpreterUser(in app.Interpreter) data.User {
	e.t.Helper()
	u, key, err := e.app.CreateUser(e.t.Context(), e.north[data.RoleCoordinator], app.NewUser{Role: data.RoleInterpreter, InterpreterID: in.ID})
	if err != nil {
		e.t.Fatalf("interpreter user of %s: %v", in.Name, err)
	}
	e.keys[u.ID] = key
	return u
}

// offer is an offer of the tests' interview to these interpreters.
func offer(caseID string, mode data.OfferMode, ids ...string) app.NewOffer {
	return app.NewOffer{
		CaseID: caseID, Start: interview, End: interview.Add(90 * time.Minute),
		InterviewType: data.InterviewABEPolice, Modality: data.ModalityVideo, Location: "Video link",
		JoinDetails: "https://meet.example.org/offer-1", InterpreterIDs: ids, Mode: mode,
	}
}

func statuses(o data.Offer) []data.InvitationStatus {
	var out []data.InvitationStatus
	for _, inv := range o.Invitations {
		out = append(out, inv.Status)
	}
	return out
}

// TestCascadeOfThree is the first scenario: a cascade to three;
// the first declines declaring a conflict (and is kept out of the case
// from then on), the second lets the invitation expire, the third
// accepts: one confirmed booking, the offer's history shows each step,
// and the audit holds each.
func TestCascadeOfThree(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	a, b, c := e.approved("Ana Aziz"), e.approved("Bea Baran"), e.approved("Cem Celik")
	ua, ub, uc := e.interpreterUser(a), e.interpreterUser(b), e.interpreterUser(c)
	cs := e.newCase(sw, "CASCADE-1")

	o, err := e.app.CreateOffer(ctx, sw, offer(cs.ID, data.OfferCascade, a.ID, b.ID, c.ID))
	if err != nil {
		t.Fatal(err)
	}
	want := []data.InvitationStatus{data.InvitationPending, data.InvitationQueued, data.InvitationQueued}
	if got := statuses(o); !slices.Equal(got, want) {
		t.Fatalf("a new cascade: %v, want %v", got, want)
	}
	if o.RespondWithin != app.RespondWithin { // the interview is eight days away
		t.Errorf("answer window %v, want %v", o.RespondWithin, app.RespondWithin)
	}
	// b is not asked yet: nothing shows to them, and answering is refused.
	if page, err := e.app.MyInvitations(ctx, ub, "", "", 0); err != nil || len(page.Items) != 0 {
		t.Errorf("b's invitations before their turn: %v (%v), want none", page.Items, err)
	}
	if _, err := e.app.AcceptOffer(ctx, ub, o.ID, true); app.Classify(err).Code != data.ErrOfferClosed {
		t.Errorf("b accepting before their turn: %v, want offer_closed", err)
	}

	// The first declines: a conflict. The cascade asks the second.
	if _, err := e.app.DeclineOffer(ctx, ua, o.ID, data.DeclineConflict); err != nil {
		t.Fatal(err)
	}
	o, _ = e.app.GetOffer(ctx, sw, o.ID)
	want = []data.InvitationStatus{data.InvitationDeclined, data.InvitationPending, data.InvitationQueued}
	if got := statuses(o); !slices.Equal(got, want) {
		t.Fatalf("after the decline: %v, want %v", got, want)
	}
	res, err := e.app.Match(ctx, sw, cs.ID, app.MatchRequest{Start: interview.Add(24 * time.Hour), End: interview.Add(25 * time.Hour),
		InterviewType: data.InterviewABEPolice, Modality: data.ModalityVideo})
	if err != nil {
		t.Fatal(err)
	}
	if !excludedAs(res, a.ID, "excluded_by_case") {
		t.Errorf("the interpreter who declared a conflict is not excluded_by_case in the case's next match: %+v", res.Excluded)
	}

	// The second lets it expire: a reader sees it expired at once; the
	// expirer then asks the third.
	e.now = o.Invitations[1].RespondBy.Add(time.Second)
	if o, _ = e.app.GetOffer(ctx, sw, o.ID); o.Invitations[1].Status != data.InvitationExpired {
		t.Errorf("a pending invitation past its time reads as %s, want expired", o.Invitations[1].Status)
	}
	if _, err := e.app.AcceptOffer(ctx, ub, o.ID, true); app.Classify(err).Code != data.ErrOfferClosed {
		t.Errorf("b accepting after their time ran out: %v, want offer_closed", err)
	}
	if n, err := e.app.ExpireOffers(ctx, 10); err != nil || n != 1 {
		t.Fatalf("expirer moved %d (%v), want 1", n, err)
	}
	o, _ = e.app.GetOffer(ctx, sw, o.ID)
	want = []data.InvitationStatus{data.InvitationDeclined, data.InvitationExpired, data.InvitationPending}
	if got := statuses(o); !slices.Equal(got, want) {
		t.Fatalf("after the expiry: %v, want %v", got, want)
	}

	// The third accepts, declaring no known conflict.
	if _, err := e.app.AcceptOffer(ctx, uc, o.ID, false); app.Classify(err).Kind != app.KindInvalid {
		t.Errorf("accepting without the declaration: %v, want invalid", err)
	}
	bk, err := e.app.AcceptOffer(ctx, uc, o.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if bk.Status != data.BookingConfirmed || bk.Confirmation != data.ConfirmationOffer || bk.OfferID != o.ID || bk.InterpreterID != c.ID || bk.BookedBy != sw.ID {
		t.Errorf("the booking: %+v", bk)
	}
	o, _ = e.app.GetOffer(ctx, sw, o.ID)
	want = []data.InvitationStatus{data.InvitationDeclined, data.InvitationExpired, data.InvitationAccepted}
	if got := statuses(o); o.Status != data.OfferFilled || o.BookingID != bk.ID || !slices.Equal(got, want) {
		t.Errorf("the filled offer: %s %q %v", o.Status, o.BookingID, got)
	}
	page, err := e.app.ListBookings(ctx, sw, app.BookingFilter{CaseID: cs.ID})
	if err != nil || len(page.Items) != 1 {
		t.Errorf("bookings of the case: %d (%v), want 1", len(page.Items), err)
	}
	wantActions := []data.Action{data.ActionOfferCreated, data.ActionOfferDeclined, data.ActionOfferExpired, data.ActionOfferAccepted}
	if got := e.actions(o.ID); !slices.Equal(got, wantActions) {
		t.Errorf("the offer's audit %v, want %v", got, wantActions)
	}
	if got := e.actions(bk.ID); !slices.Equal(got, []data.Action{data.ActionBookingCreated}) {
		t.Errorf("the booking's audit %v", got)
	}
	// The interpreter sees where, now, and their booking.
	inv, err := e.app.MyInvitation(ctx, uc, o.ID)
	if err != nil || inv.Location != "Video link" || inv.JoinDetails != "https://meet.example.org/offer-1" || bk.JoinDetails != inv.JoinDetails ||
		inv.BookingID != bk.ID || inv.Language != "ckb" || inv.AgeBand != data.Age12To15 {
		t.Errorf("the accepted invitation as c sees it: %+v (%v)", inv, err)
	}
	mine, err := e.app.MyBookings(ctx, uc, time.Time{}, time.Time{})
	if err != nil || len(mine) != 1 || mine[0].ID != bk.ID {
		t.Errorf("c's bookings: %v (%v)", mine, err)
	}
}

func excludedAs(res app.MatchResult, id, code string) bool {
	for _, x := range res.Excluded {
		if x.Interpreter.ID == id {
			return slices.ContainsFunc(x.Reasons, func(r data.Reason) bool { return r.Code == code })
		}
	}
	return false
}

// TestBroadcastToTenAcceptedByAll is the second scenario: a
// broadcast to ten, accepted by all ten at once: one booking, nine
// offer_closed.
func TestBroadcastToTenAcceptedByAll(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	cs := e.newCase(sw, "BROADCAST-1")
	var ids []string
	var users []data.User
	for i := range 10 {
		in := e.approved("Interpreter " + string(rune('A'+i)))
		ids = append(ids, in.ID)
		users = append(users, e.interpreterUser(in))
	}
	o, err := e.app.CreateOffer(ctx, sw, offer(cs.ID, data.OfferBroadcast, ids...))
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(o); slices.ContainsFunc(got, func(s data.InvitationStatus) bool { return s != data.InvitationPending }) {
		t.Fatalf("a new broadcast: %v, want every invitation pending", got)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(users))
	start := make(chan struct{})
	for i, u := range users {
		wg.Go(func() {
			<-start
			_, errs[i] = e.app.AcceptOffer(ctx, u, o.ID, true)
		})
	}
	close(start)
	wg.Wait()
	won, closed := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case app.Classify(err).Code == data.ErrOfferClosed:
			closed++
		default:
			t.Errorf("an acceptance failed otherwise: %v", err)
		}
	}
	if won != 1 || closed != 9 {
		t.Errorf("%d acceptances won and %d were offer_closed, want 1 and 9", won, closed)
	}
	page, err := e.app.ListBookings(ctx, sw, app.BookingFilter{CaseID: cs.ID})
	if err != nil || len(page.Items) != 1 {
		t.Errorf("bookings of the case: %d (%v), want 1", len(page.Items), err)
	}
	o, _ = e.app.GetOffer(ctx, sw, o.ID)
	got := statuses(o)
	if o.Status != data.OfferFilled || count(got, data.InvitationAccepted) != 1 || count(got, data.InvitationWithdrawn) != 9 {
		t.Errorf("the offer after all ten accepted: %s %v", o.Status, got)
	}
}

func count[T comparable](xs []T, x T) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

// TestOfferRefusals: an offer nobody can be asked for is refused with
// each invitee's reasons; one who fails a rule is skipped with theirs; an
// acceptance by an interpreter booked elsewhere meanwhile is a booking
// conflict; a cancelled offer takes no answers.
func TestOfferRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	cs := e.newCase(sw, "REFUSALS-1")
	good := e.approved("Good Interpreter")
	pending := e.interpreter(eligible("Pending Interpreter"), "")
	_, err := e.app.CreateOffer(ctx, sw, offer(cs.ID, data.OfferCascade, pending.ID))
	f := wantKind(t, err, app.KindUnprocessable)
	if f.Code != "ineligible" || len(f.Invitees) != 1 || f.Invitees[0].InterpreterID != pending.ID || len(f.Invitees[0].Reasons) == 0 {
		t.Errorf("an offer to nobody eligible: %+v", f)
	}
	o, err := e.app.CreateOffer(ctx, sw, offer(cs.ID, data.OfferCascade, pending.ID, good.ID))
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(o); !slices.Equal(got, []data.InvitationStatus{data.InvitationSkipped, data.InvitationPending}) || o.Invitations[0].Reasons[0].Code != "not_approved" {
		t.Errorf("an offer skipping the ineligible: %v %v", got, o.Invitations[0].Reasons)
	}
	// Booked elsewhere meanwhile (a direct booking in another case).
	other := e.newCase(sw, "REFUSALS-2")
	e.book(sw, request(other.ID, good.ID, 0))
	_, err = e.app.AcceptOffer(ctx, e.interpreterUser(good), o.ID, true)
	if f := wantKind(t, err, app.KindConflict); f.Code != "booking_conflict" {
		t.Errorf("accepting when booked elsewhere: %s", f.Code)
	}
	// Cancelled: no answers.
	if _, err := e.app.CancelOffer(ctx, sw, o.ID, "the interview moved"); err != nil {
		t.Fatal(err)
	}
	u, _ := e.store.UserByEmail(ctx, data.NormalizeEmail(good.Email))
	if _, err := e.app.DeclineOffer(ctx, u, o.ID, ""); app.Classify(err).Code != data.ErrOfferClosed {
		t.Errorf("declining a cancelled offer: %v", err)
	}
	if _, err := e.app.CancelOffer(ctx, sw, o.ID, "again"); app.Classify(err).Code != "offer_not_open" {
		t.Errorf("cancelling twice: %v", err)
	}
}

// TestInterpreterUserSeesOnlyTheirOwn is the fourth scenario: an
// interpreter's user reading another interpreter, a case, another's
// invitation, a booking, the audit or the users gets not found; their own
// record they read in full.
func TestInterpreterUserSeesOnlyTheirOwn(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	me, other := e.approved("Me Myself"), e.approved("Some One")
	u := e.interpreterUser(me)
	cs := e.newCase(sw, "OWN-1")
	o, err := e.app.CreateOffer(ctx, sw, offer(cs.ID, data.OfferBroadcast, other.ID))
	if err != nil {
		t.Fatal(err)
	}
	bk := e.book(sw, request(cs.ID, other.ID, 3))
	for name, err := range map[string]error{
		"another interpreter":  second(e.app.GetInterpreter(ctx, u, other.ID)),
		"a case":               second(e.app.GetCase(ctx, u, cs.ID)),
		"an offer":             second(e.app.GetOffer(ctx, u, o.ID)),
		"another's invitation": second(e.app.MyInvitation(ctx, u, o.ID)),
		"a booking":            second(e.app.GetBooking(ctx, u, bk.ID)),
		"another's booking":    second(e.app.MyBooking(ctx, u, bk.ID)),
		"the audit":            second(e.app.ListAudit(ctx, u, app.AuditFilter{EntityID: me.ID})),
		"the users":            second(e.app.ListUsers(ctx, u, "", "", 0)),
		"another's hours":      second(e.app.GetAvailability(ctx, u, other.ID)),
		"accepting another's":  second(e.app.AcceptOffer(ctx, u, o.ID, true)),
	} {
		if f := app.Classify(err); f.Kind != app.KindNotFound {
			t.Errorf("%s: %v (kind %s), want not found", name, err, kindNames[f.Kind])
		}
	}
	own, err := e.app.GetInterpreter(ctx, u, me.ID)
	if err != nil || !own.Full || own.Clearance.Certificate == "" {
		t.Errorf("their own record: full %v, certificate %q (%v)", own.Full, own.Clearance.Certificate, err)
	}
	if got := e.actions(me.ID); !slices.Contains(got, data.ActionInterpreterReadSensitive) {
		t.Errorf("reading their own record is not audited: %v", got)
	}
	// A second user for the same record is refused.
	_, _, err = e.app.CreateUser(ctx, e.north[data.RoleAdmin], app.NewUser{Role: data.RoleInterpreter, InterpreterID: me.ID, Email: "other@x.example"})
	if !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("a second user of one record: %v, want duplicate", err)
	}
	// A social worker may not make an interpreter's user.
	_, _, err = e.app.CreateUser(ctx, sw, app.NewUser{Role: data.RoleInterpreter, InterpreterID: other.ID})
	wantKind(t, err, app.KindForbidden)
}

func second[T any](_ T, err error) error { return err }

// TestAvailability: the interpreter keeps their own hours (If-Match), a
// coordinator may too, nobody else; an interpreter on declared leave is
// off_duty, and nextAvailable points after the leave.
func TestAvailability(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	in := e.approved("Away Sometimes")
	u := e.interpreterUser(in)
	av, err := e.app.GetAvailability(ctx, u, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	leave := data.Period{Start: interview.Add(-24 * time.Hour), End: interview.Add(48 * time.Hour)}
	if _, err := e.app.UpdateAvailability(ctx, u, in.ID, av.Version-1, data.Availability{Unavailable: []data.Period{leave}}); !errors.Is(err, app.ErrStale) {
		t.Errorf("a stale If-Match: %v", err)
	}
	got, err := e.app.UpdateAvailability(ctx, u, in.ID, av.Version, data.Availability{TimeZone: "Europe/London", Unavailable: []data.Period{leave}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != av.Version+1 || len(got.Unavailable) != 1 {
		t.Errorf("after the change: %+v", got)
	}
	wantKind(t, second(e.app.GetAvailability(ctx, e.north[data.RoleSocialWorker], in.ID)), app.KindForbidden)
	if _, err := e.app.GetAvailability(ctx, e.north[data.RoleCoordinator], in.ID); err != nil {
		t.Errorf("a coordinator reading the hours: %v", err)
	}
	if got := e.actions(in.ID); !slices.Contains(got, data.ActionAvailabilityUpdated) {
		t.Errorf("the change is not audited: %v", got)
	}
	sw := e.north[data.RoleSocialWorker]
	cs := e.newCase(sw, "LEAVE-1")
	res, err := e.app.Match(ctx, sw, cs.ID, app.MatchRequest{Start: interview, End: interview.Add(time.Hour),
		InterviewType: data.InterviewABEPolice, Modality: data.ModalityVideo})
	if err != nil {
		t.Fatal(err)
	}
	if !excludedAs(res, in.ID, "off_duty") {
		t.Fatalf("an interpreter on leave is not off_duty: %+v", res.Excluded)
	}
	for _, x := range res.Excluded {
		if x.Interpreter.ID == in.ID && (x.NextAvailable.Before(leave.End) || x.NextAvailable.IsZero()) {
			t.Errorf("nextAvailable %v, want at or after the leave ends, %v", x.NextAvailable, leave.End)
		}
	}
}

// TestFreeBusyFeed: an interpreter subscribes to their own busy time, in
// every organisation, as VFREEBUSY without a word about what fills it;
// its ETag changes when a booking does.
func TestFreeBusyFeed(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	in := e.approved("Busy Bee")
	u := e.interpreterUser(in)
	if _, _, err := e.app.CreateFeed(ctx, e.north[data.RoleSocialWorker], app.NewFeed{Scope: data.FeedFreeBusy}); app.Classify(err).Kind != app.KindForbidden {
		t.Errorf("a social worker's free/busy feed: %v, want forbidden", err)
	}
	f, token, err := e.app.CreateFeed(ctx, u, app.NewFeed{Scope: data.FeedFreeBusy})
	if err != nil || f.InterpreterID != in.ID {
		t.Fatalf("free/busy feed: %+v %v", f, err)
	}
	first, err := e.app.RenderFeed(ctx, token, app.FeedConditions{})
	if err != nil {
		t.Fatal(err)
	}
	sw := e.south[data.RoleSocialWorker]
	cs := e.newCase(sw, "FB-1")
	e.book(sw, request(cs.ID, in.ID, 1))
	if again, err := e.app.RenderFeed(ctx, token, app.FeedConditions{IfNoneMatch: first.ETag}); err != nil || again.NotModified {
		t.Errorf("after a booking in another organisation the feed is still current (%v)", err)
	}
	cal, err := e.app.RenderFeed(ctx, token, app.FeedConditions{})
	if err != nil {
		t.Fatal(err)
	}
	body := string(cal.Body)
	for _, want := range []string{"BEGIN:VFREEBUSY", "FREEBUSY;FBTYPE=BUSY:20261201T094500Z/20261201T114500Z"} {
		if !strings.Contains(body, want) {
			t.Errorf("the feed lacks %q:\n%s", want, body)
		}
	}
	for _, never := range []string{"SUMMARY", "FB-1", "LOCATION", "ATTENDEE", "METHOD"} {
		if strings.Contains(body, never) {
			t.Errorf("the free/busy feed holds %q:\n%s", never, body)
		}
	}
	if same, err := e.app.RenderFeed(ctx, token, app.FeedConditions{IfNoneMatch: cal.ETag}); err != nil || !same.NotModified {
		t.Errorf("the current ETag is not answered as not modified (%v)", err)
	}

	// A cancellation frees the time: a client that sends only the date it
	// was given gets the feed again, not 304 (the newest booking holding
	// time is now older than that date).
	later := e.book(sw, request(cs.ID, in.ID, 2))
	e.now = e.now.Add(time.Hour)
	before, err := e.app.RenderFeed(ctx, token, app.FeedConditions{})
	if err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(time.Hour)
	if _, err := e.app.CancelBooking(ctx, sw, later.ID, "no longer needed"); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(time.Hour)
	if again, err := e.app.RenderFeed(ctx, token, app.FeedConditions{IfModifiedSince: before.LastModified}); err != nil || again.NotModified {
		t.Errorf("after a cancellation, If-Modified-Since alone answered not modified (%v)", err)
	}
}

package app_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/matching"
)

// An interpreter never learns from tolk what a case's rules say about the
// child: a booking withdrawn because they share the child's community
// reads to them without its reason; an acceptance refused for the same
// rule says only that a rule of the case rules them out; and a link that
// no longer answers shows nobody where the interview is.
func TestInterpretersLearnNothingOfTheChild(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]

	// A booking withdrawn by a community link the case gained.
	fields := eligible("Hero Halabja")
	fields.CommunityLinks = []data.CommunityLink{{Kind: data.LinkTown, Value: "Halabja"}}
	hero := e.interpreter(fields, data.DecisionApprove)
	uh := e.interpreterUser(hero)
	c := e.newCase(sw, "CHILD-1")
	b := e.book(sw, request(c.ID, hero.ID, 0))
	next := c
	next.Child.CommunityLinks = []data.CommunityLink{{Kind: data.LinkTown, Value: "Halabja"}}
	if _, err := e.app.UpdateCase(ctx, sw, c.ID, c.Version, next); err != nil {
		t.Fatal(err)
	}
	if got := e.booking(b.ID); got.Status != data.BookingCancelled || !strings.Contains(got.CancelReason, "community") {
		t.Fatalf("the booking was not withdrawn for the shared community: %s %q", got.Status, got.CancelReason)
	}
	mine, err := e.app.MyBooking(ctx, uh, b.ID)
	if err != nil || mine.Status != data.BookingCancelled || mine.CancelReason != "" {
		t.Errorf("the interpreter reads the withdrawn booking as %s with reason %q (%v); want cancelled, no reason", mine.Status, mine.CancelReason, err)
	}

	// An acceptance judged while the case's change has landed but its
	// withdrawals have not (written straight to the store, as a second
	// instance's change would be).
	other := eligible("Dara Halabja")
	other.CommunityLinks = fields.CommunityLinks
	dara := e.interpreter(other, data.DecisionApprove)
	ud := e.interpreterUser(dara)
	c2 := e.newCase(sw, "CHILD-2")
	o, err := e.app.CreateOffer(ctx, sw, offer(c2.ID, data.OfferCascade, dara.ID))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.UpdateCase(ctx, c2.ID, func(old data.Case) (data.Case, data.Change, error) {
		old.Child.CommunityLinks = []data.CommunityLink{{Kind: data.LinkTown, Value: "Halabja"}}
		old.UpdatedAt = e.now
		return old, data.Audited(data.NewAuditEntry(e.now, sw, "north", data.ActionCaseUpdated, data.EntityCase, old.ID)), nil
	}); err != nil {
		t.Fatal(err)
	}
	_, err = e.app.AcceptOffer(ctx, ud, o.ID, true)
	f := app.Classify(err)
	codes := func() []string {
		var out []string
		for _, r := range f.Reasons {
			out = append(out, r.Code)
		}
		return out
	}()
	if f.Kind != app.KindUnprocessable || !slices.Equal(codes, []string{app.CodeCaseRule}) {
		t.Errorf("the refused acceptance reads %v %v (%v), want only %s", f.Kind, codes, err, app.CodeCaseRule)
	}
	for _, r := range f.Reasons {
		if strings.Contains(r.Message, "community") || r.Code == matching.CodeCommunityConflict {
			t.Errorf("the interpreter reads %+v", r)
		}
	}

	// A used link shows nobody the place.
	amy := e.approved("Amy Able")
	c3 := e.newCase(sw, "CHILD-3")
	o3 := offer(c3.ID, data.OfferCascade, amy.ID)
	o3.Location = "Safe house, 12 Secret Road"
	o3.Modality, o3.Region = data.ModalityInPerson, "GB-LND"
	if _, err := e.app.CreateOffer(ctx, sw, o3); err != nil {
		t.Fatal(err)
	}
	var token string
	for _, m := range ofKind(e.outbox("north"), data.MessageOfferInvitation) {
		if m.InterpreterID == amy.ID {
			token = linkPattern.FindStringSubmatch(m.Text)[1]
		}
	}
	if _, err := e.app.AcceptByLink(ctx, token, true); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(time.Minute)
	inv, err := e.app.InvitationByLink(ctx, token)
	if app.Classify(err).Kind != app.KindGone || inv.Location != "" || inv.BookingID != "" {
		t.Errorf("the used link shows %q, booking %q (%v); want gone, no place, no booking", inv.Location, inv.BookingID, err)
	}

	// Nor how to join a video interview.
	ben := e.approved("Ben Bold")
	o4 := offer(e.newCase(sw, "CHILD-4").ID, data.OfferCascade, ben.ID)
	if _, err := e.app.CreateOffer(ctx, sw, o4); err != nil {
		t.Fatal(err)
	}
	for _, m := range ofKind(e.outbox("north"), data.MessageOfferInvitation) {
		if m.InterpreterID == ben.ID {
			token = linkPattern.FindStringSubmatch(m.Text)[1]
			if strings.Contains(m.Text, o4.JoinDetails) {
				t.Error("the offer's email says how to join before the interpreter accepted")
			}
		}
	}
	if _, err := e.app.AcceptByLink(ctx, token, true); err != nil {
		t.Fatal(err)
	}
	if inv, _ := e.app.InvitationByLink(ctx, token); inv.JoinDetails != "" {
		t.Errorf("the used link shows how to join: %q", inv.JoinDetails)
	}
}

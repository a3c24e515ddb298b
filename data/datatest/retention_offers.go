package datatest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// walkDue pages, limit 1 at a time, through one of retention's walks and
// returns the IDs in the order they came.
func walkDue(t *testing.T, page func(after string) ([]string, string, error)) []string {
	t.Helper()
	var ids []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatal("paging does not end")
		}
		got, next, err := page(after)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got...)
		if next == "" {
			return ids
		}
		after = next
	}
}

// testOfferRetention pages through the offers not yet anonymised whose
// interview ended before a cutoff, in every organisation, by end then ID.
// An anonymised offer keeps its IDs, dates, statuses and codes, loses its
// case reference, location, join details, cancellation reason and the
// texts of its invitations' reasons, and leaves the walk.
func testOfferRetention(t *testing.T, s data.Store) {
	ctx := t.Context()
	north, south := newCase(1, "north"), newCase(2, "south")
	for _, c := range []data.Case{north, south} {
		if err := s.CreateCase(ctx, c, caseChange(c, data.ActionCaseCreated)); err != nil {
			t.Fatal(err)
		}
	}
	yearsAgo := func(o data.Offer, years int) data.Offer {
		o.Start, o.End = o.Start.AddDate(-years, 0, 0), o.End.AddDate(-years, 0, 0)
		o.Location = "Room 4, Hill Street police station"
		o.JoinDetails = "https://video.example/room/4471 (PIN 0033)"
		return o
	}
	oldest := yearsAgo(newOffer(north, data.OfferCascade, base, "int-1", "int-2"), 8)
	old := yearsAgo(newOffer(south, data.OfferBroadcast, base, "int-1"), 7)
	cancelled := yearsAgo(newOffer(north, data.OfferBroadcast, base, "int-3"), 7)
	cancelled.Start, cancelled.End = cancelled.Start.Add(-2*time.Hour), cancelled.End.Add(-2*time.Hour)
	recent := yearsAgo(newOffer(north, data.OfferCascade, base, "int-1"), 5)
	for _, o := range []data.Offer{recent, cancelled, old, oldest} {
		createOffer(t, s, o)
	}
	cancelledNow, err := s.UpdateOffer(ctx, cancelled.ID, cancelOffer("the family moved away", base))
	if err != nil {
		t.Fatal(err)
	}
	cancelledNow.Invitations[0].Reasons = []data.Reason{{Code: "community_conflict", Message: "shares a town with the case"}}
	anonymised, err := s.UpdateOffer(ctx, cancelled.ID, func(o data.Offer) (data.Offer, data.Change, error) {
		o.Invitations[0].Reasons = cancelledNow.Invitations[0].Reasons
		return o.Anonymise(base), offerChange(o, data.ActionOfferAnonymised), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Offer(ctx, cancelled.ID)
	if err != nil || !cmp.Equal(anonymised, got, cmpOpts) {
		t.Errorf("the anonymised offer reads back %+v, %v; stored %+v", got, err, anonymised)
	}
	if got.Anonymised.IsZero() || got.Location != "" || got.JoinDetails != "" || got.CaseReference != "" || got.CancelReason != "" ||
		got.Invitations[0].Reasons[0].Message != "" || got.Invitations[0].Reasons[0].Code != "community_conflict" ||
		got.Status != data.OfferCancelled || got.Code != data.OutcomeCancelledByRequesterLate || got.CaseID != north.ID ||
		got.Invitations[0].InterpreterID != "int-3" || !got.Start.Equal(data.Timestamp(cancelled.Start)) {
		t.Errorf("anonymised: %+v", got)
	}

	cutoff := base.AddDate(-6, 0, 0)
	ids := walkDue(t, func(after string) ([]string, string, error) {
		page, err := s.OffersEndedBefore(ctx, cutoff, after, 1)
		return offerIDs(page.Items), page.Next, err
	})
	if diff := cmp.Diff([]string{oldest.ID, old.ID}, ids); diff != "" {
		t.Errorf("offers ended before %s (-want +got):\n%s", cutoff, diff)
	}
	if page, err := s.OffersEndedBefore(ctx, data.Timestamp(old.End), "", 10); err != nil || len(page.Items) != 1 {
		t.Errorf("ended before the end of one (not at it): %v, %v", offerIDs(page.Items), err)
	}
	if _, err := s.OffersEndedBefore(ctx, cutoff, "no-such-offer", 10); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("a cursor naming no offer: %v, want ErrInvalid", err)
	}
}

package datatest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// listOffers pages through q two at a time and returns the IDs listed.
func listOffers(t *testing.T, s data.Store, name string, q data.OfferQuery) []string {
	t.Helper()
	var got []string
	q.Limit = 2
	for pages := 0; ; pages++ {
		if pages > 30 {
			t.Fatalf("%s: paging does not end", name)
		}
		page, err := s.ListOffers(t.Context(), q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(page.Items) > 2 || (page.Next != "" && len(page.Items) != 2) {
			t.Fatalf("%s: page of %d with next %q", name, len(page.Items), page.Next)
		}
		got = append(got, offerIDs(page.Items)...)
		if page.Next == "" {
			return got
		}
		q.Before = page.Next
	}
}

// testOfferListings pages, newest first, through an organisation's
// offers, those in one status, one case's (in one status), and one
// interpreter's in every organisation (by their invitation's status, and
// narrowed by organisation, case and status), with other organisations',
// cases', statuses' and interpreters' offers between them on every page
// (an organisation and an interpreter whose names extend the ones asked
// for among them).
func testOfferListings(t *testing.T, s data.Store) {
	ctx := t.Context()
	mine, other, east := newCase(1, "north"), newCase(2, "north"), newCase(3, "north-east")
	statuses := []data.OfferStatus{data.OfferOpen, data.OfferFilled, data.OfferCancelled}
	invitations := []data.InvitationStatus{data.InvitationPending, data.InvitationAccepted, data.InvitationWithdrawn}
	// want collects, by listing, the IDs it must return oldest first.
	want := map[string][]string{}
	add := func(o data.Offer, listings ...string) {
		createOffer(t, s, o)
		for _, l := range listings {
			want[l] = append(want[l], o.ID)
		}
	}
	for i := range 9 {
		// The case's offer asks int-a (its invitation in step with the
		// offer's status) and int-b (queued, then withdrawn).
		o := newOffer(mine, data.OfferCascade, base, "int-a", "int-b")
		o.Status, o.Invitations[0].Status = statuses[i%3], invitations[i%3]
		listings := []string{"north", "case", "int-a", "int-b", "int-a north", "int-a case " + string(o.Status),
			"north " + string(o.Status), "case " + string(o.Status), "int-a " + string(o.Status), "int-a " + string(o.Invitations[0].Status)}
		if o.Status != data.OfferOpen {
			o.Invitations[1].Status = data.InvitationWithdrawn
		}
		listings = append(listings, "int-b "+string(o.Invitations[1].Status))
		add(o, listings...)
		// Another case's open offer asks int-aa, whose ID extends int-a's.
		add(newOffer(other, data.OfferBroadcast, base, "int-aa"), "north", "north open")
		// North-east's open offer asks int-a too.
		add(newOffer(east, data.OfferBroadcast, base, "int-a", "int-c"), "int-a", "int-a open", "int-a pending")
	}
	for _, tc := range []struct {
		name string
		q    data.OfferQuery
	}{
		{"north", data.OfferQuery{Organisation: "north"}},
		{"north open", data.OfferQuery{Organisation: "north", Status: data.OfferOpen}},
		{"north filled", data.OfferQuery{Organisation: "north", Status: data.OfferFilled}},
		{"north unfilled", data.OfferQuery{Organisation: "north", Status: data.OfferUnfilled}},
		{"case", data.OfferQuery{Organisation: "north", CaseID: mine.ID}},
		{"case cancelled", data.OfferQuery{Organisation: "north", CaseID: mine.ID, Status: data.OfferCancelled}},
		{"another organisation's case", data.OfferQuery{Organisation: "north-east", CaseID: mine.ID}},
		{"int-a", data.OfferQuery{InterpreterID: "int-a"}},
		{"int-a pending", data.OfferQuery{InterpreterID: "int-a", Invitation: data.InvitationPending}},
		{"int-a accepted", data.OfferQuery{InterpreterID: "int-a", Invitation: data.InvitationAccepted}},
		{"int-a open", data.OfferQuery{InterpreterID: "int-a", Status: data.OfferOpen}},
		{"int-a north", data.OfferQuery{InterpreterID: "int-a", Organisation: "north"}},
		{"int-a case filled", data.OfferQuery{InterpreterID: "int-a", Organisation: "north", CaseID: mine.ID, Status: data.OfferFilled}},
		{"int-b", data.OfferQuery{InterpreterID: "int-b"}},
		{"int-b queued", data.OfferQuery{InterpreterID: "int-b", Invitation: data.InvitationQueued}},
		{"int-b withdrawn", data.OfferQuery{InterpreterID: "int-b", Invitation: data.InvitationWithdrawn}},
		{"int-b declined", data.OfferQuery{InterpreterID: "int-b", Invitation: data.InvitationDeclined}},
		{"nobody's", data.OfferQuery{InterpreterID: "int-z"}},
		{"an organisation without offers", data.OfferQuery{Organisation: "nort"}},
	} {
		wantIDs := slices.Clone(want[tc.name])
		slices.Reverse(wantIDs) // newest first
		if diff := cmp.Diff(wantIDs, listOffers(t, s, tc.name, tc.q)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	// A listing gives whole offers, as stored.
	page, err := s.ListOffers(ctx, data.OfferQuery{Organisation: "north-east", Limit: 1})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("ListOffers(north-east): %v, %v", page.Items, err)
	}
	if got, err := s.Offer(ctx, page.Items[0].ID); err != nil || !cmp.Equal(got, page.Items[0], cmpOpts) {
		t.Errorf("a listed offer differs from the stored one: %v (-stored +listed):\n%s", err, cmp.Diff(got, page.Items[0], cmpOpts))
	}
	if _, err := s.ListOffers(ctx, data.OfferQuery{CaseID: mine.ID, Status: data.OfferOpen}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("ListOffers without an organisation or an interpreter: %v, want ErrInvalid", err)
	}
}

// testDueOffers: the expirer's query returns the open offers with a
// pending invitation due at or before the time asked (to the
// millisecond), in every organisation, earliest first, up to the limit;
// an offer filled, cancelled, or with nobody pending is never due; and
// every write keeps it in step: an expiry moving a cascade on moves its
// offer's due time, one leaving nobody pending, an acceptance and a
// cancellation take the offer out.
func testDueOffers(t *testing.T, s data.Store) {
	ctx := t.Context()
	north, east := newCase(1, "north"), newCase(2, "north-east")
	opened := func(minutes int) time.Time { return base.Add(time.Duration(minutes) * time.Minute) }
	due := func(minutes int) time.Time { return data.Timestamp(opened(minutes).Add(respondWithin)) }
	// Created latest due first, so neither creation nor ID order is due order.
	late := newOffer(north, data.OfferBroadcast, opened(10), "int-a")
	third := newOffer(north, data.OfferCascade, opened(3), "int-a", "int-b")
	second := newOffer(east, data.OfferCascade, opened(2), "int-a")
	first := newOffer(north, data.OfferBroadcast, opened(1), "int-a", "int-b")
	filled, _ := newOffer(north, data.OfferBroadcast, opened(0), "int-c").Accept("int-c", "booking-1", opened(0))
	cancelled, _ := newOffer(north, data.OfferBroadcast, opened(0), "int-c").Cancel("moved", data.OutcomeCancelledByRequester, opened(0))
	waiting := newOffer(north, data.OfferCascade, opened(0)) // nobody judged yet: all queued
	waiting.Status, waiting.Invitations = data.OfferOpen, []data.Invitation{{InterpreterID: "int-d", Status: data.InvitationQueued}}
	for _, o := range []data.Offer{late, filled, third, cancelled, second, waiting, first} {
		createOffer(t, s, o)
	}
	dueIDs := func(by time.Time, limit int) []string {
		t.Helper()
		got, err := s.DueOffers(ctx, by, limit)
		if err != nil {
			t.Fatalf("DueOffers(%v, %d): %v", by, limit, err)
		}
		return offerIDs(got)
	}
	for _, tc := range []struct {
		name  string
		by    time.Time
		limit int
		want  []string
	}{
		{"by the third's due time", due(3), 10, []string{first.ID, second.ID, third.ID}},
		{"up to two", due(3), 2, []string{first.ID, second.ID}},
		{"a millisecond earlier", due(3).Add(-time.Millisecond), 10, []string{first.ID, second.ID}},
		{"within the same millisecond", due(3).Add(999 * time.Microsecond), 10, []string{first.ID, second.ID, third.ID}},
		{"before any", due(1).Add(-time.Millisecond), 10, nil},
		{"all", due(10).Add(time.Hour), 10, []string{first.ID, second.ID, third.ID, late.ID}},
	} {
		if diff := cmp.Diff(tc.want, dueIDs(tc.by, tc.limit)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	got, err := s.DueOffers(ctx, due(1), 1)
	if err != nil || len(got) != 1 || !cmp.Equal(storedOffer(first), got[0], cmpOpts) {
		t.Errorf("DueOffers gives whole offers as stored: %v (-want +got):\n%s", err, cmp.Diff(storedOffer(first), got, cmpOpts))
	}

	// The broadcast expires whole (unfilled): out. The second is filled: out.
	if _, err := s.UpdateOffer(ctx, first.ID, expire(due(1), nil)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.FillOffer(ctx, second.ID, accept("int-a", data.NewID(opened(2)), opened(2))); err != nil {
		t.Fatal(err)
	}
	// The cascade's first invitation expires and int-b is asked, due
	// respondWithin later: it moves after the late offer.
	if _, err := s.UpdateOffer(ctx, third.ID, expire(due(3), eligible("int-b"))); err != nil {
		t.Fatal(err)
	}
	moved := data.Timestamp(due(3).Add(respondWithin))
	if diff := cmp.Diff([]string{late.ID, third.ID}, dueIDs(moved, 10)); diff != "" {
		t.Errorf("after the writes (-want +got):\n%s", diff)
	}
	if got := dueIDs(moved.Add(-time.Millisecond), 10); !slices.Equal(got, []string{late.ID}) {
		t.Errorf("a millisecond before the moved due time: %v, want the late offer only", got)
	}
	if _, err := s.UpdateOffer(ctx, late.ID, cancelOffer("moved", due(3))); err != nil {
		t.Fatal(err)
	}
	if got := dueIDs(moved.Add(time.Hour), 10); !slices.Equal(got, []string{third.ID}) {
		t.Errorf("after cancelling the late offer: %v, want the cascade only", got)
	}
}

// testOfferByToken: an invitation's token hash round-trips and names its
// offer, whatever the invitation's state; a token given in an update (the
// cascade's next invitation) names it from then on; an unknown or empty
// hash names none.
func testOfferByToken(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	token := func(o data.Offer, interpreter string) string { return data.HashKey(o.ID + " " + interpreter) }
	o := newOffer(c, data.OfferCascade, base, "int-1", "int-2", "int-3")
	o.Invitations[0].TokenHash = token(o, "int-1")
	other := newOffer(newCase(2, "south"), data.OfferBroadcast, base, "int-1", "int-4")
	for i, inv := range other.Invitations {
		other.Invitations[i].TokenHash = token(other, inv.InterpreterID)
	}
	createOffer(t, s, o)
	createOffer(t, s, other)
	for hash, want := range map[string]data.Offer{
		token(o, "int-1"):     storedOffer(o),
		token(other, "int-1"): storedOffer(other),
		token(other, "int-4"): storedOffer(other),
	} {
		got, err := s.OfferByToken(ctx, hash)
		if err != nil {
			t.Errorf("OfferByToken(%s): %v", hash, err)
		} else if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			t.Errorf("OfferByToken (-want +got):\n%s", diff)
		}
	}

	// int-1 declines: the cascade asks int-2, with a token of its own.
	now := base.Add(time.Minute)
	moved, err := s.UpdateOffer(ctx, o.ID, func(cur data.Offer) (data.Offer, data.Change, error) {
		next, err := cur.Decline("int-1", data.DeclineUnavailable, now, eligible("int-2", "int-3"))
		if err != nil {
			return cur, data.Change{}, err
		}
		next.Invitations[1].TokenHash = token(cur, "int-2")
		return next, offerChange(cur, data.ActionOfferDeclined), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, interpreter := range []string{"int-1", "int-2"} {
		got, err := s.OfferByToken(ctx, token(o, interpreter))
		if err != nil || !cmp.Equal(moved, got, cmpOpts) {
			t.Errorf("OfferByToken of %s's token after the decline: %v (-want +got):\n%s", interpreter, err, cmp.Diff(moved, got, cmpOpts))
		}
	}
	for _, hash := range []string{token(o, "int-3"), data.HashKey("no such token"), ""} {
		if _, err := s.OfferByToken(ctx, hash); !errors.Is(err, data.ErrNotFound) {
			t.Errorf("OfferByToken(%q): %v, want ErrNotFound", hash, err)
		}
	}
}

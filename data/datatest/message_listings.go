package datatest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// pageThrough reads every page of a listing, limit at a time, starting
// with cursor "" and following Next, and fails the test when a page is
// longer than limit, or short with a next page.
func pageThrough[T any](t *testing.T, what string, limit int, list func(cursor string) (data.Page[T], error)) []T {
	t.Helper()
	var all []T
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 50 {
			t.Fatalf("%s: paging does not end", what)
		}
		page, err := list(cursor)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(page.Items) > limit || (page.Next != "" && len(page.Items) != limit) {
			t.Fatalf("%s: a page of %d with next %q, limit %d", what, len(page.Items), page.Next, limit)
		}
		all = append(all, page.Items...)
		if page.Next == "" {
			return all
		}
		cursor = page.Next
	}
}

// testMessageListings pages, three at a time, through an organisation's
// messages, those in one status, about one booking or one offer, and
// combinations, newest first, while messages that do not match (of other
// organisations, one whose name extends another's, other statuses, other
// bookings and offers, the same booking ID in another organisation) sit
// between them. Listed messages are the messages as stored.
func testMessageListings(t *testing.T, s data.Store) {
	ctx := t.Context()
	now := data.Timestamp(base)
	orgs := []string{"north", "north-east", "south"}
	var all []data.Message
	for i := range 36 {
		org := orgs[i%len(orgs)]
		if i%5 == 4 {
			org = "north" // uneven: north gets more
		}
		// Bookings, offers and statuses (i%4, below) vary apart, so that
		// each filter drops some of what the others keep.
		m := newMessage(org, data.MessageOfferInvitation, now)
		m.BookingID = []string{"", "booking-0", "booking-1"}[(i*7/3)%3]
		m.OfferID = []string{"", "offer-0", "offer-1", "offer-0"}[(i*5/4)%4]
		// To int-1, int-2 or no interpreter; one in three (apart) to the
		// social worker, about an interpreter.
		m.InterpreterID = []string{"int-1", "int-2", ""}[(i*3/5)%3]
		if i%3 == 1 {
			m.RecipientRole = data.RoleSocialWorker
		}
		all = append(all, m)
	}
	appendMessages(t, s, all[:18]...)
	appendMessages(t, s, all[18:]...)
	// Settle three in four: sent, failed, dead; the fourth stays queued.
	claim(t, s, now, time.Hour, "deliverer", data.MaxPageSize)
	var done []data.Message
	for i, m := range all {
		var err error
		switch i % 4 {
		case 0:
			all[i].Status = data.MessageSent
			done = append(done, m)
		case 1:
			all[i].Status = data.MessageFailed
			err = s.MarkFailed(ctx, m.ID, "deliverer", "421 busy", now.Add(time.Hour), false)
		case 2:
			all[i].Status = data.MessageDead
			err = s.MarkFailed(ctx, m.ID, "deliverer", "550 no such mailbox", now.Add(time.Hour), true)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	settle(t, s, "deliverer", asSent(now, done...)...)
	for _, q := range []data.MessageQuery{
		{Organisation: "north"},
		{Organisation: "north-east"},
		{Organisation: "south"},
		{Organisation: "north", Status: data.MessageSent},
		{Organisation: "north", Status: data.MessageFailed},
		{Organisation: "north", Status: data.MessageDead},
		{Organisation: "north", Status: data.MessageQueued},
		{Organisation: "north", BookingID: "booking-1"},
		{Organisation: "north", BookingID: "booking-0", Status: data.MessageFailed},
		{Organisation: "north", BookingID: "booking-1", Status: data.MessageDead},
		{Organisation: "south", BookingID: "booking-1"},
		{Organisation: "north", OfferID: "offer-0"},
		{Organisation: "north", OfferID: "offer-0", Status: data.MessageQueued},
		{Organisation: "north", BookingID: "booking-1", OfferID: "offer-0"},
		{Organisation: "north", BookingID: "booking-0", OfferID: "offer-0", Status: data.MessageDead},
		{Organisation: "west"},
		{Organisation: "north", BookingID: "booking-9"},
	} {
		var want []string
		for _, m := range slices.Backward(all) {
			if m.Organisation == q.Organisation && (q.Status == "" || m.Status == q.Status) &&
				(q.BookingID == "" || m.BookingID == q.BookingID) && (q.OfferID == "" || m.OfferID == q.OfferID) {
				want = append(want, m.ID)
			}
		}
		what := fmt.Sprintf("messages of %+v", q)
		got := pageThrough(t, what, 3, func(cursor string) (data.Page[data.Message], error) {
			q.Before, q.Limit = cursor, 3
			return s.ListMessages(ctx, q)
		})
		if diff := cmp.Diff(want, messageIDs(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", what, diff)
		}
		for _, m := range got[:min(2, len(got))] {
			wantMessage(t, s, m, what)
		}
	}
	for _, interpreter := range []string{"int-1", "int-2", "int-9"} {
		var want []string
		for _, m := range slices.Backward(all) {
			if m.InterpreterID == interpreter {
				want = append(want, m.ID)
			}
		}
		what := "messages about " + interpreter + " in every organisation"
		got := pageThrough(t, what, 3, func(cursor string) (data.Page[data.Message], error) {
			return s.ListMessages(ctx, data.MessageQuery{InterpreterID: interpreter, Before: cursor, Limit: 3})
		})
		if diff := cmp.Diff(want, messageIDs(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", what, diff)
		}
		if interpreter != "int-9" && len(want) == 0 {
			t.Errorf("%s: none in the fixture", what)
		}
	}
	for _, q := range []data.MessageQuery{{Status: data.MessageDead}, {InterpreterID: "int-1", Status: data.MessageDead}, {InterpreterID: "int-1", OfferID: "offer-0"}} {
		if _, err := s.ListMessages(ctx, q); !errors.Is(err, data.ErrInvalid) {
			t.Errorf("ListMessages(%+v) without an organisation: %v, want ErrInvalid", q, err)
		}
	}
}

package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// caseFailing is a store whose case reads fail with err, when set: what
// makes the application answer a case request with any error at all.
type caseFailing struct {
	data.Store
	err *error
}

func (s caseFailing) Case(ctx context.Context, id string) (data.Case, error) {
	if *s.err != nil {
		return data.Case{}, *s.err
	}
	return s.Store.Case(ctx, id)
}

// TestEveryErrorThroughBothDoors sends every kind of error the application
// makes through both front doors, as the answer to reading a case: the
// API's problem and the page share one classification (app.Classify), so
// the page never answers 500 where the API answers 4xx, and each answers
// the status of the error's kind. The page answers a stale version with
// 409 (open the record again), where the API answers 412.
func TestEveryErrorThroughBothDoors(t *testing.T) {
	var fail error
	s := newSiteOver(t, func(st data.Store) data.Store { return caseFailing{Store: st, err: &fail} })
	b := s.browser()
	b.signIn(data.RoleSocialWorker)
	key := s.keys[data.RoleSocialWorker]
	wrap := func(err error) error { return fmt.Errorf("reading case c-1: %w", err) }
	for _, tc := range []struct {
		err       error
		api, page int
		code      string
	}{
		{&data.ValidationError{Errors: []data.FieldError{{Field: "reference", Message: "is required"}}}, 400, 400, "validation_failed"},
		{app.Fail(app.KindInvalid, "malformed_json", "a body"), 400, 400, "malformed_json"},
		{app.ErrUnauthenticated, 401, 401, "unauthenticated"},
		{&app.ForbiddenError{Reason: "the admin role may not do this"}, 403, 403, "forbidden"},
		{wrap(data.ErrNotFound), 404, 404, "not_found"},
		{wrap(data.ErrDuplicate), 409, 409, "duplicate"},
		{wrap(data.ErrConflict), 409, 409, "version_conflict"},
		{&data.OverlapError{Existing: data.Booking{ID: "b-1", Start: testNow, End: testNow.Add(1)}}, 409, 409, "booking_conflict"},
		{&app.CaseBookedError{Holder: app.Holder{BookingID: "b-1", InterpreterName: "Nazdar Ali", Start: testNow, End: testNow.Add(1)}}, 409, 409, "case_already_booked"},
		{&data.CaseBookedError{Offer: &data.Offer{ID: "o-1", Start: testNow, End: testNow.Add(1)}}, 409, 409, "case_already_booked"},
		{&data.StateError{Code: "booking_not_confirmed", Reason: "the booking is cancelled"}, 409, 409, "booking_not_confirmed"},
		{&data.TransitionError{From: data.VettingApproved, Decision: data.DecisionReject}, 409, 409, "invalid_transition"},
		{&app.StaleError{Current: 3}, 412, 409, "precondition_failed"},
		{&app.IneligibleError{Reasons: []data.Reason{{Code: "not_approved", Message: "not approved"}}}, 422, 422, "ineligible"},
		{&app.IdempotencyError{Reason: "this Idempotency-Key was used for another request"}, 422, 422, "idempotency_key_reused"},
		{&app.ConfirmationError{Gaps: []app.Gap{{Item: "clearance"}}, Fields: []data.FieldError{{Field: "confirm", Message: "must be true"}}}, 422, 422, "confirmation_required"},
		{wrap(data.ErrUnavailable), 503, 503, "store_unavailable"},
		{wrap(context.DeadlineExceeded), 503, 503, "timeout"},
		{wrap(context.Canceled), 503, 503, "cancelled"},
		{wrap(data.ErrClosed), 503, 503, "unavailable"},
		{errors.New("disk on fire"), 500, 500, "internal"},
	} {
		fail = tc.err
		if got := app.Classify(tc.err).Code; got != tc.code {
			t.Errorf("%v: classified %q, want %q", tc.err, got, tc.code)
		}
		res := b.do("GET", "/v1/cases/c-1", nil, "Authorization", "Bearer "+key)
		if res.status != tc.api || res.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%v: API %d %s, want %d problem+json", tc.err, res.status, res.header.Get("Content-Type"), tc.api)
		}
		p := b.get("/cases/c-1")
		if p.status != tc.page {
			t.Errorf("%v: page %d, want %d", tc.err, p.status, tc.page)
		}
		if tc.page != http.StatusUnauthorized && !isHTML(p) {
			t.Errorf("%v: page answered %s, not a page", tc.err, p.header.Get("Content-Type"))
		}
	}
}

func isHTML(p page) bool { return strings.HasPrefix(p.header.Get("Content-Type"), "text/html") }

// TestBookingFormSentAgainWithAnotherPlace is the page's side of an
// Idempotency-Key reused for another body: book from the results page, go
// back, change the location, book again. The API answers 422; so does the
// page, saying the form was used, and nothing more is booked.
func TestBookingFormSentAgainWithAnotherPlace(t *testing.T) {
	s := newSite(t)
	in := s.addInterpreter("Hana Aziz", "ckb", data.DecisionApprove)
	c, err := s.app.CreateCase(t.Context(), s.users[data.RoleSocialWorker], data.Case{Reference: "IDEM-1", Child: data.Child{Languages: []string{"ckb"}}})
	if err != nil {
		t.Fatal(err)
	}
	b := s.browser()
	b.signIn(data.RoleSocialWorker)
	form := func(location string) url.Values {
		return url.Values{"caseId": {c.ID}, "interpreterId": {in.ID}, "start": {"2026-11-30T10:00"}, "end": {"2026-11-30T11:00"},
			"interviewType": {"health"}, "modality": {"video"}, "location": {location}, "joinDetails": {"https://meet.example.org/x"},
			"idempotencyKey": {"results-1-" + in.ID}, "confirmed": {"yes"}}
	}
	if p := b.post("/bookings", form("Video link A")); p.status != http.StatusSeeOther {
		t.Fatalf("first booking: %d\n%s", p.status, p.body)
	}
	p := b.post("/bookings", form("Video link B"))
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "This form was already used") {
		t.Errorf("the same form with another place: %d, want 422 and the page saying the form was used\n%s", p.status, p.body)
	}
	page, err := s.store.ListBookings(t.Context(), data.BookingQuery{Organisation: "north", CaseID: c.ID})
	if err != nil || len(page.Items) != 1 {
		t.Errorf("bookings of the case: %d (%v), want 1", len(page.Items), err)
	}
}

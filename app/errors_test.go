package app_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// TestClassify runs every error type the app makes or passes through, bare
// and wrapped, through Classify.
func TestClassify(t *testing.T) {
	start := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	own := data.Booking{ID: "b1", Organisation: "north", Start: start, End: start.Add(time.Hour)}
	fields := []data.FieldError{{Field: "name", Message: "is required"}}
	reasons := []data.Reason{{Code: "not_approved", Message: "vetting status is pending, not approved"}}
	tests := []struct {
		name string
		err  error
		want app.Failure
	}{
		{"Fail", app.Fail(app.KindInvalid, "malformed_body", "the body is not %s", "JSON"),
			app.Failure{Kind: app.KindInvalid, Code: "malformed_body", Message: "the body is not JSON"}},
		{"ValidationError", &data.ValidationError{Errors: fields, More: 3},
			app.Failure{Kind: app.KindInvalid, Code: "validation_failed", Message: "the request has invalid fields; see errors", Fields: fields, More: 3}},
		{"IneligibleError", &app.IneligibleError{Reasons: reasons},
			app.Failure{Kind: app.KindUnprocessable, Code: "ineligible", Message: "the interpreter fails a hard rule for this interview; see reasons", Reasons: reasons}},
		{"OverlapError of the actor's organisation", &data.OverlapError{Existing: own},
			app.Failure{Kind: app.KindConflict, Code: "booking_conflict", Message: (&data.OverlapError{Existing: own}).Error(), Conflict: &own}},
		{"OverlapError redacted", &data.OverlapError{Existing: data.Booking{Start: start, End: start.Add(time.Hour)}},
			app.Failure{Kind: app.KindConflict, Code: "booking_conflict", Message: "the interpreter is booked from 2026-11-30T10:00:00Z to 2026-11-30T11:00:00Z",
				Conflict: &data.Booking{Start: start, End: start.Add(time.Hour)}}},
		{"StateError", &data.StateError{Code: "booking_not_confirmed", Reason: "the booking is cancelled"},
			app.Failure{Kind: app.KindConflict, Code: "booking_not_confirmed", Message: "the booking is cancelled"}},
		{"TransitionError", &data.TransitionError{From: data.VettingRejected, Decision: data.DecisionApprove},
			app.Failure{Kind: app.KindConflict, Code: "invalid_transition", Message: "cannot approve an interpreter whose vetting status is rejected"}},
		{"ConfirmationError", &app.ConfirmationError{Gaps: []app.Gap{{Item: "clearance"}}, Fields: []data.FieldError{{Field: "confirm", Message: "must be true"}}},
			app.Failure{Kind: app.KindUnprocessable, Code: "confirmation_required",
				Message: "the record has no criminal records check (DBS) clearance: to approve it anyway, send confirm: true and a note saying why",
				Fields:  []data.FieldError{{Field: "confirm", Message: "must be true"}}, Reasons: []data.Reason{{Code: "clearance_missing", Message: "no criminal records check (DBS) clearance"}}}},
		{"IdempotencyError", &app.IdempotencyError{Reason: "used for another request"},
			app.Failure{Kind: app.KindUnprocessable, Code: "idempotency_key_reused", Message: "used for another request"}},
		{"ForbiddenError", &app.ForbiddenError{Reason: "the admin role may not do this"},
			app.Failure{Kind: app.KindForbidden, Code: "forbidden", Message: "the admin role may not do this"}},
		{"StaleError", &app.StaleError{Current: 4},
			app.Failure{Kind: app.KindStale, Code: "precondition_failed", Message: "the record is now at version 4; read it again and reapply your change"}},
		{"ErrUnauthenticated", app.ErrUnauthenticated,
			app.Failure{Kind: app.KindUnauthenticated, Code: "unauthenticated", Message: "send a valid API key as Authorization: Bearer <key>"}},
		{"ErrNotFound", data.ErrNotFound, app.Failure{Kind: app.KindNotFound, Code: "not_found", Message: "no such resource"}},
		{"ErrDuplicate", data.ErrDuplicate, app.Failure{Kind: app.KindConflict, Code: "duplicate", Message: "a record with the same unique value already exists"}},
		{"ErrConflict", data.ErrConflict, app.Failure{Kind: app.KindConflict, Code: "version_conflict", Message: "the record changed since it was read"}},
		{"ErrInvalid", data.ErrInvalid, app.Failure{Kind: app.KindInvalid, Code: "validation_failed", Message: "the request has invalid fields"}},
		{"ErrUnavailable", data.ErrUnavailable, app.Failure{Kind: app.KindUnavailable, Code: "store_unavailable", Message: "the store cannot be reached; retry"}},
		{"DeadlineExceeded", context.DeadlineExceeded, app.Failure{Kind: app.KindUnavailable, Code: "timeout", Message: "the service did not answer in time"}},
		{"Canceled", context.Canceled, app.Failure{Kind: app.KindUnavailable, Code: "cancelled", Message: "the request was cancelled before it finished"}},
		{"ErrClosed", data.ErrClosed, app.Failure{Kind: app.KindUnavailable, Code: "unavailable", Message: "the service is shutting down; retry"}},
		{"unknown", errors.New("disk on fire at /var/lib/tolk"),
			app.Failure{Kind: app.KindInternal, Code: "internal", Message: "something went wrong; quote the request ID when reporting it"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, app.Classify(tc.err)); diff != "" {
				t.Errorf("Classify(%v) (-want +got):\n%s", tc.err, diff)
			}
			wrapped := fmt.Errorf("booking b1: %w", tc.err)
			if diff := cmp.Diff(tc.want, app.Classify(wrapped)); diff != "" {
				t.Errorf("Classify(wrapped %v) (-want +got):\n%s", tc.err, diff)
			}
			if f := app.Classify(tc.err); f.Kind == app.KindInternal && strings.Contains(f.Message, "/var/lib") {
				t.Errorf("an internal failure tells %q", f.Message)
			}
		})
	}
}

// TestErrorSentinels checks that each concrete error matches its sentinel,
// so callers may test with errors.Is.
func TestErrorSentinels(t *testing.T) {
	tests := []struct {
		err, sentinel error
	}{
		{&app.ForbiddenError{Reason: "no"}, app.ErrForbidden},
		{&app.StaleError{Current: 2}, app.ErrStale},
		{&app.IneligibleError{Reasons: []data.Reason{{Code: "not_approved"}, {Code: "unavailable"}}}, app.ErrIneligible},
		{&app.IdempotencyError{Reason: "reused"}, app.ErrIdempotency},
	}
	for _, tc := range tests {
		if !errors.Is(fmt.Errorf("wrapped: %w", tc.err), tc.sentinel) {
			t.Errorf("%T does not match %v", tc.err, tc.sentinel)
		}
	}
	if got := (&app.IneligibleError{Reasons: []data.Reason{{Code: "not_approved"}, {Code: "unavailable"}}}).Error(); got != "ineligible: not_approved, unavailable" {
		t.Errorf("IneligibleError.Error() = %q", got)
	}
	if got := app.Fail(app.KindInvalid, "bad", "no %d", 1).Error(); got != "bad: no 1" {
		t.Errorf("Error.Error() = %q", got)
	}
}

// TestClassifyOrder checks that a refusal that also matches a sentinel
// (a *data.StateError and a *data.TransitionError are ErrTransition, an
// *OverlapError ErrOverlap) is classified by its type.
func TestClassifyOrder(t *testing.T) {
	for _, err := range []error{&data.StateError{Code: "outcome_recorded"}, &data.TransitionError{}, &data.OverlapError{}} {
		if f := app.Classify(err); f.Kind != app.KindConflict {
			t.Errorf("Classify(%T) kind = %s, want Conflict", err, kindNames[f.Kind])
		}
	}
}

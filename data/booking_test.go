package data

import (
	"errors"
	"testing"
	"time"
)

// TestBookingTransitions: Changeable and Completable say what Reschedule,
// Cancel and Complete would do, in every status, before and after the
// interview starts, so the pages offer only what the state machine allows.
func TestBookingTransitions(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, status := range []BookingStatus{BookingConfirmed, BookingCancelled, BookingCompleted} {
		for _, now := range []time.Time{start.Add(-time.Hour), start, start.Add(time.Hour)} {
			b := Booking{Status: status, Start: start, End: start.Add(time.Hour)}
			_, _, err := b.Reschedule(start.Add(time.Hour), start.Add(2*time.Hour), "", now)
			if b.Changeable() != (err == nil) {
				t.Errorf("%s at %v: Changeable %v, Reschedule %v", status, now, b.Changeable(), err)
			}
			if _, err := b.Cancel("ill", OutcomeCancelledByRequester, now); b.Changeable() != (err == nil) {
				t.Errorf("%s at %v: Changeable %v, Cancel %v", status, now, b.Changeable(), err)
			}
			_, err = b.Complete(Outcome{Attended: true, Checklist: &Checklist{NeverAloneWithChild: true}}, now)
			if b.Completable(now) != (err == nil) {
				t.Errorf("%s at %v: Completable %v, Complete %v", status, now, b.Completable(now), err)
			}
			if err != nil && !errors.Is(err, ErrTransition) {
				t.Errorf("%s at %v: Complete: %v, want ErrTransition", status, now, err)
			}
		}
	}
}

// TestCancelCode: a cancellation is late under the policy's time before
// the start (at the boundary it is not), and after the start; each party
// has its code.
func TestCancelCode(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	day := DefaultLateCancellation
	for _, c := range []struct {
		by   Party
		now  time.Time
		want OutcomeCode
	}{
		{PartyRequester, start.Add(-day), OutcomeCancelledByRequester},
		{PartyRequester, start.Add(-day + time.Millisecond), OutcomeCancelledByRequesterLate},
		{PartyInterpreter, start.Add(-day - time.Hour), OutcomeCancelledByInterpreter},
		{PartyInterpreter, start.Add(-time.Hour), OutcomeCancelledByInterpreterLate},
		{PartyInterpreter, start.Add(time.Hour), OutcomeCancelledByInterpreterLate},
	} {
		if got := CancelCode(c.by, start, c.now, day); got != c.want || got.Late() != (c.want != OutcomeCancelledByRequester && c.want != OutcomeCancelledByInterpreter) {
			t.Errorf("%s at %v: %s, want %s", c.by, c.now, got, c.want)
		}
	}
	if got := CancelCode(PartyRequester, start, start.Add(-time.Hour), 0); got != OutcomeCancelledByRequester {
		t.Errorf("with no late time: %s", got)
	}
}

// TestEndCodes: Cancel and Complete set the booking's code, Cancel
// refuses a code that is no cancellation's, and Validate refuses a code
// its status cannot have; an offer ends unfilled with its code.
func TestEndCodes(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	b := Booking{ID: "b", Organisation: "north", CaseID: "c", InterpreterID: "i", Start: start, End: start.Add(time.Hour),
		InterviewType: InterviewHealth, Modality: ModalityVideo, Status: BookingConfirmed, Confirmation: ConfirmationDirect}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	cancelled, err := b.Cancel("ill", OutcomeWithdrawnByRule, start.Add(-time.Hour))
	if err != nil || cancelled.Code != OutcomeWithdrawnByRule || cancelled.Validate() != nil {
		t.Errorf("withdrawn: %q, %v, %v", cancelled.Code, err, cancelled.Validate())
	}
	if _, err := b.Cancel("ill", OutcomeAttended, start); !errors.Is(err, ErrInvalid) {
		t.Errorf("cancelled as attended: %v, want ErrInvalid", err)
	}
	done, err := b.Complete(Outcome{Code: OutcomeInterpreterNoShow}, start.Add(time.Hour))
	if err != nil || done.Code != OutcomeInterpreterNoShow || done.Validate() != nil {
		t.Errorf("no-show: %q, %v", done.Code, err)
	}
	for _, bad := range []Booking{
		func() Booking { x := b; x.Code = OutcomeCancelledByRequester; return x }(),    // confirmed
		func() Booking { x := done; x.Code = OutcomeCancelledByRequester; return x }(), // completed, a cancellation's code
		func() Booking { x := cancelled; x.Code = OutcomeAttended; return x }(),        // cancelled, an outcome's code
		func() Booking { x := done; x.Code = OutcomeChildDidNotAttend; return x }(),    // not the outcome's code
	} {
		if err := bad.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s with %s: %v, want ErrInvalid", bad.Status, bad.Code, err)
		}
	}
	o := Offer{Status: OfferOpen, Mode: OfferCascade, Invitations: []Invitation{{InterpreterID: "i", Status: InvitationQueued}}}
	if got := o.Open(start, Judged{"i": {{Code: "suspended"}}}); got.Status != OfferUnfilled || got.Code != OutcomeUnfilled {
		t.Errorf("an offer nobody can be asked for: %s, %q", got.Status, got.Code)
	}
	if _, err := o.Cancel("moved", OutcomeCancelledByInterpreter, start); !errors.Is(err, ErrInvalid) {
		t.Errorf("an offer cancelled by the interpreter: %v, want ErrInvalid", err)
	}
}

// TestCheckPractical: a new in-person interview needs its address, a video
// or phone one the link or number to send; each refusal names its field.
func TestCheckPractical(t *testing.T) {
	for _, tc := range []struct {
		m              Modality
		location, join string
		field          string
	}{
		{ModalityInPerson, "1 Hill Street", "", ""},
		{ModalityInPerson, " ", "https://meet.example.org/x", "location"},
		{ModalityVideo, "", "https://meet.example.org/x", ""},
		{ModalityVideo, "Room 4", "\t", "joinDetails"},
		{ModalityPhone, "", "020 7946 0000", ""},
		{ModalityPhone, "", "", "joinDetails"},
	} {
		err := CheckPractical(tc.m, tc.location, tc.join)
		var ve *ValidationError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("CheckPractical(%s, %q, %q) = %v, want nil", tc.m, tc.location, tc.join, err)
		case tc.field != "" && (!errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Field != tc.field):
			t.Errorf("CheckPractical(%s, %q, %q) = %v, want one error naming %s", tc.m, tc.location, tc.join, err, tc.field)
		}
	}
}

// TestBookingSitting: a sitting keeps the booking's ID, start, interpreter
// and status, and of its outcome only whether one is recorded, attended
// and the child comfortable.
func TestBookingSitting(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	b := Booking{ID: "b-1", Organisation: "north", CaseID: "c-1", InterpreterID: "int-1", Start: start, End: start.Add(time.Hour), Status: BookingConfirmed}
	if got, want := b.Sitting(), (Sitting{BookingID: "b-1", Start: start, InterpreterID: "int-1", Status: BookingConfirmed}); got != want {
		t.Errorf("without an outcome: %+v, want %+v", got, want)
	}
	for _, o := range []Outcome{
		{Attended: true, ChildComfortable: true, Note: "asked for her again"},
		{Attended: true, ChildComfortable: false},
		{Attended: false, Code: OutcomeInterpreterNoShow},
	} {
		b.Status, b.Outcome = BookingCompleted, &o
		want := Sitting{BookingID: "b-1", Start: start, InterpreterID: "int-1", Status: BookingCompleted, Recorded: true, Attended: o.Attended, ChildComfortable: o.ChildComfortable}
		if got := b.Sitting(); got != want {
			t.Errorf("with %+v: %+v, want %+v", o, got, want)
		}
	}
}

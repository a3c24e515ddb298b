package api

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

func (h *harness) book(role data.Role, body map[string]any, headers ...string) bookingView {
	h.t.Helper()
	r := h.do(role, "POST", "/v1/bookings", body, headers...)
	if r.status != http.StatusCreated {
		h.t.Fatalf("book: %d %s", r.status, r.body)
	}
	var b bookingView
	r.json(h.t, &b)
	return b
}

// TestBookingLifecycle: book → reschedule → cancel raises the sequence 0 →
// 1 → 2 under one ID, and the freed slot books again.
func TestBookingLifecycle(t *testing.T) {
	h := newHarness(t)
	good := h.approved(soraniInterpreter("good"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	b := h.book(data.RoleSocialWorker, bookingBody(c.ID, good))

	r := h.do(data.RoleSocialWorker, "PATCH", "/v1/bookings/"+b.ID, map[string]any{"start": "2026-11-30T13:00:00Z", "end": "2026-11-30T14:30:00Z"})
	var moved bookingView
	r.json(t, &moved)
	if r.status != 200 || moved.ID != b.ID || moved.Sequence != 1 || !moved.Start.Equal(time.Date(2026, 11, 30, 13, 0, 0, 0, time.UTC)) {
		t.Fatalf("reschedule: %d %s", r.status, r.body)
	}
	// Relocating also raises the sequence; a PATCH that changes nothing does not.
	h.do(data.RoleSocialWorker, "PATCH", "/v1/bookings/"+b.ID, map[string]any{"location": "Room 2"}).json(t, &moved)
	if moved.Sequence != 2 || moved.Location != "Room 2" {
		t.Errorf("relocate: %+v", moved)
	}
	h.do(data.RoleSocialWorker, "PATCH", "/v1/bookings/"+b.ID, map[string]any{"location": "Room 2"}).json(t, &moved)
	if moved.Sequence != 2 {
		t.Errorf("a PATCH that changes nothing raised the sequence to %d", moved.Sequence)
	}
	// The old slot is free again; a reschedule onto a booking is a 409.
	other := h.book(data.RoleSocialWorker, bookingBody(c.ID, good))
	h.wantProblem(h.do(data.RoleSocialWorker, "PATCH", "/v1/bookings/"+b.ID, map[string]any{"start": "2026-11-30T10:30:00Z", "end": "2026-11-30T11:00:00Z"}), 409, "booking_conflict")
	h.wantProblem(h.do(data.RoleSocialWorker, "PATCH", "/v1/bookings/"+b.ID, map[string]any{"start": "2026-11-01T10:00:00Z", "end": "2026-11-01T11:00:00Z"}), 400, "validation_failed")
	h.wantProblem(h.do(data.RoleSocialWorker, "PATCH", "/v1/bookings/"+b.ID, map[string]any{"start": "2028-06-01T10:00:00Z", "end": "2028-06-01T11:00:00Z"}), 422, "ineligible")

	// Cancel: a reason is required; the slot is free at once.
	p := h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings/"+other.ID+"/cancel", map[string]any{}), 400, "validation_failed")
	if !slices.Contains(fieldsOf(p), "reason") {
		t.Errorf("fields %v", fieldsOf(p))
	}
	var cancelled bookingView
	h.do(data.RoleSocialWorker, "POST", "/v1/bookings/"+other.ID+"/cancel", map[string]any{"reason": "the police moved the interview"}).json(t, &cancelled)
	if cancelled.Status != data.BookingCancelled || cancelled.Sequence != 1 || cancelled.CancelReason == "" {
		t.Errorf("cancel: %+v", cancelled)
	}
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings/"+other.ID+"/cancel", map[string]any{"reason": "again"}), 409, "booking_not_confirmed")
	h.wantProblem(h.do(data.RoleSocialWorker, "PATCH", "/v1/bookings/"+other.ID, map[string]any{"location": "x"}), 409, "booking_not_confirmed")
	again := h.book(data.RoleSocialWorker, bookingBody(c.ID, good))
	if again.ID == other.ID {
		t.Error("a new booking reused an ID")
	}
	h.addUser(data.RoleSocialWorker, "south-sw", "south")
	h.wantProblem(h.do("south-sw", "POST", "/v1/bookings/"+again.ID+"/cancel", map[string]any{"reason": "x"}), 404, "not_found")
	if got := h.auditActions(b.ID); !slices.Equal(got, []string{"booking.created", "booking.rescheduled", "booking.relocated"}) {
		t.Errorf("audit = %v", got)
	}
}

// TestOutcomesFeedContinuity: an outcome is accepted once the interview has
// started; a comfortable child gives the interpreter continuity in the
// case's next match, an uncomfortable one excludes them for the case.
func TestOutcomesFeedContinuity(t *testing.T) {
	h := newHarness(t)
	liked := h.approved(soraniInterpreter("liked"))
	declined := h.approved(soraniInterpreter("declined"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	first := h.book(data.RoleSocialWorker, bookingBody(c.ID, liked))
	second := bookingBody(c.ID, declined)
	second["start"], second["end"] = "2026-11-30T13:00:00Z", "2026-11-30T14:00:00Z"
	other := h.book(data.RoleSocialWorker, second)

	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings/"+first.ID+"/outcome", map[string]any{"checklist": allChecked, "attended": true, "childComfortable": true}), 409, "interview_not_started")
	h.now = time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC) // after both interviews
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings/"+first.ID+"/outcome", map[string]any{"attended": true}), 400, "validation_failed")
	var done bookingView
	h.do(data.RoleSocialWorker, "POST", "/v1/bookings/"+first.ID+"/outcome", map[string]any{"checklist": allChecked, "attended": true, "childComfortable": true, "note": "went well"}).json(t, &done)
	if done.Status != data.BookingCompleted || done.Outcome == nil || !done.Outcome.ChildComfortable {
		t.Fatalf("outcome: %+v", done)
	}
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings/"+first.ID+"/outcome", map[string]any{"checklist": allChecked, "attended": true, "childComfortable": false}), 409, "outcome_recorded")
	h.do(data.RoleSocialWorker, "POST", "/v1/bookings/"+other.ID+"/outcome", map[string]any{"checklist": allChecked, "attended": true, "childComfortable": false})

	next := map[string]any{"start": "2026-12-07T10:00:00Z", "end": "2026-12-07T11:00:00Z", "interviewType": "abe_police", "modality": "video"}
	var m matchAnswer
	h.do(data.RoleSocialWorker, "POST", "/v1/cases/"+c.ID+"/matches", next).json(t, &m)
	if len(m.Candidates) != 1 || m.Candidates[0].Interpreter.ID != liked {
		t.Fatalf("candidates %+v, want only the liked interpreter", m.Candidates)
	}
	hasContinuity := slices.ContainsFunc(m.Candidates[0].Factors, func(f factorView) bool { return f.Factor == "continuity" && f.Points > 0 })
	if !hasContinuity {
		t.Errorf("no continuity factor: %+v", m.Candidates[0].Factors)
	}
	if len(m.Excluded) != 1 || m.Excluded[0].Interpreter.ID != declined || m.Excluded[0].Reasons[0].Code != "excluded_by_case" {
		t.Errorf("excluded %+v, want the declined interpreter as excluded_by_case", m.Excluded)
	}
}

// TestIdempotencyKey: the same key and body give one booking; the same key
// with another body is a 422; concurrent repeats give one booking.
func TestIdempotencyKey(t *testing.T) {
	h := newHarness(t)
	good := h.approved(soraniInterpreter("good"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	body := bookingBody(c.ID, good)
	var wg sync.WaitGroup
	ids := make([]string, 8)
	statuses := make([]int, 8)
	for i := range ids {
		wg.Go(func() {
			r := h.do(data.RoleSocialWorker, "POST", "/v1/bookings", body, "Idempotency-Key", "req-7f3a")
			var b bookingView
			r.json(t, &b)
			ids[i], statuses[i] = b.ID, r.status
		})
	}
	wg.Wait()
	for i := range ids {
		if statuses[i] != 201 || ids[i] != ids[0] {
			t.Errorf("repeat %d: %d %s, want 201 with booking %s", i, statuses[i], ids[i], ids[0])
		}
	}
	r := h.do(data.RoleSocialWorker, "POST", "/v1/bookings", body, "Idempotency-Key", "req-7f3a")
	if r.status != 201 || r.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("a later repeat: %d, replayed %q", r.status, r.header.Get("Idempotent-Replayed"))
	}
	changed := bookingBody(c.ID, good)
	changed["location"] = "Somewhere else"
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings", changed, "Idempotency-Key", "req-7f3a"), 422, "idempotency_key_reused")
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings", body, "Idempotency-Key", strings.Repeat("k", 201)), 400, "validation_failed")
	var page pageView[bookingView]
	h.do(data.RoleSocialWorker, "GET", "/v1/bookings?caseId="+c.ID, nil).json(t, &page)
	if len(page.Items) != 1 {
		t.Errorf("%d bookings after repeats, want 1", len(page.Items))
	}
	// After the window the key is spent.
	h.now = h.now.Add(25 * time.Hour)
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings", body, "Idempotency-Key", "req-7f3a"), 422, "idempotency_key_reused")
}

// TestChangesAreRejudged: after an interpreter is suspended, even a
// location-only change of their booking is refused (no invitation goes to
// them again); a slot in the past cannot be booked or matched. A
// suspension withdraws the interpreter's bookings itself
// (TestSuspensionWithdrawsBookings); here it lands in the store alone, as
// when the withdrawal is cut short.
func TestChangesAreRejudged(t *testing.T) {
	h := newHarness(t)
	good := h.approved(soraniInterpreter("good"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	b := h.book(data.RoleSocialWorker, bookingBody(c.ID, good))
	_, err := h.store.UpdateInterpreter(t.Context(), good, func(in data.Interpreter) (data.Interpreter, data.Change, error) {
		in.Vetting.Status = data.VettingSuspended
		return in, data.Audited(data.NewAuditEntry(testNow, h.users[data.RoleCoordinator], data.ScopeRegister, data.ActionVettingSuspend, data.EntityInterpreter, good)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p := h.wantProblem(h.do(data.RoleSocialWorker, "PATCH", "/v1/bookings/"+b.ID, map[string]any{"location": "Room 4"}), 422, "ineligible")
	if len(p.Reasons) == 0 || p.Reasons[0].Code != "not_approved" {
		t.Errorf("reasons %+v", p.Reasons)
	}
	past := bookingBody(c.ID, good)
	past["start"], past["end"] = "2026-11-22T08:00:00Z", "2026-11-22T09:30:00Z" // testNow is 09:00
	p = h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings", past), 400, "validation_failed")
	if !slices.Contains(fieldsOf(p), "start") {
		t.Errorf("fields %v", fieldsOf(p))
	}
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/cases/"+c.ID+"/matches", map[string]any{"start": "2026-11-22T08:00:00Z", "end": "2026-11-22T09:30:00Z", "interviewType": "abe_police", "modality": "video"}), 400, "validation_failed")
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/cases/"+c.ID+"/matches", map[string]any{"start": "2026-11-30T08:00:00Z", "end": "2026-12-30T09:30:00Z", "interviewType": "abe_police", "modality": "video"}), 400, "validation_failed")
}

// TestOverlapHidesOtherOrganisations: a 409 names the slot in the way, but
// not another organisation's booking.
func TestOverlapHidesOtherOrganisations(t *testing.T) {
	h := newHarness(t)
	good := h.approved(soraniInterpreter("good"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	b := h.book(data.RoleSocialWorker, bookingBody(c.ID, good))
	h.addUser(data.RoleSocialWorker, "south-sw", "south")
	sc := h.createCase("south-sw", soraniCase())
	p := h.wantProblem(h.do("south-sw", "POST", "/v1/bookings", bookingBody(sc.ID, good)), 409, "booking_conflict")
	if p.Conflict == nil || p.Conflict.BookingID != "" || !p.Conflict.Start.Equal(b.Start) || regexp.MustCompile(b.ID).MatchString(p.Detail) {
		t.Errorf("conflict %+v detail %q: want the slot without north's booking ID", p.Conflict, p.Detail)
	}
}

// TestFreeTextIsClean: a control character in a cancellation reason or an
// outcome note is refused naming the request's field.
func TestFreeTextIsClean(t *testing.T) {
	h := newHarness(t)
	good := h.approved(soraniInterpreter("good"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	b := h.book(data.RoleSocialWorker, bookingBody(c.ID, good))
	for path, body := range map[string]map[string]any{
		"/cancel":  {"reason": "moved\u0000"},
		"/outcome": {"checklist": allChecked, "attended": true, "childComfortable": true, "note": "ok\u0007"},
	} {
		p := h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings/"+b.ID+path, body), 400, "validation_failed")
		if f := fieldsOf(p); len(f) != 1 || (f[0] != "reason" && f[0] != "note") {
			t.Errorf("%s: fields %v", path, f)
		}
	}
	p := h.wantProblem(h.do(data.RoleSocialWorker, "PATCH", "/v1/bookings/"+b.ID, map[string]any{"location": "Room\u001b[2J"}), 400, "validation_failed")
	if !slices.Equal(fieldsOf(p), []string{"location"}) {
		t.Errorf("location: fields %v", fieldsOf(p))
	}
}

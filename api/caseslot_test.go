package api

import (
	"net/http"
	"testing"

	"github.com/tolk/tolk/data"
)

// TestCaseAlreadyBooked: one interview, one interpreter, unless meant. A
// second interpreter for a case's booked slot is 409 case_already_booked
// naming the booking and its interpreter; with additional: true it books
// and says so. An open offer holds the slot the same way, naming the
// interpreter it asks; an offer for a booked slot is refused likewise.
func TestCaseAlreadyBooked(t *testing.T) {
	h := newHarness(t)
	nazdar := soraniInterpreter("Nazdar Ali")
	nazdar["email"] = "nazdar@example.org"
	first := h.approved(nazdar)
	second := h.approved(soraniInterpreter("Second"))
	third := h.approved(soraniInterpreter("Third"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	b := h.book(data.RoleSocialWorker, bookingBody(c.ID, first))

	body := bookingBody(c.ID, second)
	body["start"] = "2026-11-30T11:00:00Z" // inside the first booking's 10:00-11:30
	body["end"] = "2026-11-30T12:00:00Z"
	p := h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings", body), http.StatusConflict, "case_already_booked")
	if e := p.Existing; e == nil || e.BookingID != b.ID || e.InterpreterID != first || e.InterpreterName != "Nazdar Ali" || !e.Start.Equal(b.Start) {
		t.Errorf("existing %+v, want booking %s of Nazdar Ali", p.Existing, b.ID)
	}
	body["additional"] = true
	if extra := h.book(data.RoleSocialWorker, body); !extra.Additional || extra.Status != data.BookingConfirmed {
		t.Errorf("the additional booking: %+v", extra)
	}

	offer := map[string]any{"caseId": c.ID, "interpreterIds": []string{third}, "mode": "cascade", "location": "Video link", "joinDetails": "https://meet.example.org/interview"}
	for k, v := range abeNextWeek {
		offer[k] = v
	}
	p = h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/offers", offer), http.StatusConflict, "case_already_booked")
	if p.Existing == nil || p.Existing.BookingID != b.ID {
		t.Errorf("existing %+v, want booking %s", p.Existing, b.ID)
	}

	// Another case: an open offer holds its slot against a direct booking.
	other := h.createCase(data.RoleSocialWorker, soraniCase())
	offer["caseId"] = other.ID
	offer["start"], offer["end"] = "2026-12-01T10:00:00Z", "2026-12-01T11:00:00Z" // everyone free
	r := h.do(data.RoleSocialWorker, "POST", "/v1/offers", offer)
	if r.status != http.StatusCreated {
		t.Fatalf("offer: %d %s", r.status, r.body)
	}
	var o offerView
	r.json(t, &o)
	body = bookingBody(other.ID, first)
	body["start"], body["end"] = "2026-12-01T10:30:00Z", "2026-12-01T11:30:00Z"
	p = h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/bookings", body), http.StatusConflict, "case_already_booked")
	if e := p.Existing; e == nil || e.OfferID != o.ID || e.InterpreterName != "Third" || e.BookingID != "" {
		t.Errorf("existing %+v, want offer %s asking Third", p.Existing, o.ID)
	}
	offer["additional"] = true
	offer["interpreterIds"] = []string{second}
	r = h.do(data.RoleSocialWorker, "POST", "/v1/offers", offer)
	if r.status != http.StatusCreated {
		t.Fatalf("additional offer: %d %s", r.status, r.body)
	}
	r.json(t, &o)
	if !o.Additional {
		t.Errorf("the additional offer does not say so: %s", r.body)
	}
}

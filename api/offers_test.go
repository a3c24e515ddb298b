package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tolk/tolk/data"
)

// interpreterKey makes, as the coordinator, the user of an interpreter
// record and files its key in h.keys under the returned name.
func (h *harness) interpreterKey(interpreterID string) data.Role {
	h.t.Helper()
	r := h.do(data.RoleCoordinator, "POST", "/v1/users", map[string]any{"role": "interpreter", "interpreterId": interpreterID})
	if r.status != http.StatusCreated {
		h.t.Fatalf("interpreter user: %d %s", r.status, r.body)
	}
	var u createdUserView
	r.json(h.t, &u)
	if u.InterpreterID != interpreterID || u.Role != data.RoleInterpreter || u.Email == "" {
		h.t.Errorf("the interpreter's user: %+v", u.userView)
	}
	name := data.Role("interpreter:" + interpreterID)
	h.keys[name] = u.APIKey
	return name
}

// TestOfferOverHTTP walks an offer through the API: a social worker asks
// one interpreter, who sees the invitation (and nothing of the case),
// accepts with the declaration, and is booked; a second answer is 409
// offer_closed; the offer reads filled.
func TestOfferOverHTTP(t *testing.T) {
	h := newHarness(t)
	good := h.approved(soraniInterpreter("good"))
	me := h.interpreterKey(good)
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	body := map[string]any{"caseId": c.ID, "interpreterIds": []string{good}, "mode": "cascade", "location": "Video link", "joinDetails": "https://meet.example.org/interview"}
	for k, v := range abeNextWeek {
		body[k] = v
	}
	r := h.do(data.RoleSocialWorker, "POST", "/v1/offers", body)
	if r.status != http.StatusCreated {
		t.Fatalf("offer: %d %s", r.status, r.body)
	}
	var o offerView
	r.json(t, &o)
	if o.Status != data.OfferOpen || len(o.Invitations) != 1 || o.Invitations[0].Status != data.InvitationPending || o.Invitations[0].RespondBy == nil {
		t.Fatalf("the new offer: %+v", o)
	}

	r = h.do(me, "GET", "/v1/me/invitations", nil)
	var invs pageView[myInvitationView]
	r.json(t, &invs)
	if r.status != 200 || len(invs.Items) != 1 || invs.Items[0].Language != "ckb" || invs.Items[0].AgeBand != "12-15" || invs.Items[0].DurationMin != 90 {
		t.Fatalf("my invitations: %d %s", r.status, r.body)
	}
	for _, secret := range []string{"NR-2026-0042", "Ranya", "OP-KESTREL", "Video link"} {
		if strings.Contains(string(r.body), secret) {
			t.Errorf("the invitation shows %q before the interpreter accepted: %s", secret, r.body)
		}
	}
	for _, path := range []string{"/v1/cases/" + c.ID, "/v1/offers/" + o.ID, "/v1/interpreters/" + h.approved(soraniInterpreter("other")), "/v1/bookings"} {
		h.wantProblem(h.do(me, "GET", path, nil), http.StatusNotFound, "not_found")
	}

	h.wantProblem(h.do(me, "POST", "/v1/offers/"+o.ID+"/accept", map[string]any{"noKnownConflict": false}), http.StatusBadRequest, "validation_failed")
	r = h.do(me, "POST", "/v1/offers/"+o.ID+"/accept", map[string]any{"noKnownConflict": true})
	if r.status != http.StatusCreated {
		t.Fatalf("accept: %d %s", r.status, r.body)
	}
	var b bookingView
	r.json(t, &b)
	if b.Confirmation != data.ConfirmationOffer || b.OfferID != o.ID || b.InterpreterID != good || b.Status != data.BookingConfirmed {
		t.Errorf("the booking: %+v", b)
	}
	h.wantProblem(h.do(me, "POST", "/v1/offers/"+o.ID+"/accept", map[string]any{"noKnownConflict": true}), http.StatusConflict, "offer_closed")
	h.wantProblem(h.do(me, "POST", "/v1/offers/"+o.ID+"/decline", nil), http.StatusConflict, "offer_closed")

	r = h.do(data.RoleSocialWorker, "GET", "/v1/offers/"+o.ID, nil)
	r.json(t, &o)
	if o.Status != data.OfferFilled || o.BookingID != b.ID || o.Invitations[0].Status != data.InvitationAccepted {
		t.Errorf("the offer after acceptance: %+v", o)
	}
	r = h.do(me, "GET", "/v1/me/bookings", nil)
	if r.status != 200 || !strings.Contains(string(r.body), b.ID) || strings.Contains(string(r.body), `"factors":[{`) {
		t.Errorf("my bookings: %d %s", r.status, r.body)
	}
	if acts := h.auditActions(o.ID); strings.Join(acts, " ") != "offer.created offer.accepted" {
		t.Errorf("the offer's audit: %v", acts)
	}
}

// TestAvailabilityOverHTTP: the interpreter reads and replaces their own
// hours with If-Match; bad hours name their field; another interpreter's
// are 404 to them.
func TestAvailabilityOverHTTP(t *testing.T) {
	h := newHarness(t)
	id := h.approved(soraniInterpreter("hours"))
	other := h.approved(soraniInterpreter("someone"))
	me := h.interpreterKey(id)
	path := "/v1/interpreters/" + id + "/availability"
	r := h.do(me, "GET", path, nil)
	etag := r.header.Get("ETag")
	if r.status != 200 || etag == "" || !strings.Contains(string(r.body), `"timeZone":"Europe/London"`) {
		t.Fatalf("GET availability: %d %s (ETag %q)", r.status, r.body, etag)
	}
	hours := map[string]any{"timeZone": "Europe/London", "weekly": []any{map[string]any{"day": "mon", "from": "09:00", "to": "17:00"}},
		"unavailable": []any{map[string]any{"start": "2026-12-20T00:00:00Z", "end": "2027-01-03T00:00:00Z"}}}
	h.wantProblem(h.do(me, "PUT", path, hours), http.StatusPreconditionRequired, "precondition_required")
	bad := map[string]any{"weekly": []any{map[string]any{"day": "mon", "from": "17:00", "to": "09:00"}, map[string]any{"day": "mo", "from": "9", "to": "10:00"}}}
	p := h.wantProblem(h.do(me, "PUT", path, bad, "If-Match", etag), http.StatusBadRequest, "validation_failed")
	if got := strings.Join(fieldsOf(p), " "); !strings.Contains(got, "weekly[1].day") || !strings.Contains(got, "weekly[1].from") {
		t.Errorf("bad hours name fields %q", got)
	}
	r = h.do(me, "PUT", path, hours, "If-Match", etag)
	if r.status != 200 || r.header.Get("ETag") == etag || !strings.Contains(string(r.body), `"from":"09:00"`) {
		t.Errorf("PUT availability: %d %s", r.status, r.body)
	}
	h.wantProblem(h.do(me, "PUT", path, hours, "If-Match", etag), http.StatusPreconditionFailed, "precondition_failed")
	h.wantProblem(h.do(me, "GET", "/v1/interpreters/"+other+"/availability", nil), http.StatusNotFound, "not_found")
	h.wantProblem(h.do(data.RoleSocialWorker, "GET", path, nil), http.StatusForbidden, "forbidden")
	if r := h.do(data.RoleCoordinator, "GET", path, nil); r.status != 200 {
		t.Errorf("a coordinator reading the hours: %d", r.status)
	}
}

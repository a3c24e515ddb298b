package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// exportFixture is an interpreter's working life across two
// organisations, seeded with values about children and third parties that
// must never reach their export: a case reference and linked reference, a
// child's community links and age band, an exclusion of another
// interpreter with its reason, interview locations, a cancellation
// reason, an outcome note, other invitees, the staff's users.
type exportFixture struct {
	me, other, banned, caseID, southCaseID string
	forbidden                              []string // values
}

func newExportFixture(h *harness) exportFixture {
	h.t.Helper()
	subject := soraniInterpreter("subject")
	subject["communityLinks"] = []any{map[string]any{"kind": "town", "value": "Halabja"}} // their own: shown
	fx := exportFixture{me: h.approved(subject), other: h.approved(soraniInterpreter("bystander")), banned: h.approved(soraniInterpreter("banned"))}
	body := soraniCase()
	body["excludedInterpreters"] = []any{map[string]any{"interpreterId": fx.banned, "reason": "SECRET-EXCLUSION-REASON"}}
	fx.caseID = h.createCase(data.RoleSocialWorker, body).ID

	slot := func(day string, hour int) (string, string) {
		d, _ := time.Parse(time.DateOnly, day)
		start := d.Add(time.Duration(hour) * time.Hour)
		return start.Format(time.RFC3339), start.Add(time.Hour).Format(time.RFC3339)
	}
	offer := func(mode string, ids []string, start, end, location string) string {
		r := h.do(data.RoleSocialWorker, "POST", "/v1/offers", map[string]any{"caseId": fx.caseID, "interpreterIds": ids, "mode": mode,
			"start": start, "end": end, "interviewType": "abe_police", "modality": "video", "location": location, "joinDetails": "https://meet.example.org/x"})
		if r.status != http.StatusCreated {
			h.t.Fatalf("offer: %d %s", r.status, r.body)
		}
		var o offerView
		r.json(h.t, &o)
		return o.ID
	}
	me := h.interpreterKey(fx.me)
	// They signed in to the pages once (a session, audited on their account).
	if _, err := app.New(app.Config{Store: h.store, Now: func() time.Time { return h.now }}).SignInWithKey(h.t.Context(), h.keys[me]); err != nil {
		h.t.Fatal(err)
	}
	// Accepted (a booking, completed with an outcome), then declined.
	start, end := slot("2026-11-30", 10)
	accepted := offer("broadcast", []string{fx.me, fx.other}, start, end, "SECRET-LOCATION-1")
	if r := h.do(me, "POST", "/v1/offers/"+accepted+"/accept", map[string]any{"noKnownConflict": true}); r.status != http.StatusCreated {
		h.t.Fatalf("accept: %d %s", r.status, r.body)
	}
	start, end = slot("2026-12-01", 10)
	declined := offer("cascade", []string{fx.me, fx.other}, start, end, "SECRET-LOCATION-3")
	if r := h.do(me, "POST", "/v1/offers/"+declined+"/decline", map[string]any{"reason": "unavailable"}); r.status != http.StatusOK {
		h.t.Fatalf("decline: %d %s", r.status, r.body)
	}
	// A direct booking, cancelled with a reason.
	start, end = slot("2026-12-02", 14)
	direct := h.book(data.RoleSocialWorker, map[string]any{"caseId": fx.caseID, "interpreterId": fx.me, "start": start, "end": end,
		"interviewType": "health", "modality": "video", "location": "SECRET-LOCATION-2", "joinDetails": "https://meet.example.org/SECRET-JOIN"})
	if r := h.do(data.RoleSocialWorker, "POST", "/v1/bookings/"+direct.ID+"/cancel", map[string]any{"reason": "SECRET-CANCEL-REASON"}); r.status != http.StatusOK {
		h.t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	// Another organisation's booking of them.
	south := h.addUser(data.RoleSocialWorker, "south-sw", "south")
	southCase := soraniCase()
	southCase["reference"] = "SOUTH-REF-77"
	fx.southCaseID = h.createCase("south-sw", southCase).ID
	start, end = slot("2026-12-03", 9)
	h.book("south-sw", map[string]any{"caseId": fx.southCaseID, "interpreterId": fx.me, "start": start, "end": end,
		"interviewType": "health", "modality": "video", "location": "SECRET-LOCATION-4", "joinDetails": "https://meet.example.org/SECRET-JOIN"})
	// The interview took place; its outcome has a note.
	h.now = time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC)
	var page pageView[bookingView]
	h.do(data.RoleSocialWorker, "GET", "/v1/bookings?caseId="+fx.caseID, nil).json(h.t, &page)
	if r := h.do(data.RoleSocialWorker, "POST", "/v1/bookings/"+page.Items[0].ID+"/outcome",
		map[string]any{"attended": false, "childComfortable": false, "code": "child_did_not_attend", "note": "SECRET-OUTCOME-NOTE"}); r.status != http.StatusOK {
		h.t.Fatalf("outcome: %d %s", r.status, r.body)
	}

	fx.forbidden = []string{"NR-2026-0042", "OP-KESTREL-2024", "SOUTH-REF-77", "Ranya", "12-15", "SECRET-EXCLUSION-REASON",
		"SECRET-LOCATION-1", "SECRET-LOCATION-2", "SECRET-LOCATION-3", "SECRET-LOCATION-4", "SECRET-CANCEL-REASON", "SECRET-OUTCOME-NOTE",
		fx.other, fx.banned, "bystander", "banned@", fx.caseID, fx.southCaseID,
		h.users[data.RoleSocialWorker].ID, h.users[data.RoleCoordinator].ID, south.ID, "@north.example", "@south.example"}
	return fx
}

// forbiddenKeys may appear nowhere outside the interpreter's own record:
// they hold a child's or a case's details, other people, or a message.
var forbiddenKeys = []string{"caseId", "caseReference", "reference", "linkedReferences", "child", "ageBand", "communityLinks",
	"excludedInterpreters", "interpreterIds", "invitations" + "[].interpreterId", "location", "region", "cancelReason", "outcome", "note",
	"match", "bookedBy", "createdBy", "actor", "decidedBy", "to", "toName", "subject", "text", "html", "calendar", "lastError", "reasons"}

// keysOf lists every object key in v with its path ("bookings[].status").
func keysOf(v any, path string, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			out[path+"."+k] = k
			keysOf(e, path+"."+k, out)
		}
	case []any:
		for _, e := range x {
			keysOf(e, path+"[]", out)
		}
	}
}

// TestExportHoldsNothingAboutChildrenOrOthers exports an interpreter's
// record, as themself and as a coordinator: the document holds their
// record in full, each booking from both organisations, both
// invitations, the audit of their record and the messages about them, and
// none of the fixture's child or third-party values, nor any of the keys
// that would carry them.
func TestExportHoldsNothingAboutChildrenOrOthers(t *testing.T) {
	h := newHarness(t)
	fx := newExportFixture(h)
	me := data.Role("interpreter:" + fx.me)
	for _, who := range []data.Role{me, data.RoleCoordinator} {
		r := h.do(who, "GET", "/v1/interpreters/"+fx.me+"/export", nil)
		if r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("export as %s: %d %s", who, r.status, r.body)
		}
		for _, v := range fx.forbidden {
			if strings.Contains(string(r.body), v) {
				t.Errorf("export as %s holds %q:\n%s", who, v, r.body)
			}
		}
		var doc map[string]any
		if err := json.Unmarshal(r.body, &doc); err != nil {
			t.Fatal(err)
		}
		own := doc["interpreter"].(map[string]any)
		delete(doc, "interpreter") // their own record, in full, checked below
		keys := map[string]string{}
		keysOf(doc, "", keys)
		keysOf(own, ".interpreter", keys)
		for path, k := range keys {
			inOwn := strings.HasPrefix(path, ".interpreter.")
			if slices.Contains(forbiddenKeys, k) && !(inOwn && (k == "communityLinks" || k == "note" || k == "reference")) {
				t.Errorf("export as %s has the key %s", who, path)
			}
		}

		var e exportView
		r.json(t, &e)
		if e.Interpreter.ID != fx.me || e.Interpreter.Clearance == nil || e.Interpreter.Clearance.Certificate != "0099" ||
			e.Interpreter.CommunityLinks == nil || (*e.Interpreter.CommunityLinks)[0].Value != "Halabja" || e.Availability.InterpreterID != fx.me {
			t.Errorf("their own record, in full: %+v", e.Interpreter)
		}
		var orgs, statuses []string
		for _, b := range e.Bookings {
			orgs, statuses = append(orgs, b.Organisation), append(statuses, string(b.Status))
			if b.Language != "ckb" {
				t.Errorf("booking %s: language %q", b.ID, b.Language)
			}
		}
		if !slices.Equal(orgs, []string{"north", "north", "south"}) || !slices.Equal(statuses, []string{"completed", "cancelled", "confirmed"}) {
			t.Errorf("bookings: %+v", e.Bookings)
		}
		if len(e.Invitations) != 2 || e.Invitations[0].Status != data.InvitationDeclined || e.Invitations[0].Decline != data.DeclineUnavailable ||
			e.Invitations[1].Status != data.InvitationAccepted || e.Invitations[1].BookingID == "" || e.Invitations[1].Language != "ckb" {
			t.Errorf("invitations (newest first): %+v", e.Invitations)
		}
		var actions []data.Action
		for _, a := range e.Audit {
			actions = append(actions, a.Action)
		}
		for _, want := range []data.Action{data.ActionInterpreterCreated, data.ActionVettingApprove, data.ActionInterpreterExported} {
			if !slices.Contains(actions, want) {
				t.Errorf("audit %v lacks %s", actions, want)
			}
		}
		if e.Account == nil || e.Account.Role != data.RoleInterpreter || e.Account.Email == "" {
			t.Errorf("their own account: %+v", e.Account)
		}
		var signIns []data.Action
		for _, a := range e.AccountAudit {
			signIns = append(signIns, a.Action)
		}
		if !slices.Contains(signIns, data.ActionUserCreated) || !slices.Contains(signIns, data.ActionSessionStartedKey) {
			t.Errorf("their account's audit %v lacks its creation or their sign-in", signIns)
		}
		did := map[data.Action]bool{}
		for _, a := range e.Actions {
			did[a.Action] = true
		}
		if !did[data.ActionOfferAccepted] || !did[data.ActionOfferDeclined] {
			t.Errorf("what they did: %+v, want their answers to the offers", e.Actions)
		}
		roles := map[data.Role]bool{}
		for _, n := range e.Notifications {
			roles[n.RecipientRole] = true
		}
		if !roles[data.RoleInterpreter] || !roles[data.RoleSocialWorker] {
			t.Errorf("notifications: %+v, want those to them and those about them to the social worker", e.Notifications)
		}
	}

	h.wantProblem(h.do(data.RoleSocialWorker, "GET", "/v1/interpreters/"+fx.me+"/export", nil), http.StatusForbidden, "forbidden")
	h.wantProblem(h.do(data.RoleAdmin, "GET", "/v1/interpreters/"+fx.me+"/export", nil), http.StatusForbidden, "forbidden")
	other := h.interpreterKey(fx.other)
	h.wantProblem(h.do(other, "GET", "/v1/interpreters/"+fx.me+"/export", nil), http.StatusNotFound, "not_found")
	h.wantProblem(h.do(data.RoleCoordinator, "GET", "/v1/interpreters/no-such-id/export", nil), http.StatusNotFound, "not_found")
	if got := h.auditActions(fx.me); !slices.Contains(got, string(data.ActionInterpreterExported)) {
		t.Errorf("the export is not audited: %v", got)
	}
}

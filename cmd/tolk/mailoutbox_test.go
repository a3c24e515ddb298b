package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// The service's side of the mail tests: an in-process service sending to a
// relay, an organisation making changes through the API, the outbox as a
// coordinator reads it (GET /v1/notifications), and what arrived compared
// with it.

// fastDeliverEvery is how often the deliverer of an in-process service
// looks for due messages in the mail tests (the service's: deliverEvery).
const fastDeliverEvery = 100 * time.Millisecond

// fastDelivery makes the deliverers of the next runs look for due
// messages every fastDeliverEvery, so that a test waits on the backoff it
// checks rather than on the poll; the workers are otherwise the service's.
func fastDelivery(t *testing.T) {
	t.Helper()
	prev := background
	t.Cleanup(func() { background = prev })
	background = func(store data.Store, a *app.App, s app.Sender, holder string, log *slog.Logger) []worker {
		ws := prev(store, a, s, holder, log)
		for i := range ws {
			if ws[i].name == "deliverer" {
				ws[i] = deliverer(a, s, holder, log, fastDeliverEvery)
			}
		}
		return ws
	}
}

// notification is a message as GET /v1/notifications lists it.
type notification struct {
	ID            string    `json:"id"`
	Kind          string    `json:"kind"`
	RecipientRole string    `json:"recipientRole"`
	Status        string    `json:"status"`
	Attempts      int       `json:"attempts"`
	LastError     string    `json:"lastError"`
	BookingID     string    `json:"bookingId"`
	OfferID       string    `json:"offerId"`
	Due           time.Time `json:"due"`
}

// callAPI calls the service at base with key and decodes the answer into out
// (when not nil); it returns the status.
func callAPI(t *testing.T, base, key, method, path string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, res.StatusCode, b, err)
		}
	}
	return res.StatusCode
}

// notifications returns every message of the coordinator's organisation
// that query (url.Values) selects, following the cursor.
func notifications(t *testing.T, base, coordinator string, query url.Values) []notification {
	t.Helper()
	var out []notification
	q := url.Values{"limit": {"200"}}
	for k, v := range query {
		q[k] = v
	}
	for {
		var page struct {
			Items      []notification `json:"items"`
			NextCursor *string        `json:"nextCursor"`
		}
		if status := callAPI(t, base, coordinator, "GET", "/v1/notifications?"+q.Encode(), nil, &page); status != 200 {
			t.Fatalf("GET /v1/notifications?%s: %d", q.Encode(), status)
		}
		out = append(out, page.Items...)
		if page.NextCursor == nil || *page.NextCursor == "" {
			return out
		}
		q.Set("cursor", *page.NextCursor)
	}
}

// waitFor polls cond every 25 ms until it holds, failing the test with
// what it waited for after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	began := time.Now()
	for !cond() {
		if time.Since(began) > timeout {
			t.Fatalf("waited %v for %s", timeout, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
	return time.Since(began)
}

// org is an organisation set up through the API with the bootstrap key: a
// coordinator, a social worker, approved interpreters who can take a video
// ABE interview in Sorani, and a case of a Sorani-speaking girl with
// community links (which no interpreter's message may carry).
type org struct {
	coordinator, socialWorker string // keys
	socialWorkerEmail         string
	caseID                    string
	interpreters              []string          // IDs
	emails                    map[string]string // interpreter ID → email
}

// The case's details that an interpreter's invitation must not carry.
const (
	caseReference  = "NR-2026-0042"
	caseLinkedRef  = "OP-KESTREL-2024"
	caseTown       = "Ranya"
	interpreterEnd = "@interpreters.example"
)

// setUpOrg creates an org with n interpreters through the API at base.
func setUpOrg(t *testing.T, base string, n int) org {
	t.Helper()
	o := org{emails: map[string]string{}}
	for _, role := range []string{"coordinator", "social_worker"} {
		var u struct{ APIKey, Email string }
		body := map[string]any{"name": "Mail " + role, "email": role + "@council.example", "role": role}
		if status := callAPI(t, base, bootstrapKey, "POST", "/v1/users", body, &u); status != 201 {
			t.Fatalf("create %s: %d", role, status)
		}
		if role == "coordinator" {
			o.coordinator = u.APIKey
		} else {
			o.socialWorker, o.socialWorkerEmail = u.APIKey, u.Email
		}
	}
	issued, valid := time.Now().AddDate(-1, 0, 0).Format(time.DateOnly), time.Now().AddDate(2, 0, 0).Format(time.DateOnly)
	for i := range n {
		email := fmt.Sprintf("interpreter%d%s", i, interpreterEnd)
		var in struct{ ID string }
		status := callAPI(t, base, o.coordinator, "POST", "/v1/interpreters", map[string]any{
			"name": fmt.Sprintf("Mail Interpreter %d", i), "email": email, "gender": "female",
			"languages":      []any{map[string]any{"tag": "ckb", "proficiency": "native"}},
			"modalities":     []any{"video"},
			"qualifications": []any{map[string]any{"kind": "dpsi", "awarded": "2020-01-01"}},
			"training": []any{map[string]any{"kind": "child_protection_l2", "completed": issued},
				map[string]any{"kind": "abe_interviewing", "completed": issued}},
			"clearance":  map[string]any{"level": "enhanced_barred_children", "certificate": "0099", "issued": issued, "validUntil": valid},
			"agreements": map[string]any{"confidentialitySigned": issued},
		}, &in)
		if status != 201 {
			t.Fatalf("create interpreter %d: %d", i, status)
		}
		if status := callAPI(t, base, o.coordinator, "POST", "/v1/interpreters/"+in.ID+"/vetting", map[string]any{"decision": "approve"}, nil); status != 200 {
			t.Fatalf("approve interpreter %d: %d", i, status)
		}
		o.interpreters = append(o.interpreters, in.ID)
		o.emails[in.ID] = email
	}
	var c struct{ ID string }
	status := callAPI(t, base, o.socialWorker, "POST", "/v1/cases", map[string]any{
		"reference": caseReference, "linkedReferences": []any{caseLinkedRef},
		"child": map[string]any{
			"languages":         []any{map[string]any{"tag": "ckb"}},
			"interpreterGender": map[string]any{"preference": "female", "required": true},
			"communityLinks":    []any{map[string]any{"kind": "town", "value": caseTown}},
			"avoidOwnCommunity": true,
			"ageBand":           "12-15",
		},
	}, &c)
	if status != 201 {
		t.Fatalf("create case: %d", status)
	}
	o.caseID = c.ID
	return o
}

// slot is the i-th interview slot of the tests: 10:00 to 11:30 UTC, 7+i
// days from now, so no two overlap and no reminder is due during a test.
func slot(i int) (start, end string) {
	day := time.Now().UTC().AddDate(0, 0, 7+i).Format(time.DateOnly)
	return day + "T10:00:00Z", day + "T11:30:00Z"
}

// offer asks interpreters (a cascade) for slot i, as the social worker.
func (o org) offer(t *testing.T, base string, i int, interpreters ...string) (status int, id string) {
	t.Helper()
	start, end := slot(i)
	var v struct{ ID string }
	status = callAPI(t, base, o.socialWorker, "POST", "/v1/offers", map[string]any{
		"caseId": o.caseID, "interpreterIds": interpreters, "mode": "cascade", "start": start, "end": end,
		"interviewType": "abe_police", "modality": "video", "location": "Video link", "joinDetails": "https://meet.example.org/interview",
	}, &v)
	return status, v.ID
}

// book books interpreter directly for slot i, as the social worker.
func (o org) book(t *testing.T, base string, i int, interpreter string) (status int, id string) {
	t.Helper()
	start, end := slot(i)
	var v struct{ ID string }
	status = callAPI(t, base, o.socialWorker, "POST", "/v1/bookings", map[string]any{
		"caseId": o.caseID, "interpreterId": interpreter, "start": start, "end": end,
		"interviewType": "abe_police", "modality": "video", "location": "Video link", "joinDetails": "https://meet.example.org/interview",
	}, &v)
	return status, v.ID
}

// mailEnv is the environment of an in-process service that sends to r.
func mailEnv(t *testing.T, r *relay) map[string]string {
	return map[string]string{
		"TOLK_DB": filepath.Join(t.TempDir(), "tolk.db"), "TOLK_BOOTSTRAP_ADMIN_KEY": bootstrapKey, "TOLK_RATE_LIMITS": "off",
		"TOLK_SMTP_URL": r.url(), "TOLK_MAIL_FROM": mailFrom, "TOLK_MAIL_RETRY": "1s",
	}
}

// receive waits until the outbox (as coordinator reads it at base) holds a
// sent message of kind that query selects and r accepted it, and returns
// both.
func receive(t *testing.T, base, coordinator string, r *relay, query url.Values, kind string) (notification, delivery) {
	t.Helper()
	var (
		n notification
		d delivery
	)
	waitFor(t, 15*time.Second, kind+" sent and received ("+query.Encode()+")", func() bool {
		list := notifications(t, base, coordinator, query)
		i := slices.IndexFunc(list, func(m notification) bool { return m.Kind == kind && m.Status == "sent" })
		if i < 0 {
			return false
		}
		n = list[i]
		got := r.accepted()
		j := slices.IndexFunc(got, func(d delivery) bool { return d.messageID == messageID(n.ID) })
		if j < 0 {
			return false
		}
		d = got[j]
		return true
	})
	return n, d
}

// waitForOutbox waits, up to timeout, until no message of the
// coordinator's organisation that is due is still to be sent, and returns
// how long it waited.
func waitForOutbox(t *testing.T, base, coordinator string, timeout time.Duration) time.Duration {
	t.Helper()
	return waitFor(t, timeout, "every due message sent", func() bool {
		for _, m := range notifications(t, base, coordinator, nil) {
			if (m.Status == "queued" || m.Status == "failed") && !m.Due.After(time.Now()) {
				return false
			}
		}
		return true
	})
}

// checkMessageIDs compares the outbox with what r accepted: every sent
// message arrived under its Message-ID, nothing else arrived, and, when
// once, nothing arrived twice. It returns how many arrived more than once.
func checkMessageIDs(t *testing.T, outbox []notification, r *relay, once bool) (repeats int) {
	t.Helper()
	sent := map[string]bool{}
	for _, m := range outbox {
		if m.Status == "sent" {
			sent[messageID(m.ID)] = true
		}
	}
	got := r.counts()
	for id := range sent {
		if got[id] == 0 {
			t.Errorf("sent message %s never arrived", id)
		}
	}
	for id, n := range got {
		switch {
		case !sent[id]:
			t.Errorf("%s arrived (%d times) but is not a sent message of the outbox", id, n)
		case n > 1:
			repeats += n - 1
			if once {
				t.Errorf("%s arrived %d times", id, n)
			}
		}
	}
	return repeats
}

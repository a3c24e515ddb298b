package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/edge"
)

// unfold joins RFC 5545 folded lines.
func unfold(body string) string { return strings.ReplaceAll(body, "\r\n ", "") }

func prop(body, name string) []string {
	var out []string
	for _, line := range strings.Split(unfold(body), "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && (k == name || strings.HasPrefix(k, name+";")) {
			out = append(out, v)
		}
	}
	return out
}

// get sends GET path with optional headers and no credential, as a calendar client does.
func (h *harness) get(path string, headers ...string) response {
	h.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := h.app.Test(req, -1)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// TestInviteFollowsTheBooking: book → reschedule → cancel shows in the .ics
// with one UID, SEQUENCE 0 → 1 → 2 and METHOD:CANCEL at the end.
func TestInviteFollowsTheBooking(t *testing.T) {
	h := newHarness(t)
	good := h.approved(soraniInterpreter("good"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	b := h.book(data.RoleSocialWorker, bookingBody(c.ID, good))
	ics := func() string {
		r := h.do(data.RoleSocialWorker, "GET", "/v1/bookings/"+b.ID+"/ics", nil)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("ics: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
		}
		return string(r.body)
	}
	first := ics()
	uid := prop(first, "UID")
	if len(uid) != 1 || prop(first, "METHOD")[0] != "REQUEST" || prop(first, "SEQUENCE")[0] != "0" || len(prop(first, "ATTENDEE")) != 1 || len(prop(first, "ORGANIZER")) != 1 {
		t.Fatalf("first invite:\n%s", first)
	}
	if strings.Contains(first, "Ranya") || strings.Contains(first, "female") {
		t.Errorf("the invite holds something about the child:\n%s", first)
	}
	h.do(data.RoleSocialWorker, "PATCH", "/v1/bookings/"+b.ID, map[string]any{"start": "2026-11-30T13:00:00Z", "end": "2026-11-30T14:00:00Z"})
	moved := ics()
	if prop(moved, "UID")[0] != uid[0] || prop(moved, "SEQUENCE")[0] != "1" || prop(moved, "DTSTART")[0] != "20261130T124500Z" /* its briefing */ {
		t.Errorf("after reschedule:\n%s", moved)
	}
	h.do(data.RoleSocialWorker, "POST", "/v1/bookings/"+b.ID+"/cancel", map[string]any{"reason": "moved"})
	gone := ics()
	if prop(gone, "UID")[0] != uid[0] || prop(gone, "SEQUENCE")[0] != "2" || prop(gone, "METHOD")[0] != "CANCEL" || prop(gone, "STATUS")[0] != "CANCELLED" {
		t.Errorf("after cancel:\n%s", gone)
	}
	h.addUser(data.RoleSocialWorker, "south-sw", "south")
	h.wantProblem(h.do("south-sw", "GET", "/v1/bookings/"+b.ID+"/ics", nil), 404, "not_found")
}

// bookingsFail is a store whose booking reads fail: a 304 must not need them.
type bookingsFail struct{ data.Store }

func (bookingsFail) ListBookings(context.Context, data.BookingQuery) (data.Page[data.Booking], error) {
	return data.Page[data.Booking]{}, errors.New("bookings were read")
}

// TestFeeds: a subscription serves the caller's bookings behind its token,
// answers If-None-Match with 304 without reading bookings, is never 304
// once it changed, and is 404 once revoked.
func TestFeeds(t *testing.T) {
	h := newHarness(t)
	good := h.approved(soraniInterpreter("good"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	b := h.book(data.RoleSocialWorker, bookingBody(c.ID, good))

	r := h.do(data.RoleSocialWorker, "POST", "/v1/feeds", map[string]any{"scope": "mine"})
	var f createdFeedView
	r.json(t, &f)
	token := regexp.MustCompile(`/feeds/([^/]+)\.ics$`).FindStringSubmatch(f.URL)
	if r.status != 201 || token == nil || !strings.HasPrefix(f.WebcalURL, "webcal://") || len(token[1]) < 26 {
		t.Fatalf("create feed: %d %s", r.status, r.body)
	}
	if stored, _ := h.store.Feed(t.Context(), f.ID); strings.Contains(stored.TokenHash, token[1]) || stored.TokenHash != data.HashKey(token[1]) {
		t.Error("the token is not stored only as its hash")
	}
	path := "/feeds/" + token[1] + ".ics"
	feed := h.get(path)
	body := string(feed.body)
	if feed.status != 200 || len(prop(body, "METHOD")) != 0 || len(prop(body, "ATTENDEE")) != 0 || len(prop(body, "UID")) != 1 ||
		len(prop(body, "REFRESH-INTERVAL")) != 1 || len(prop(body, "X-WR-CALNAME")) != 1 {
		t.Fatalf("feed: %d\n%s", feed.status, body)
	}
	etag := feed.header.Get("ETag")
	if etag == "" || feed.header.Get("Last-Modified") == "" || !strings.Contains(feed.header.Get("Cache-Control"), "private") || feed.header.Get("Content-Encoding") != "" {
		t.Errorf("feed headers: %v", feed.header)
	}
	// 304 without reading a booking.
	real := h.store
	h.serve(bookingsFail{real})
	if r := h.get(path, "If-None-Match", etag); r.status != 304 || len(r.body) != 0 {
		t.Errorf("If-None-Match with the current ETag: %d %s", r.status, r.body)
	}
	h.serve(real)
	// A changed feed is never 304: reschedule (SEQUENCE 1), then cancel
	// (SEQUENCE 2, STATUS:CANCELLED), under the same UID.
	uid := prop(body, "UID")[0]
	h.do(data.RoleSocialWorker, "PATCH", "/v1/bookings/"+b.ID, map[string]any{"start": "2026-11-30T13:00:00Z", "end": "2026-11-30T14:00:00Z"})
	moved := h.get(path, "If-None-Match", etag)
	if moved.status != 200 || moved.header.Get("ETag") == etag || prop(string(moved.body), "SEQUENCE")[0] != "1" || prop(string(moved.body), "UID")[0] != uid {
		t.Errorf("after a reschedule: %d\n%s", moved.status, moved.body)
	}
	h.do(data.RoleSocialWorker, "POST", "/v1/bookings/"+b.ID+"/cancel", map[string]any{"reason": "moved"})
	changed := h.get(path, "If-None-Match", moved.header.Get("ETag"))
	if changed.status != 200 || prop(string(changed.body), "STATUS")[0] != "CANCELLED" || prop(string(changed.body), "SEQUENCE")[0] != "2" || prop(string(changed.body), "UID")[0] != uid {
		t.Errorf("after a cancellation: %d %s\n%s", changed.status, changed.header.Get("ETag"), changed.body)
	}
	// The freed slot books again.
	h.book(data.RoleSocialWorker, bookingBody(c.ID, good))
	// The caller's feeds are listed without their URLs.
	list := h.do(data.RoleSocialWorker, "GET", "/v1/feeds", nil)
	if list.status != 200 || strings.Contains(string(list.body), token[1]) || !strings.Contains(string(list.body), f.ID) {
		t.Errorf("list: %d %s", list.status, list.body)
	}
	// Revoked: 404 at once; unknown: 404.
	h.wantProblem(h.do(data.RoleCoordinator, "DELETE", "/v1/feeds/"+f.ID, nil), 404, "not_found")
	if r := h.do(data.RoleSocialWorker, "DELETE", "/v1/feeds/"+f.ID, nil); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r := h.get(path); r.status != 404 {
		t.Errorf("revoked feed: %d", r.status)
	}
	if r := h.get("/feeds/tolkcal_UNKNOWNTOKEN0000000000000000.ics"); r.status != 404 {
		t.Errorf("unknown feed: %d", r.status)
	}
	// Who may subscribe to what.
	h.wantProblem(h.do(data.RoleSocialWorker, "POST", "/v1/feeds", map[string]any{"scope": "organisation"}), 403, "forbidden")
	h.wantProblem(h.do(data.RoleCoordinator, "POST", "/v1/feeds", map[string]any{"scope": "interpreter"}), 400, "validation_failed")
	if r := h.do(data.RoleCoordinator, "POST", "/v1/feeds", map[string]any{"scope": "interpreter", "interpreterId": good}); r.status != 201 {
		t.Errorf("coordinator's interpreter feed: %d %s", r.status, r.body)
	}
}

// TestFeedTokensAreNeverLogged: the request log names a feed request by
// its route pattern, never by its path: the token, the feed's only
// credential, appears in no log line, for a served feed, a 304, an
// unknown token's 404 or a rate-limited 429.
func TestFeedTokensAreNeverLogged(t *testing.T) {
	var logs bytes.Buffer
	h := newHarness(t, func(c *edge.Config) {
		c.RateLimits = true
		c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	token := h.newFeed()
	unknown := "tolkfeedUNKNOWNTOKEN1234567890"
	served := h.get("/feeds/" + token + ".ics")
	h.get("/feeds/"+token+".ics", "If-None-Match", served.header.Get("ETag"))
	h.wantProblem(h.get("/feeds/"+unknown+".ics"), 404, "not_found")
	for range edge.DefaultPerFeed.Burst {
		h.get("/feeds/" + token + ".ics")
	}
	h.wantLimited(h.get("/feeds/"+token+".ics"), 1)

	statuses := map[float64]int{}
	for line := range strings.Lines(logs.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["route"] == "/feeds/:token.ics" {
			statuses[rec["status"].(float64)]++
		}
	}
	for _, status := range []float64{200, 304, 404} {
		if statuses[status] == 0 {
			t.Errorf("no request line with route /feeds/:token.ics and status %v in:\n%s", status, logs.String())
		}
	}
	if !strings.Contains(logs.String(), `"status":429`) {
		t.Errorf("the limited fetch was not logged:\n%s", logs.String())
	}
	for _, secret := range []string{token, unknown} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds a feed token:\n%s", logs.String())
		}
	}
}

// TestRevokedKeyEndsFeeds: when an admin revokes a user's key, the user's
// calendar feeds stop at once.
func TestRevokedKeyEndsFeeds(t *testing.T) {
	h := newHarness(t)
	r := h.do(data.RoleSocialWorker, "POST", "/v1/feeds", map[string]any{"scope": "mine"})
	var f createdFeedView
	r.json(t, &f)
	path := f.URL[regexp.MustCompile(`/feeds/`).FindStringIndex(f.URL)[0]:]
	if r := h.get(path); r.status != 200 {
		t.Fatalf("feed before: %d", r.status)
	}
	if r := h.do(data.RoleAdmin, "DELETE", "/v1/users/"+h.users[data.RoleSocialWorker].ID+"/key", nil); r.status != 204 {
		t.Fatalf("revoke key: %d", r.status)
	}
	if r := h.get(path); r.status != 404 {
		t.Errorf("the feed of a user whose key was revoked: %d, want 404", r.status)
	}
}

// TestFeedIfModifiedSince: a client that sends only If-Modified-Since
// (vdirsyncer, some calendar apps) gets 304 while nothing changed since
// the Last-Modified it was given, and the feed again once something did;
// a date younger than a change's landing time is answered in full.
func TestFeedIfModifiedSince(t *testing.T) {
	h := newHarness(t)
	r := h.do(data.RoleSocialWorker, "POST", "/v1/feeds", map[string]any{"scope": "mine"})
	var f createdFeedView
	r.json(t, &f)
	path := f.URL[strings.Index(f.URL, "/feeds/"):]
	first := h.get(path)
	lm := first.header.Get("Last-Modified")
	if first.status != 200 || lm == "" {
		t.Fatalf("the feed: %d, Last-Modified %q", first.status, lm)
	}
	if r := h.get(path, "If-Modified-Since", lm); r.status != 200 {
		t.Errorf("If-Modified-Since a moment old: %d, want 200 (a change stamped before it may still be landing)", r.status)
	}
	h.now = h.now.Add(3 * time.Minute)
	// The date given at once was a second early (the second was not over);
	// a client that revalidates takes the settled one.
	if again := h.get(path, "If-Modified-Since", lm); again.header.Get("Last-Modified") != "" {
		lm = again.header.Get("Last-Modified")
	}
	if r := h.get(path, "If-Modified-Since", lm); r.status != http.StatusNotModified {
		t.Errorf("If-Modified-Since the Last-Modified given: %d, want 304", r.status)
	}
	if r := h.get(path, "If-Modified-Since", lm, "If-None-Match", `"not-the-etag"`); r.status != 200 {
		t.Errorf("If-None-Match that does not match, beside If-Modified-Since: %d, want 200 (RFC 9110: If-None-Match wins)", r.status)
	}
	if r := h.get(path, "If-Modified-Since", "not a date"); r.status != 200 {
		t.Errorf("an unreadable If-Modified-Since: %d, want 200", r.status)
	}
	// A change: the client sending only If-Modified-Since gets the feed.
	good := h.approved(soraniInterpreter("good"))
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	h.book(data.RoleSocialWorker, bookingBody(c.ID, good))
	if r := h.get(path, "If-Modified-Since", lm); r.status != 200 || !strings.Contains(string(r.body), "BEGIN:VEVENT") {
		t.Errorf("If-Modified-Since after a booking: %d, want 200 with the booking", r.status)
	}
	h.now = h.now.Add(3 * time.Minute)
	later := h.get(path)
	if got := later.header.Get("Last-Modified"); got == "" || got == lm {
		t.Errorf("Last-Modified after the change: %q, was %q", got, lm)
	}
}

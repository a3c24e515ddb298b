package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
	"github.com/tolk/tolk/data/mongodb/mongotest"
)

// crashKills is how often TestBookingCrashLoop kills the service.
const crashKills = 24

// TestBookingCrashLoop books from four clients while the service, on one
// bbolt file, is killed with SIGKILL at random moments and restarted, at
// least 20 times. The slots are drawn from a small set so that requests
// overlap on purpose. After the last kill the file, opened directly, holds
// every booking acknowledged with 201, every stored booking has its
// booking.created audit entry, and no interpreter has two confirmed
// bookings that Block each other.
func TestBookingCrashLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	began := time.Now()
	db := filepath.Join(t.TempDir(), "tolk.db")
	env := []string{"TOLK_DB=" + db, "TOLK_BOOTSTRAP_ADMIN_KEY=" + bootstrapKey, "TOLK_RATE_LIMITS=off"}
	c := startChild(t, env...)
	sw, caseID, interpreters := setUpBooking(t, c.base, 10)

	today := time.Now().UTC().Truncate(24 * time.Hour)
	// slot draws a 1-hour video slot in the next three weeks, on the half
	// hour between 08:00 and 17:00, so that many requests overlap.
	slot := func() (time.Time, time.Time) {
		start := today.AddDate(0, 0, 1+rand.IntN(21)).Add(8*time.Hour + time.Duration(rand.IntN(19))*30*time.Minute)
		return start, start.Add(time.Hour)
	}

	var (
		mu                      sync.Mutex
		acked                   []string
		refused, other, attempt int
		restarts                time.Duration
	)
	deadline := time.Now().Add(50 * time.Second) // a guard against a hang, not a target
	kills := 0
	for ; kills < crashKills; kills++ {
		if time.Now().After(deadline) {
			t.Fatalf("the loop ran past its time bound after %d kills", kills)
		}
		if kills > 0 {
			restart := time.Now()
			c = startChild(t, env...)
			restarts += time.Since(restart)
		}
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					start, end := slot()
					body := fmt.Sprintf(`{"caseId":%q,"interpreterId":%q,"start":%q,"end":%q,"interviewType":"abe_police","modality":"video","location":"Video","joinDetails":"https://meet.example.org/x"}`,
						caseID, interpreters[rand.IntN(len(interpreters))], start.Format(time.RFC3339), end.Format(time.RFC3339))
					req, _ := http.NewRequest("POST", c.base+"/v1/bookings", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+sw)
					res, err := client.Do(req)
					if err != nil {
						return // the service is gone
					}
					var v struct {
						ID, Code string
						Reasons  []struct{ Code string }
					}
					decodeErr := json.NewDecoder(res.Body).Decode(&v)
					res.Body.Close()
					mu.Lock()
					attempt++
					switch {
					case res.StatusCode == 201 && decodeErr == nil && v.ID != "":
						acked = append(acked, v.ID)
					case res.StatusCode == 409 && (v.Code == "booking_conflict" || v.Code == "case_already_booked"):
						refused++
					case res.StatusCode == 422 && v.Code == "ineligible" && onlyWorkload(v.Reasons):
						refused++ // the day's or week's cap on child interviews, judged with the overlap rule
					case res.StatusCode == 201:
						// The service died while sending the body: not acknowledged.
					default:
						other++
						t.Errorf("booking answered %d %s", res.StatusCode, v.Code)
					}
					mu.Unlock()
				}
			})
		}
		time.Sleep(time.Duration(50+rand.IntN(351)) * time.Millisecond)
		c.kill()
		close(stop)
		wg.Wait()
		client.CloseIdleConnections()
	}
	loop := time.Since(began)
	if len(acked) == 0 {
		t.Fatal("no booking was acknowledged")
	}

	s, err := bolt.Open(db)
	if err != nil {
		t.Fatalf("open after the last kill: %v", err)
	}
	defer s.Close(t.Context())
	ctx := t.Context()
	lost := 0
	for _, id := range acked {
		if _, err := s.Booking(ctx, id); err != nil {
			lost++
			t.Errorf("acknowledged booking %s lost: %v", id, err)
		}
	}
	cs, err := s.Case(ctx, caseID)
	if err != nil {
		t.Fatal(err)
	}
	var stored []data.Booking
	q := data.BookingQuery{Organisation: cs.Organisation, Limit: data.MaxPageSize}
	for {
		page, err := s.ListBookings(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, page.Items...)
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	unaudited := 0
	for _, b := range stored {
		entries, err := s.ListAudit(ctx, data.AuditQuery{EntityID: b.ID})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(entries.Items, func(e data.AuditEntry) bool { return e.Action == "booking.created" }) {
			unaudited++
			t.Errorf("stored booking %s has no booking.created audit entry", b.ID)
		}
	}
	confirmed, err := s.ConfirmedBookings(ctx, interpreters, today.AddDate(0, 0, -1), today.AddDate(0, 0, 60))
	if err != nil {
		t.Fatal(err)
	}
	if len(confirmed) != len(stored) {
		t.Errorf("%d confirmed bookings, %d stored: every booking here is confirmed", len(confirmed), len(stored))
	}
	overlaps := 0
	for i, a := range confirmed {
		for _, b := range confirmed[i+1:] {
			if a.InterpreterID == b.InterpreterID && data.Blocks(a, b) {
				overlaps++
				t.Errorf("interpreter %s has confirmed bookings %s and %s that overlap", a.InterpreterID, a.ID, b.ID)
			}
		}
	}
	t.Logf("%d kills in %v (restart to ready: %v on average): %d booking requests answered, %d acknowledged with 201, %d refused with 409, %d other; %d stored; %d acknowledged lost, %d stored without audit, %d overlapping pairs",
		kills, loop.Round(time.Millisecond), (restarts / time.Duration(kills-1)).Round(time.Millisecond),
		attempt, len(acked), refused, other, len(stored), lost, unaudited, overlaps)
}

// setUpBooking creates, through the API at base with the bootstrap key, a
// coordinator, a social worker, n approved interpreters able to take a
// video ABE interview in Tigrinya, and a case. It returns the social
// worker's key, the case's ID and the interpreters' IDs.
func setUpBooking(t *testing.T, base string, n int) (swKey, caseID string, interpreters []string) {
	t.Helper()
	keys := map[string]string{}
	for _, role := range []string{"coordinator", "social_worker"} {
		status, u := postJSON(t, base, bootstrapKey, "/v1/users", map[string]any{"name": role, "email": role + "@default.example", "role": role})
		if status != 201 {
			t.Fatalf("create %s: %d %v", role, status, u)
		}
		keys[role] = u["apiKey"].(string)
	}
	// Clearance two years past today, well past the slots of the next
	// weeks (a fixed date would lapse, and the bookings be refused, one day).
	validUntil := time.Now().UTC().AddDate(2, 0, 0).Format(time.DateOnly)
	for i := range n {
		status, in := postJSON(t, base, keys["coordinator"], "/v1/interpreters", map[string]any{
			"name": fmt.Sprintf("Loop Interpreter %d", i), "email": fmt.Sprintf("loop%d@example.org", i), "gender": "female",
			"languages":  []any{map[string]any{"tag": "ti", "proficiency": "native"}},
			"modalities": []any{"video"}, "qualifications": []any{map[string]any{"kind": "dpsi"}},
			"training":   []any{map[string]any{"kind": "child_protection_l2", "completed": "2025-01-01"}, map[string]any{"kind": "abe_interviewing", "completed": "2025-01-01"}},
			"clearance":  map[string]any{"level": "enhanced", "certificate": "1", "issued": "2025-01-01", "validUntil": validUntil},
			"agreements": map[string]any{"confidentialitySigned": "2025-01-01"},
		})
		if status != 201 {
			t.Fatalf("create interpreter: %d %v", status, in)
		}
		id := in["id"].(string)
		if status, p := postJSON(t, base, keys["coordinator"], "/v1/interpreters/"+id+"/vetting", map[string]any{"decision": "approve"}); status != 200 {
			t.Fatalf("approve: %d %v", status, p)
		}
		interpreters = append(interpreters, id)
	}
	status, cs := postJSON(t, base, keys["social_worker"], "/v1/cases", map[string]any{"reference": "LOOP-1", "child": map[string]any{"languages": []any{map[string]any{"tag": "ti"}}}})
	if status != 201 {
		t.Fatalf("create case: %d %v", status, cs)
	}
	return keys["social_worker"], cs["id"].(string), interpreters
}

// TestStoreAwayAndBackAPI runs the service on MongoDB (an in-process
// FerretDB) and stops the database under it: requests fail with 503
// store_unavailable, well before the 10 s request timeout, and /readyz says
// 503; once a database is back on the same address and data, requests
// succeed again without a restart of the service.
func TestStoreAwayAndBackAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("stops and starts a database server; skipped with -short")
	}
	addr, dir := freeAddr(t), t.TempDir()
	stop := mongotest.Start(t, addr, dir)
	in := start(t, map[string]string{
		"TOLK_MONGODB_URI": "mongodb://" + addr + "/?serverSelectionTimeoutMS=500", "TOLK_MONGODB_DATABASE": "tolk",
		"TOLK_BOOTSTRAP_ADMIN_KEY": bootstrapKey, "TOLK_RATE_LIMITS": "off",
	})
	status, u := in.call(t, bootstrapKey, "POST", "/v1/users", map[string]any{"name": "Away Coordinator", "email": "away@default.example", "role": "coordinator"})
	if status != 201 {
		t.Fatalf("create coordinator: %d %v", status, u)
	}
	key := u["apiKey"].(string)
	interpreter := func(n int) map[string]any {
		return map[string]any{"name": fmt.Sprintf("Away %d", n), "email": fmt.Sprintf("away%d@example.org", n), "gender": "female",
			"languages": []any{map[string]any{"tag": "ti", "proficiency": "native"}}}
	}
	if status, p := in.call(t, key, "POST", "/v1/interpreters", interpreter(0)); status != 201 {
		t.Fatalf("create interpreter: %d %v", status, p)
	}
	if status, p := in.call(t, "", "GET", "/readyz", nil); status != 200 {
		t.Fatalf("/readyz with the database up: %d %v", status, p)
	}

	stop()
	// The client gives up before the service's 10 s request timeout: an
	// answer at all means the service did not wait for it.
	client := &http.Client{Timeout: 9 * time.Second}
	do := func(method, path, key string, body any) (int, map[string]any, time.Duration) {
		t.Helper()
		var rd *strings.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = strings.NewReader(string(b))
		} else {
			rd = strings.NewReader("")
		}
		req, _ := http.NewRequest(method, in.base+path, rd)
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		began := time.Now()
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s with the database away: %v", method, path, err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out, time.Since(began)
	}
	for round := range 2 {
		for _, r := range []struct {
			method, path, key string
			body              any
			code              string
		}{
			{"GET", "/v1/interpreters", key, nil, "store_unavailable"}, // first: it finds the pooled connection cut
			{"POST", "/v1/interpreters", key, interpreter(round + 1), "store_unavailable"},
			{"GET", "/v1/me", key, nil, "store_unavailable"},
			{"GET", "/readyz", "", nil, "not_ready"},
		} {
			status, p, took := do(r.method, r.path, r.key, r.body)
			if status != 503 || p["code"] != r.code {
				t.Errorf("%s %s with the database away: %d %v, want 503 %s", r.method, r.path, status, p["code"], r.code)
			}
			t.Logf("round %d: %s %s answered %d %v in %v", round, r.method, r.path, status, p["code"], took.Round(time.Millisecond))
		}
	}

	mongotest.Start(t, addr, dir)
	began := time.Now()
	for {
		status, _, _ := do("GET", "/readyz", "", nil)
		if status == 200 {
			break
		}
		if time.Since(began) > 10*time.Second {
			t.Fatalf("/readyz still %d 10 s after the database came back", status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("/readyz answered 200 %v after the database came back", time.Since(began).Round(time.Millisecond))
	if status, p, _ := do("POST", "/v1/interpreters", key, interpreter(9)); status != 201 {
		t.Errorf("create interpreter after the database came back: %d %v", status, p)
	}
	if status, p, _ := do("GET", "/v1/interpreters", key, nil); status != 200 {
		t.Errorf("list interpreters after the database came back: %d %v", status, p)
	}
	if err := in.shutdown(t); err != nil { // before the database stops, which waits for open connections
		t.Errorf("shutdown: %v", err)
	}
}

// onlyWorkload reports whether reasons refuse a booking for the workload
// cap (and perhaps the overlap with it): the rules time-dependent bookings
// meet, not an ineligible interpreter.
func onlyWorkload(reasons []struct{ Code string }) bool {
	workload := false
	for _, r := range reasons {
		switch r.Code {
		case "workload_limit":
			workload = true
		case "unavailable":
		default:
			return false
		}
	}
	return workload
}

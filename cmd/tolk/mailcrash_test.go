package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// expected is a message an acknowledged change must cause: a message of
// kind among those query selects (an offer's or a booking's).
type expected struct {
	query url.Values
	kind  string
}

// TestMailSurvivesKill: with the SMTP relay down, changes are made through
// the API (offers, an acceptance, bookings, a cancellation, then a burst
// from four clients), the service is killed with SIGKILL during the burst,
// and the relay and the service start again on the same file. Every
// message an acknowledged change causes arrives, and what arrives is
// exactly the outbox's sent messages, by Message-ID, each once: at least
// once allows a repeat only of a message sent whose mark did not land, and
// the relay was down when the service died.
func TestMailSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	relayAddr := freeAddr(t) // nothing listens there yet: the relay is down
	env := []string{"TOLK_DB=" + filepath.Join(t.TempDir(), "tolk.db"), "TOLK_BOOTSTRAP_ADMIN_KEY=" + bootstrapKey,
		"TOLK_RATE_LIMITS=off", "TOLK_SMTP_URL=smtp://" + relayAddr + "?tls=none", "TOLK_MAIL_FROM=" + mailFrom, "TOLK_MAIL_RETRY=1s"}
	c := startChild(t, env...)
	o := setUpOrg(t, c.base, 6)
	var (
		mu   sync.Mutex
		want []expected
	)
	expect := func(field, id string, kinds ...string) {
		mu.Lock()
		defer mu.Unlock()
		for _, k := range kinds {
			want = append(want, expected{url.Values{field: {id}}, k})
		}
	}

	// Acknowledged one at a time: three offers, one accepted by its
	// interpreter, four direct bookings, one of them cancelled.
	var offers []string
	for i := range 3 {
		status, id := o.offer(t, c.base, i, o.interpreters[i], o.interpreters[i+3])
		if status != 201 {
			t.Fatalf("offer %d: %d", i, status)
		}
		offers = append(offers, id)
		expect("offerId", id, "offer.invitation")
	}
	var me struct{ APIKey string }
	if status := callAPI(t, c.base, o.coordinator, "POST", "/v1/users", map[string]any{"role": "interpreter", "interpreterId": o.interpreters[0]}, &me); status != 201 {
		t.Fatalf("the interpreter's user: %d", status)
	}
	var accepted struct{ ID string }
	if status := callAPI(t, c.base, me.APIKey, "POST", "/v1/offers/"+offers[0]+"/accept", map[string]any{"noKnownConflict": true}, &accepted); status != 201 {
		t.Fatalf("accept: %d", status)
	}
	expect("offerId", offers[0], "offer.accepted")
	expect("bookingId", accepted.ID, "booking.request")
	var bookings []string
	for i := range 4 {
		status, id := o.book(t, c.base, 10+i, o.interpreters[1+i])
		if status != 201 {
			t.Fatalf("book %d: %d", i, status)
		}
		bookings = append(bookings, id)
		expect("bookingId", id, "booking.request")
	}
	if status := callAPI(t, c.base, o.socialWorker, "POST", "/v1/bookings/"+bookings[0]+"/cancel", map[string]any{"reason": "The interview was called off"}, nil); status != 200 {
		t.Fatalf("cancel: %d", status)
	}
	expect("bookingId", bookings[0], "booking.cancel")

	// The relay is down: the deliverer tries, and fails.
	waitFor(t, 10*time.Second, "a failed attempt", func() bool {
		return slices.ContainsFunc(notifications(t, c.base, o.coordinator, nil), func(m notification) bool {
			return m.Status == "failed" && strings.Contains(m.LastError, "refused")
		})
	})

	// A burst of offers and bookings from four clients, killed midway.
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	var (
		next  atomic.Int64
		acked atomic.Int64
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	next.Store(20)
	for w := range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				i := int(next.Add(1))
				start, end := slot(i)
				body := map[string]any{"caseId": o.caseID, "start": start, "end": end, "interviewType": "abe_police", "modality": "video", "location": "Video link", "joinDetails": "https://meet.example.org/interview"}
				path, field, kind := "/v1/bookings", "bookingId", "booking.request"
				if i%2 == 0 {
					path, field, kind = "/v1/offers", "offerId", "offer.invitation"
					body["interpreterIds"], body["mode"] = []string{o.interpreters[w], o.interpreters[5]}, "cascade"
				} else {
					body["interpreterId"] = o.interpreters[w]
				}
				b, _ := json.Marshal(body)
				req, _ := http.NewRequest("POST", c.base+path, bytes.NewReader(b))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+o.socialWorker)
				res, err := client.Do(req)
				if err != nil {
					return // the service is gone
				}
				var v struct{ ID string }
				decodeErr := json.NewDecoder(res.Body).Decode(&v)
				res.Body.Close()
				if res.StatusCode == 201 && decodeErr == nil && v.ID != "" {
					acked.Add(1)
					expect(field, v.ID, kind)
				} else if res.StatusCode != 201 {
					t.Errorf("%s for slot %d: %d", path, i, res.StatusCode)
				}
			}
		})
	}
	waitFor(t, 20*time.Second, "40 changes of the burst acknowledged", func() bool { return acked.Load() >= 40 })
	c.kill()
	close(stop)
	wg.Wait()
	client.CloseIdleConnections()
	if acked.Load() == 0 {
		t.Fatal("no change of the burst was acknowledged before the kill")
	}

	// The relay comes up, then the service on the same file.
	r := startRelay(t, relayAddr)
	restarted := time.Now()
	c = startChild(t, env...)
	waited := waitForOutbox(t, c.base, o.coordinator, 3*time.Minute) // a lease held at the kill lapses after app.DeliveryLease
	outbox := notifications(t, c.base, o.coordinator, nil)
	sent, retried := 0, 0
	for _, m := range outbox {
		if m.Status == "sent" {
			sent++
			if m.Attempts > 1 {
				retried++
			}
		}
	}
	missing := 0
	for _, e := range want {
		list := notifications(t, c.base, o.coordinator, e.query)
		i := slices.IndexFunc(list, func(m notification) bool { return m.Kind == e.kind })
		switch {
		case i < 0:
			missing++
			t.Errorf("no %s in the outbox for the acknowledged change %s", e.kind, e.query.Encode())
		case list[i].Status != "sent" || r.counts()[messageID(list[i].ID)] == 0:
			missing++
			t.Errorf("the %s of %s (%s) never arrived", e.kind, e.query.Encode(), list[i].Status)
		}
	}
	// A repeat needs a message sent whose mark did not land: the relay was
	// down when the service died, so none can have been.
	repeats := checkMessageIDs(t, outbox, r, true)
	t.Logf("%d acknowledged changes (9, then %d in the burst) expecting %d messages: %d missing; the outbox sent %d (%d after more than one attempt), the relay accepted %d, %d of them repeats; every due message sent %v after the restart was ready (%v after the relay came up)",
		9+acked.Load(), acked.Load(), len(want), missing, sent, retried, len(r.accepted()), repeats,
		waited.Round(time.Millisecond), time.Since(restarted).Round(time.Millisecond))
}

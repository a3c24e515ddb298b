package main

import (
	"bytes"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// TestMailRetriesTemporaryRefusal: a relay answering 421 to RCPT gets the
// message again, after the first retry wait (TOLK_MAIL_RETRY, 1s) and then
// twice that, until it accepts; the delivery list shows the attempts.
func TestMailRetriesTemporaryRefusal(t *testing.T) {
	r := startRelay(t, "127.0.0.1:0")
	var (
		mu    sync.Mutex
		to    string // the interpreter's address, once the org is set up
		tries []time.Time
	)
	r.answer(func(rcpt string) *smtp.SMTPError {
		mu.Lock()
		defer mu.Unlock()
		if to == "" || !strings.EqualFold(rcpt, to) {
			// Not the booking's message: a coordinator's daily summary,
			// which the scheduler writes from 07:00 UK time once the
			// coordinator exists, would otherwise take a 421 and a try.
			return nil
		}
		tries = append(tries, time.Now())
		if len(tries) <= 2 {
			return smtpError(421, "Too busy, try again later")
		}
		return nil
	}, nil)
	fastDelivery(t)
	in := start(t, mailEnv(t, r))
	o := setUpOrg(t, in.base, 1)
	mu.Lock()
	to = o.emails[o.interpreters[0]]
	mu.Unlock()
	status, bookingID := o.book(t, in.base, 0, o.interpreters[0])
	if status != 201 {
		t.Fatalf("book: %d", status)
	}
	n, _ := receive(t, in.base, o.coordinator, r, url.Values{"bookingId": {bookingID}}, "booking.request")
	if n.Attempts != 3 {
		t.Errorf("the message was sent at attempt %d, want 3 (two 421s, then 250)", n.Attempts)
	}
	if got := r.counts()[messageID(n.ID)]; got != 1 {
		t.Errorf("the message arrived %d times", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(tries) != 3 {
		t.Fatalf("%d RCPTs, want 3", len(tries))
	}
	first, second := tries[1].Sub(tries[0]), tries[2].Sub(tries[1])
	if first < time.Second || second < 2*time.Second {
		t.Errorf("retried after %v and %v, want at least 1s and then 2s", first, second)
	}
	t.Logf("two 421s, then accepted: retried after %v and %v; attempts %d", first.Round(time.Millisecond), second.Round(time.Millisecond), n.Attempts)
}

// TestMailDeadLetterRetried: a relay answering 550 to RCPT makes the
// message a dead letter at once, which coordinators (not social workers)
// see in GET /v1/notifications?status=dead; POST
// /v1/notifications/{id}/retry sends it once the relay accepts.
func TestMailDeadLetterRetried(t *testing.T) {
	r := startRelay(t, "127.0.0.1:0")
	r.answer(func(string) *smtp.SMTPError { return smtpError(550, "No such user here") }, nil)
	fastDelivery(t)
	in := start(t, mailEnv(t, r))
	o := setUpOrg(t, in.base, 1)
	status, bookingID := o.book(t, in.base, 0, o.interpreters[0])
	if status != 201 {
		t.Fatalf("book: %d", status)
	}
	dead := url.Values{"status": {"dead"}}
	var letter notification
	waitFor(t, 15*time.Second, "a dead letter", func() bool {
		for _, m := range notifications(t, in.base, o.coordinator, dead) {
			if m.BookingID == bookingID && m.Kind == "booking.request" {
				letter = m
				return true
			}
		}
		return false
	})
	if letter.Attempts != 1 || !strings.Contains(letter.LastError, "550") {
		t.Errorf("the dead letter: %d attempts, last error %q; want 1 and the 550", letter.Attempts, letter.LastError)
	}
	if status := callAPI(t, in.base, o.socialWorker, "GET", "/v1/notifications?status=dead", nil, nil); status != 403 {
		t.Errorf("a social worker listing dead letters: %d, want 403", status)
	}
	if got := r.accepted(); len(got) != 0 {
		t.Fatalf("the relay accepted %d messages while refusing", len(got))
	}

	r.answer(nil, nil)
	var retried notification
	if status := callAPI(t, in.base, o.coordinator, "POST", "/v1/notifications/"+letter.ID+"/retry", nil, &retried); status != 200 || retried.Status != "queued" || retried.Attempts != 0 {
		t.Fatalf("retry: %d %+v, want 200 queued with its attempts counted afresh", status, retried)
	}
	var problem struct{ Code string }
	if status := callAPI(t, in.base, o.coordinator, "POST", "/v1/notifications/"+letter.ID+"/retry", nil, &problem); status != 409 || problem.Code != "message_not_dead" {
		t.Errorf("retrying it again: %d %s, want 409 message_not_dead", status, problem.Code)
	}
	n, d := receive(t, in.base, o.coordinator, r, url.Values{"bookingId": {bookingID}}, "booking.request")
	if n.ID != letter.ID || n.Attempts != 1 || r.counts()[d.messageID] != 1 {
		t.Errorf("after the retry: %+v, arrived %d times; want the dead letter sent at its first new attempt, once", n, r.counts()[d.messageID])
	}
}

// TestMailRepeatKeepsMessageID: a message delivered twice (the relay took
// all of it, then answered 451, so the service tries again) arrives both
// times with the same Message-ID and the same bytes but for Date: a
// repeat is recognisable.
func TestMailRepeatKeepsMessageID(t *testing.T) {
	r := startRelay(t, "127.0.0.1:0")
	var once sync.Once
	r.answer(nil, func(delivery) *smtp.SMTPError {
		refuse := false
		once.Do(func() { refuse = true })
		if refuse {
			return smtpError(451, "Local error in processing")
		}
		return nil
	})
	fastDelivery(t)
	in := start(t, mailEnv(t, r))
	o := setUpOrg(t, in.base, 1)
	status, bookingID := o.book(t, in.base, 0, o.interpreters[0])
	if status != 201 {
		t.Fatalf("book: %d", status)
	}
	n, _ := receive(t, in.base, o.coordinator, r, url.Values{"bookingId": {bookingID}}, "booking.request")
	var copies []delivery
	for _, d := range r.all() {
		if d.messageID == messageID(n.ID) {
			copies = append(copies, d)
		}
	}
	if len(copies) != 2 || copies[0].accepted || !copies[1].accepted || n.Attempts != 2 {
		t.Fatalf("%d copies of %s (attempts %d), want one refused after DATA and one accepted", len(copies), n.ID, n.Attempts)
	}
	date := regexp.MustCompile(`(?m)^Date: .*\r\n`)
	a, b := date.ReplaceAll(copies[0].raw, nil), date.ReplaceAll(copies[1].raw, nil)
	if !bytes.Equal(a, b) {
		t.Errorf("the two deliveries differ beyond Date:\n%s\n---\n%s", copies[0].raw, copies[1].raw)
	}
	if !slices.Equal(copies[0].to, copies[1].to) {
		t.Errorf("delivered to %v, then to %v", copies[0].to, copies[1].to)
	}
	t.Logf("delivered twice as %s, identical but for Date", copies[0].messageID)
}

package main

import (
	"crypto/rand"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/tolk/tolk/data/mongodb/mongotest"
)

// TestMailTwoInstancesOneOutbox runs two instances of the service on one
// MongoDB (TOLK_TEST_MONGODB_URI when set, else an in-process FerretDB),
// each with its own sender address, delivering from their one outbox to one
// relay that takes its time (50 ms a message) and refuses the first copy
// of every third message after taking it all (451 to DATA), so that
// retries may fall to either instance. Both instances deliver; every
// message reaches the relay exactly as often as the outbox counts
// attempts, and is accepted once: no message is sent by both instances in
// one attempt.
func TestMailTwoInstancesOneOutbox(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two instances on a database server; skipped with -short")
	}
	uri := os.Getenv("TOLK_TEST_MONGODB_URI")
	if uri == "" {
		addr := freeAddr(t)
		mongotest.Start(t, addr, t.TempDir())
		uri = "mongodb://" + addr + "/"
	}
	database := "tolk_mail_" + strings.ToLower(rand.Text()[:10])

	r := startRelay(t, "127.0.0.1:0")
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
	)
	r.answer(nil, func(d delivery) *smtp.SMTPError {
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		first := !seen[d.messageID]
		seen[d.messageID] = true
		if first && len(seen)%3 == 0 {
			return smtpError(451, "Local error in processing")
		}
		return nil
	})
	env := func(sender string) map[string]string {
		return map[string]string{
			"TOLK_MONGODB_URI": uri, "TOLK_MONGODB_DATABASE": database, "TOLK_BOOTSTRAP_ADMIN_KEY": bootstrapKey,
			"TOLK_RATE_LIMITS": "off", "TOLK_SMTP_URL": r.url(), "TOLK_MAIL_RETRY": "1s",
			"TOLK_MAIL_FROM": "Tolk <" + sender + "@council.example>",
		}
	}
	fastDelivery(t)
	began := time.Now()
	instances := []*instance{start(t, env("tolk-a")), start(t, env("tolk-b"))}
	o := setUpOrg(t, instances[0].base, 4)
	const changes = 40
	for i := range changes {
		base := instances[i%2].base
		if i%4 == 3 {
			if status, _ := o.offer(t, base, i, o.interpreters[i%4], o.interpreters[(i+1)%4]); status != 201 {
				t.Fatalf("offer %d: %d", i, status)
			}
			continue
		}
		if status, _ := o.book(t, base, i, o.interpreters[i%4]); status != 201 {
			t.Fatalf("book %d: %d", i, status)
		}
	}
	made := time.Since(began)
	waited := waitForOutbox(t, instances[1].base, o.coordinator, 90*time.Second)

	outbox := notifications(t, instances[0].base, o.coordinator, nil)
	copies := map[string][]delivery{}
	for _, d := range r.all() {
		copies[d.messageID] = append(copies[d.messageID], d)
	}
	bySender := map[string]int{}
	sent, retried, handedOver := 0, 0, 0
	for _, m := range outbox {
		if m.Status != "sent" {
			continue
		}
		sent++
		got := copies[messageID(m.ID)]
		accepted := 0
		for _, d := range got {
			bySender[d.from]++
			if d.accepted {
				accepted++
			}
		}
		if len(got) != m.Attempts || accepted != 1 {
			t.Errorf("%s (%s) reached the relay %d times, accepted %d; the outbox counts %d attempts", m.ID, m.Kind, len(got), accepted, m.Attempts)
		}
		if m.Attempts > 1 {
			retried++
		}
		if len(got) > 1 && got[0].from != got[len(got)-1].from {
			handedOver++
		}
	}
	if sent < changes {
		t.Errorf("%d messages sent for %d changes", sent, changes)
	}
	checkMessageIDs(t, outbox, r, true)
	for _, sender := range []string{"tolk-a@council.example", "tolk-b@council.example"} {
		if bySender[sender] == 0 {
			t.Errorf("instance %s delivered nothing (deliveries by sender: %v)", sender, bySender)
		}
	}
	t.Logf("%d changes through two instances in %v; %d messages sent (%d retried after a 451, %d of those by the other instance), all delivered %v later; deliveries by instance: %v",
		changes, made.Round(time.Millisecond), sent, retried, handedOver, waited.Round(time.Millisecond), bySender)
}

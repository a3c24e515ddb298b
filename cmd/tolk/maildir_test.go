package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
)

// TestDemoMailToMaildir: the demo with no SMTP configured prints where its
// mail goes and how to read it, and writes every message it sends into
// that Maildir (TOLK_MAILDIR, here a path with a space): after shutdown,
// the store's sent messages (the demo organisation's and the register's
// credential lapses) and the files in new/ are the same set, by
// Message-ID <id@localhost> (the default sender's domain), nothing is left
// in tmp/, and the demo interpreter's invitation carries its answer link.
func TestDemoMailToMaildir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo mail")
	db := filepath.Join(t.TempDir(), "tolk.db")
	fastDelivery(t)
	in := start(t, map[string]string{"TOLK_DB": db, "TOLK_MAILDIR": dir}, "--demo")
	out := in.stdout.String()
	quoted := "'" + dir + "'"
	if want := "Mail goes to Maildir " + quoted + " (read it with: mutt -f " + quoted + ")."; !strings.Contains(out, want) {
		t.Errorf("the demo does not say where its mail goes; want %q in:\n%s", want, out)
	}
	m := regexp.MustCompile(`(?m)^\s+coordinator\s+(tolk_\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no coordinator key printed:\n%s", out)
	}
	waited := waitForOutbox(t, in.base, m[1], 20*time.Second)
	// The register's messages (credential lapses, written by the scheduler
	// at start-up) are in no organisation's delivery list: wait until the
	// Maildir has taken no new message for longer than the deliverer's
	// interval.
	var files map[string]email // by Message-ID
	count, changed := -1, time.Now()
	waitFor(t, 20*time.Second, "the Maildir to stop growing", func() bool {
		if files = readMaildir(t, dir); len(files) != count {
			count, changed = len(files), time.Now()
		}
		return time.Since(changed) > 5*fastDeliverEvery
	})
	if err := in.shutdown(t); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()

	s, err := bolt.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(t.Context())
	sent := map[string]data.Message{}
	for _, scope := range []string{demoOrganisation, data.ScopeRegister} {
		q := data.MessageQuery{Organisation: scope, Limit: data.MaxPageSize}
		for {
			page, err := s.ListMessages(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			for _, msg := range page.Items {
				switch {
				case msg.Status == data.MessageSent:
					sent["<"+msg.ID+"@localhost>"] = msg
				case msg.Pending() && msg.Due.Before(stopped.Add(-fastDeliverEvery)):
					t.Errorf("message %s (%s) was due at %v and is still %s", msg.ID, msg.Kind, msg.Due, msg.Status)
				}
			}
			if page.Next == "" {
				break
			}
			q.Before = page.Next
		}
	}
	kinds := map[data.MessageKind]int{}
	for id, msg := range sent {
		kinds[msg.Kind]++
		f, ok := files[id]
		if !ok {
			t.Errorf("sent message %s (%s) is not in the Maildir", id, msg.Kind)
			continue
		}
		if plain, _ := f.root.find("text/plain"); msg.Kind == data.MessageOfferInvitation && !strings.Contains(plain.Body, in.base+"/respond/tolkans_") {
			t.Errorf("the demo invitation has no answer link to %s:\n%s", in.base, plain.Body)
		}
	}
	for id := range files {
		if _, ok := sent[id]; !ok {
			t.Errorf("%s is in the Maildir but not a sent message of the store", id)
		}
	}
	if kinds[data.MessageOfferInvitation] == 0 {
		t.Errorf("the demo's invitation was not sent (sent: %v)", kinds)
	}
	if tmp, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(tmp) != 0 {
		t.Errorf("%d files left in tmp/", len(tmp))
	}
	t.Logf("the demo sent %d messages into the Maildir (%v), the organisation's within %v", len(sent), kinds, waited.Round(time.Millisecond))
}

// readMaildir parses every message in dir/new, by Message-ID; a Message-ID
// found twice fails the test.
func readMaildir(t *testing.T, dir string) map[string]email {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "new"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]email{}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, "new", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		msg := parseEmail(t, raw)
		id := msg.header.Get("Message-ID")
		if _, twice := files[id]; twice {
			t.Errorf("%s is in the Maildir twice", id)
		}
		files[id] = msg
	}
	return files
}

package mail

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/tolk/tolk/data"
)

// newTestMaildir is New for a Maildir under a temporary directory.
func newTestMaildir(t *testing.T) (Sender, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tolk-mail")
	s, err := New(Config{Maildir: dir, From: testFrom, now: fixedClock})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s, dir
}

// files returns the names of the files in dir.
func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestMaildirSend: a message appears in new/ as exactly Compose's bytes,
// readable by its owner only, and nothing stays in tmp/.
func TestMaildirSend(t *testing.T) {
	s, dir := newTestMaildir(t)
	for _, sub := range []string{"tmp", "new", "cur"} {
		if fi, err := os.Stat(filepath.Join(dir, sub)); err != nil || !fi.IsDir() {
			t.Fatalf("%s/ is missing: %v", sub, err)
		}
	}
	m := requestMessage(t)
	if err := s.Send(t.Context(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	names := files(t, filepath.Join(dir, "new"))
	if len(names) != 1 {
		t.Fatalf("new/ holds %v, want one message", names)
	}
	got, err := os.ReadFile(filepath.Join(dir, "new", names[0]))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, compose(t, m)) {
		t.Error("the file is not Compose's bytes")
	}
	if strings.ContainsAny(names[0], "/:") {
		t.Errorf("file name %q holds / or :", names[0])
	}
	if tmp := files(t, filepath.Join(dir, "tmp")); len(tmp) != 0 {
		t.Errorf("tmp/ holds %v", tmp)
	}
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(filepath.Join(dir, "new", names[0])); fi.Mode().Perm() != 0o600 {
			t.Errorf("the file's mode is %v, want 0600", fi.Mode().Perm())
		}
	}
}

// TestMaildirConcurrentSends: deliveries at once, even of one message,
// make distinct files.
func TestMaildirConcurrentSends(t *testing.T) {
	s, dir := newTestMaildir(t)
	m := plainMessage()
	const n = 32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() { errs <- s.Send(t.Context(), m) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	names := files(t, filepath.Join(dir, "new"))
	if len(names) != n {
		t.Fatalf("new/ holds %d files, want %d", len(names), n)
	}
	want := compose(t, m)
	for _, name := range names {
		if got, err := os.ReadFile(filepath.Join(dir, "new", name)); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not Compose's bytes (%v)", name, err)
		}
	}
}

// TestMaildirRefuses: a message Compose refuses, or a context that ended,
// writes nothing.
func TestMaildirRefuses(t *testing.T) {
	s, dir := newTestMaildir(t)
	m := plainMessage()
	m.Subject = "Hello\r\nBcc: evil@example.org"
	if err := s.Send(t.Context(), m); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("Send of a bad message = %v, want data.ErrInvalid", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Send(ctx, plainMessage()); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context = %v", err)
	}
	if names := files(t, filepath.Join(dir, "new")); len(names) != 0 {
		t.Errorf("new/ holds %v", names)
	}
}

// TestMaildirDefault: with nothing configured, mail goes to ./tolk-mail,
// and Where says how to read it.
func TestMaildirDefault(t *testing.T) {
	t.Chdir(t.TempDir())
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Where(), "Maildir ./tolk-mail (read it with: mutt -f ./tolk-mail)"; got != want {
		t.Errorf("Where() = %q, want %q", got, want)
	}
	if err := s.Send(t.Context(), plainMessage()); err != nil {
		t.Fatal(err)
	}
	names := files(t, filepath.Join("tolk-mail", "new"))
	if len(names) != 1 {
		t.Fatalf("tolk-mail/new holds %v", names)
	}
	raw, err := os.ReadFile(filepath.Join("tolk-mail", "new", names[0]))
	if err != nil || !bytes.Contains(raw, []byte("\r\nFrom: <tolk@localhost>\r\n")) {
		t.Errorf("the message is not from tolk@localhost (%v):\n%s", err, raw)
	}
}

func TestMaildirWhere(t *testing.T) {
	tests := map[string]string{
		"/var/mail/tolk":       "Maildir /var/mail/tolk (read it with: mutt -f /var/mail/tolk)",
		"/srv/tolk's mail box": `Maildir '/srv/tolk'\''s mail box' (read it with: mutt -f '/srv/tolk'\''s mail box')`,
	}
	for dir, want := range tests {
		if got := (&maildirSender{dir: dir}).Where(); got != want {
			t.Errorf("Where() = %q, want %q", got, want)
		}
	}
}

// TestMaildirUnwritable: New says why it cannot make the Maildir.
func TestMaildirUnwritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Maildir: filepath.Join(file, "mail")}); err == nil || !strings.Contains(err.Error(), "Maildir") {
		t.Errorf("New over a file = %v", err)
	}
}

package mail

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tolk/tolk/data"
)

// maildirSender delivers into a Maildir (cr.yp.to/proto/maildir.html):
// each message a file, written in tmp/ under a name no other delivery
// uses, synced, renamed into new/ (where readers look, so they never see
// a half-written message), and new/ synced, so a delivery that returned
// survives a crash.
type maildirSender struct {
	dir  string
	from string
	now  func() time.Time
	host string // this machine's name, as a file name may hold it
}

// deliveries counts this process's deliveries, for unique file names.
var deliveries atomic.Uint64

func newMaildir(cfg Config) (*maildirSender, error) {
	for _, sub := range []string{"", "tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(cfg.Maildir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("mail: Maildir: %w", err)
		}
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	// A name holds no "/" and, by convention, no ":" (it starts the info).
	host = strings.NewReplacer("/", `\057`, ":", `\072`).Replace(host)
	return &maildirSender{dir: cfg.Maildir, from: cfg.From, now: cfg.now, host: host}, nil
}

// Where names the directory and how to read it.
func (s *maildirSender) Where() string {
	q := shellQuote(s.dir)
	return "Maildir " + q + " (read it with: mutt -f " + q + ")"
}

// Send composes m and writes it into new/.
func (s *maildirSender) Send(ctx context.Context, m data.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	raw, err := Compose(m, s.from, s.now())
	if err != nil {
		return err
	}
	name := s.uniqueName()
	tmp := filepath.Join(s.dir, "tmp", name)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("mail: Maildir: %w", err)
	}
	_, err = f.Write(raw)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(s.dir, "new", name))
	}
	if err == nil {
		err = syncDir(filepath.Join(s.dir, "new"))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("mail: Maildir: %w", err)
	}
	return nil
}

// uniqueName returns a file name no other delivery uses, in the modern
// form: seconds.M<microseconds>P<pid>Q<delivery>R<random>.host.
func (s *maildirSender) uniqueName() string {
	now := time.Now()
	return fmt.Sprintf("%d.M%06dP%dQ%dR%s.%s", now.Unix(), now.Nanosecond()/1000, os.Getpid(),
		deliveries.Add(1), strings.ToLower(rand.Text()[:16]), s.host)
}

// syncDir makes a rename within dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, os.ErrInvalid) { // a platform that cannot sync a directory
		return nil
	}
	return err
}

// shellQuote returns s as a shell word: as it is when it holds only safe
// characters, else in single quotes.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("./_-+:,@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

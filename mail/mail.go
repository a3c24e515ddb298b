// Package mail delivers tolk's outbox messages (data.Message) as email: over
// SMTP to the organisation's relay when a URL is configured (TOLK_SMTP_URL),
// otherwise into a Maildir on the local disk (TOLK_MAILDIR, default
// ./tolk-mail), so that one machine and the demo work with nothing installed
// and any mail reader opens what was sent (mutt -f ./tolk-mail).
//
// Compose renders a message as RFC 5322 bytes: an invitation or its
// cancellation as iMIP (RFC 6047), multipart/mixed holding
// multipart/alternative (text/plain, text/html and text/calendar with its
// method parameter, never base64) and the same calendar as an invite.ics
// attachment; any other message as text and HTML alternatives. The same
// message always gives the same bytes apart from Date, and its Message-ID is
// the message's ID, so a repeat is recognisable. Both senders deliver exactly
// Compose's bytes.
//
// SMTP goes through github.com/wneessen/go-mail, which dials, secures
// (implicit TLS, or STARTTLS required) and authenticates. Four pieces are
// written here, each for a reason:
//
//   - The MIME tree is built with the standard library (mime/multipart,
//     mime/quotedprintable, net/mail), not go-mail's Msg:
//     go-mail draws a random boundary for each nested multipart, so two
//     renders of one message differ, and a message must be the same bytes in
//     a golden test, in the Maildir, on the wire and when it is sent again.
//     Here each boundary is a hash of the content, and each text part is 7bit
//     when it can be and quoted-printable otherwise. Switching needs a
//     go-mail that lets a caller set the boundary of each multipart (it sets
//     one for all, which only a single-level message can use).
//   - The SMTP transaction (MAIL, RCPT, DATA) runs on the smtp.Client that
//     go-mail's Client has dialled and authenticated, since go-mail's Send
//     writes its own Msg. Replies are classified by their code as go-mail's
//     SendError.IsTemp and ErrorCode do (see Refusal).
//   - Authentication is a small smtp.Auth that picks PLAIN, else LOGIN, from
//     what the server offers, over go-mail's own PlainAuth and LoginAuth, and
//     refuses to send a password without TLS unless the URL said tls=none:
//     go-mail's discovery would also pick CRAM-MD5, SCRAM or NTLM, and its
//     "opportunistic" mode rewrites the Client's setting while it dials.
//   - The Maildir writer follows the format (cr.yp.to/proto/maildir.html):
//     no maintained Go Maildir library is served by the module proxy this
//     project builds from (github.com/emersion/go-maildir is refused). It
//     writes a uniquely named file in tmp/, syncs it, renames it into new/
//     and syncs new/. Switching to go-maildir changes maildir.go only.
package mail

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tolk/tolk/data"
)

// Defaults of a Config.
const (
	DefaultFrom    = "tolk@localhost"
	DefaultMaildir = "./tolk-mail"
	DefaultTimeout = 30 * time.Second
)

// Config says where mail goes.
type Config struct {
	// URL is the SMTP relay (TOLK_SMTP_URL): smtp://user:pass@host:587
	// (STARTTLS required), smtps://user:pass@host:465 (implicit TLS) or
	// smtp://host:25?tls=none (no TLS: a relay on the same host or a trusted
	// network). A user and password are optional. Empty means a Maildir.
	URL string
	// From is the sender (TOLK_MAIL_FROM), an address with or without a
	// display name; DefaultFrom when empty.
	From string
	// Maildir is the directory mail goes to without SMTP (TOLK_MAILDIR);
	// DefaultMaildir when empty.
	Maildir string
	// Timeout bounds one delivery over SMTP, from dialling to the server's
	// last reply; DefaultTimeout when zero.
	Timeout time.Duration

	// Set by tests only.
	roots *x509.CertPool   // the certificates to trust instead of the system's
	now   func() time.Time // the clock Date is read from
}

// Sender delivers messages.
type Sender interface {
	// Send delivers m once, as Compose renders it. It returns a *Refusal
	// when the server refused the message or could not be reached
	// (Temporary says whether a later attempt may succeed), an error
	// matching data.ErrInvalid when m cannot be composed (no attempt will
	// succeed), and any other error when ctx ended first or the Maildir
	// could not be written.
	Send(ctx context.Context, m data.Message) error
	// Where says where mail goes, for the log and the demo, without a
	// password.
	Where() string
}

// New returns the Sender cfg describes: SMTP when cfg.URL is set, else a
// Maildir at cfg.Maildir, whose directories it creates. An error names
// what is wrong with cfg, never the password.
func New(cfg Config) (Sender, error) {
	if cfg.From == "" {
		cfg.From = DefaultFrom
	}
	if _, _, err := parseFrom(cfg.From); err != nil {
		return nil, fmt.Errorf("mail: from address %q: %w", cfg.From, err)
	}
	switch {
	case cfg.Timeout == 0:
		cfg.Timeout = DefaultTimeout
	case cfg.Timeout < 0:
		return nil, errors.New("mail: timeout must not be negative")
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	if cfg.URL != "" {
		return newSMTP(cfg)
	}
	if cfg.Maildir == "" {
		cfg.Maildir = DefaultMaildir
	}
	return newMaildir(cfg)
}

// Refusal is what Send returns when the server refused a message or could
// not be reached. Temporary is true for a 4xx reply and for every failure to
// connect, secure the connection or authenticate (refused, timed out, TLS
// trouble, a password the relay refuses: the relay and tolk's configuration
// are at fault, not the message, and a later attempt may succeed); it is
// false for a 5xx reply to the message's MAIL, RCPT or DATA, a refusal for
// good. Code is the reply code, 0 when there was none. Reason is short,
// one line and safe to store: the step and the server's reply, never a
// message body or a password.
type Refusal struct {
	Temporary bool
	Code      int
	Reason    string

	cause error // for errors.Is (context.DeadlineExceeded, a net error)
}

// StatusCode is the server's reply code (0 when it never answered): what
// a log line may carry of a refusal, whose text often quotes the
// recipient's address.
func (r *Refusal) StatusCode() int { return r.Code }

// Error says whether the refusal is temporary, and why.
func (r *Refusal) Error() string {
	if r.Temporary {
		return "mail: temporary failure: " + r.Reason
	}
	return "mail: refused: " + r.Reason
}

// Unwrap returns the cause, if any.
func (r *Refusal) Unwrap() error { return r.cause }

// maxReason bounds a Refusal's Reason, well inside data.MaxLastError.
const maxReason = 200

// reason makes s safe to store: one line of printable text, at most
// maxReason bytes, cut at a rune boundary.
func reason(s string) string {
	s = strings.ToValidUTF8(s, "?")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r < 0x20 || r == 0x7f
	}), " ")
	if len(s) > maxReason {
		cut := maxReason - len("...")
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

// parseFrom parses a sender: an ASCII address, with or without a display
// name, whose domain can name a Message-ID. It returns the address and its
// domain.
func parseFrom(from string) (*mail.Address, string, error) {
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, "", errors.New("is not an email address")
	}
	if !ascii(a.Address) {
		return nil, "", errors.New("must be an ASCII address")
	}
	if !safeText(a.Name) {
		return nil, "", errors.New("has a control character in its name")
	}
	domain := a.Address[strings.LastIndexByte(a.Address, '@')+1:]
	if !dotAtom(domain) {
		return nil, "", errors.New("must have a domain name, not an address literal")
	}
	return a, domain, nil
}

package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"
)

// The mail side of the mail tests: an SMTP server that keeps what it is
// given, and a MIME parser's and a calendar parser's view of a message.
// The service's side is in mailoutbox_test.go; the tests themselves in
// mailoffer_test.go, mailretry_test.go, mailcrash_test.go,
// mailinstances_test.go and maildir_test.go.

// mailFrom is the sender the mail tests configure (TOLK_MAIL_FROM): every
// Message-ID is <outbox ID@council.example>.
const mailFrom = "Tolk bookings <tolk@council.example>"

// delivery is one message an SMTP client gave a relay: its envelope, its
// bytes, and whether the relay accepted it (250 to the end of DATA).
type delivery struct {
	from      string
	to        []string
	raw       []byte
	messageID string
	accepted  bool
}

// relay is an in-process SMTP server (github.com/emersion/go-smtp) on
// 127.0.0.1, without TLS or authentication (the service reaches it with
// ?tls=none), that keeps every message given to it. A test decides how it
// answers RCPT and the end of DATA.
type relay struct {
	addr string
	srv  *smtp.Server

	mu   sync.Mutex
	got  []delivery
	rcpt func(to string) *smtp.SMTPError // nil: 250
	data func(d delivery) *smtp.SMTPError
}

// startRelay starts a relay listening on addr ("127.0.0.1:0" for any free
// port), stopped when the test ends.
func startRelay(t *testing.T, addr string) *relay {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("relay on %s: %v", addr, err)
	}
	r := &relay{addr: l.Addr().String()}
	r.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &relaySession{r: r}, nil }))
	r.srv.Domain = "localhost"
	r.srv.ReadTimeout, r.srv.WriteTimeout = 10*time.Second, 10*time.Second
	go func() { _ = r.srv.Serve(l) }()
	t.Cleanup(func() { _ = r.srv.Close() })
	return r
}

// url is TOLK_SMTP_URL for the relay.
func (r *relay) url() string { return "smtp://" + r.addr + "?tls=none" }

// answer sets how the relay answers RCPT and the end of DATA (nil: 250).
func (r *relay) answer(rcpt func(to string) *smtp.SMTPError, data func(delivery) *smtp.SMTPError) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rcpt, r.data = rcpt, data
}

// all returns every message given to the relay, accepted or not, in order.
func (r *relay) all() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// accepted returns the messages the relay accepted, in order.
func (r *relay) accepted() []delivery {
	var out []delivery
	for _, d := range r.all() {
		if d.accepted {
			out = append(out, d)
		}
	}
	return out
}

// counts returns how often each Message-ID was accepted.
func (r *relay) counts() map[string]int {
	n := map[string]int{}
	for _, d := range r.accepted() {
		n[d.messageID]++
	}
	return n
}

// relaySession is one SMTP session of a relay.
type relaySession struct {
	r    *relay
	from string
	to   []string
}

func (s *relaySession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.r.mu.Lock()
	rcpt := s.r.rcpt
	s.r.mu.Unlock()
	if rcpt != nil {
		if err := rcpt(to); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *relaySession) Data(body io.Reader) error {
	raw, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	d := delivery{from: s.from, to: slices.Clone(s.to), raw: raw}
	if e, err := message.Read(bytes.NewReader(raw)); err == nil {
		d.messageID = e.Header.Get("Message-ID")
	}
	s.r.mu.Lock()
	answer := s.r.data
	s.r.mu.Unlock()
	var refusal *smtp.SMTPError
	if answer != nil {
		refusal = answer(d) // outside the lock: it may take its time
	}
	d.accepted = refusal == nil
	s.r.mu.Lock()
	s.r.got = append(s.r.got, d)
	s.r.mu.Unlock()
	if refusal != nil {
		return refusal
	}
	return nil
}

func (s *relaySession) Reset()        { s.from, s.to = "", nil }
func (s *relaySession) Logout() error { return nil }

// smtpError is a reply with code and text.
func smtpError(code int, text string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: text}
}

// messageID is the Message-ID of the outbox message id, as mailFrom makes it.
func messageID(id string) string { return "<" + id + "@council.example>" }

// mimePart is a MIME entity as go-message reads it: its media type and
// parameters (boundary left out), transfer encoding, disposition and file
// name, and its decoded body or its parts.
type mimePart struct {
	Type        string
	Params      map[string]string
	Encoding    string
	Disposition string
	Filename    string
	Body        string
	Parts       []mimePart
}

// email is a message as a mail reader sees it.
type email struct {
	header message.Header
	root   mimePart
}

// subject is the message's Subject, decoded.
func (e email) subject(t *testing.T) string {
	t.Helper()
	h := gomail.Header{Header: e.header}
	s, err := h.Subject()
	if err != nil {
		t.Fatalf("Subject: %v", err)
	}
	return s
}

// parseEmail reads raw with github.com/emersion/go-message.
func parseEmail(t *testing.T, raw []byte) email {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("go-message cannot read the message: %v\n%s", err, raw)
	}
	return email{header: e.Header, root: readPart(t, e)}
}

func readPart(t *testing.T, e *message.Entity) mimePart {
	t.Helper()
	mt, params, err := e.Header.ContentType()
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	delete(params, "boundary")
	p := mimePart{Type: mt, Params: params, Encoding: e.Header.Get("Content-Transfer-Encoding")}
	if e.Header.Get("Content-Disposition") != "" {
		disp, dp, err := e.Header.ContentDisposition()
		if err != nil {
			t.Fatalf("Content-Disposition: %v", err)
		}
		p.Disposition, p.Filename = disp, dp["filename"]
	}
	if mr := e.MultipartReader(); mr != nil {
		for {
			child, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("multipart: %v", err)
			}
			p.Parts = append(p.Parts, readPart(t, child))
		}
		return p
	}
	b, err := io.ReadAll(e.Body)
	if err != nil {
		t.Fatalf("body of %s: %v", mt, err)
	}
	p.Body = string(b)
	return p
}

// shape is the tree of media types: "multipart/mixed[multipart/alternative[
// text/plain text/html] application/ics]".
func (p mimePart) shape() string {
	if len(p.Parts) == 0 {
		return p.Type
	}
	var kids []string
	for _, c := range p.Parts {
		kids = append(kids, c.shape())
	}
	return p.Type + "[" + strings.Join(kids, " ") + "]"
}

// find returns the first part of media type mt, depth first.
func (p mimePart) find(mt string) (mimePart, bool) {
	if p.Type == mt {
		return p, true
	}
	for _, c := range p.Parts {
		if f, ok := c.find(mt); ok {
			return f, true
		}
	}
	return mimePart{}, false
}

// text is every decoded text body of the message, for what must not be in it.
func (p mimePart) text() string {
	if len(p.Parts) == 0 {
		return p.Body
	}
	var b strings.Builder
	for _, c := range p.Parts {
		b.WriteString(c.text())
		b.WriteString("\n")
	}
	return b.String()
}

// event is the one VEVENT of an iMIP calendar, as go-ical reads it.
type event struct {
	method, uid, attendee, partstat, rsvp string
	sequence                              int
}

// parseCalendar reads an iMIP calendar with github.com/emersion/go-ical.
func parseCalendar(t *testing.T, body string) event {
	t.Helper()
	cal, err := ical.NewDecoder(strings.NewReader(body)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot read the calendar: %v\n%s", err, body)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("the calendar has %d events, want 1", len(evs))
	}
	var e event
	if p := cal.Props.Get(ical.PropMethod); p != nil {
		e.method = p.Value
	}
	get := func(name string) string {
		if p := evs[0].Props.Get(name); p != nil {
			return p.Value
		}
		return ""
	}
	e.uid = get(ical.PropUID)
	if e.sequence, err = strconv.Atoi(get(ical.PropSequence)); err != nil {
		t.Errorf("SEQUENCE %q: %v", get(ical.PropSequence), err)
	}
	if atts := evs[0].Props.Values(ical.PropAttendee); len(atts) == 1 {
		e.attendee, e.partstat, e.rsvp = atts[0].Value, atts[0].Params.Get(ical.ParamParticipationStatus), atts[0].Params.Get(ical.ParamRSVP)
	} else {
		t.Errorf("the event has %d ATTENDEEs, want only the recipient", len(atts))
	}
	return e
}

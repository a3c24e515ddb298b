package mail

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-message"
	gomessagemail "github.com/emersion/go-message/mail"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tolk/tolk/calendar"
	"github.com/tolk/tolk/data"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// part is a MIME entity as a parser (github.com/emersion/go-message) sees
// it: its media type and parameters (boundary left out), transfer
// encoding, disposition, and its decoded body or its parts.
type part struct {
	Type        string
	Params      map[string]string
	Encoding    string
	Disposition string
	DispParams  map[string]string
	Body        string
	Parts       []part
}

// parse reads raw with go-message and returns its header and tree.
func parse(t *testing.T, raw []byte) (gomessagemail.Header, part) {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("go-message cannot read the message: %v", err)
	}
	return gomessagemail.Header{Header: e.Header}, tree(t, e)
}

func tree(t *testing.T, e *message.Entity) part {
	t.Helper()
	mt, params, err := e.Header.ContentType()
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	delete(params, "boundary")
	p := part{Type: mt, Params: params, Encoding: e.Header.Get("Content-Transfer-Encoding")}
	if e.Header.Get("Content-Disposition") != "" {
		if p.Disposition, p.DispParams, err = e.Header.ContentDisposition(); err != nil {
			t.Fatalf("Content-Disposition: %v", err)
		}
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
			p.Parts = append(p.Parts, tree(t, child))
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

// crlfString is s with LF line breaks as CRLF, as a text part carries it.
func crlfString(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// golden compares raw with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, raw []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./mail -run TestComposeGolden -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), string(raw)); diff != "" {
		t.Errorf("Compose differs from %s (-want +got):\n%s", path, diff)
	}
}

// wellFormed checks what every message Compose writes must be: ASCII,
// CRLF line breaks only, header lines within 78 characters, no line over
// 998.
func wellFormed(t *testing.T, raw []byte) {
	t.Helper()
	if !ascii(string(raw)) {
		t.Error("the message is not ASCII")
	}
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Error("the message does not end with CRLF")
	}
	head, _, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		t.Fatal("no blank line after the header")
	}
	for i, line := range bytes.Split(bytes.TrimSuffix(raw, []byte("\r\n")), []byte("\r\n")) {
		if bytes.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 998 {
			t.Errorf("line %d is %d octets long", i+1, len(line))
		}
	}
	for line := range bytes.SplitSeq(head, []byte("\r\n")) {
		if len(line) > maxLine {
			t.Errorf("header line longer than %d characters: %q", maxLine, line)
		}
	}
}

// textPart is the part want for a text body.
func textPart(ctype, enc, body string, params ...string) part {
	p := part{Type: ctype, Params: map[string]string{}, Encoding: enc, Body: body}
	for i := 0; i+1 < len(params); i += 2 {
		p.Params[params[i]] = params[i+1]
	}
	return p
}

func TestComposeGolden(t *testing.T) {
	request, cancel, plain := requestMessage(t), cancelMessage(t), plainMessage()
	attachment := func(cal []byte) part {
		return part{
			Type: "application/ics", Params: map[string]string{"name": "invite.ics"}, Encoding: "base64",
			Disposition: "attachment", DispParams: map[string]string{"filename": "invite.ics"}, Body: string(cal),
		}
	}
	tests := []struct {
		name string
		m    data.Message
		want part
	}{{
		name: "request.eml",
		m:    request,
		want: part{Type: "multipart/mixed", Parts: []part{
			{Type: "multipart/alternative", Parts: []part{
				textPart("text/plain", "quoted-printable", crlfString(request.Text), "charset", "UTF-8"),
				textPart("text/html", "7bit", crlfString(request.HTML), "charset", "UTF-8"),
				textPart("text/calendar", "7bit", string(request.Calendar), "method", "REQUEST", "charset", "UTF-8"),
			}},
			attachment(request.Calendar),
		}},
	}, {
		name: "cancel.eml",
		m:    cancel,
		want: part{Type: "multipart/mixed", Parts: []part{
			{Type: "multipart/alternative", Parts: []part{
				textPart("text/plain", "7bit", crlfString(cancel.Text), "charset", "UTF-8"),
				textPart("text/html", "7bit", crlfString(cancel.HTML), "charset", "UTF-8"),
				textPart("text/calendar", "7bit", string(cancel.Calendar), "method", "CANCEL", "charset", "UTF-8"),
			}},
			attachment(cancel.Calendar),
		}},
	}, {
		name: "plain.eml",
		m:    plain,
		want: textPart("text/plain", "7bit", crlfString(plain.Text), "charset", "UTF-8"),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := compose(t, tt.m)
			golden(t, tt.name, raw)
			wellFormed(t, raw)
			if again := compose(t, tt.m); !bytes.Equal(raw, again) {
				t.Error("Compose gave different bytes for the same message")
			}

			h, got := parse(t, raw)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("MIME tree (-want +got):\n%s", diff)
			}
			checkHeader(t, h, tt.m)
			if len(tt.m.Calendar) > 0 {
				checkCalendar(t, got, tt.m.CalendarMethod)
			}
		})
	}

	// The cancellation cancels the invitation: the same UID, a higher
	// SEQUENCE.
	uid := func(cal []byte) (string, string) {
		c, err := ical.NewDecoder(bytes.NewReader(cal)).Decode()
		if err != nil {
			t.Fatal(err)
		}
		ev := c.Events()[0]
		return ev.Props.Get(ical.PropUID).Value, ev.Props.Get(ical.PropSequence).Value
	}
	ru, rs := uid(request.Calendar)
	cu, cs := uid(cancel.Calendar)
	if ru != cu || rs != "0" || cs != "1" {
		t.Errorf("UID %s SEQUENCE %s, then UID %s SEQUENCE %s: want one UID, SEQUENCE raised", ru, rs, cu, cs)
	}
}

// checkHeader checks the header fields of m composed by testFrom at
// testNow.
func checkHeader(t *testing.T, h gomessagemail.Header, m data.Message) {
	t.Helper()
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Tolk bookings" || from[0].Address != "tolk@council.example" {
		t.Errorf("From = %v (%v)", from, err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != m.ToName || to[0].Address != m.To {
		t.Errorf("To = %v (%v), want %q <%s>", to, err, m.ToName, m.To)
	}
	if subject, err := h.Subject(); err != nil || subject != m.Subject {
		t.Errorf("Subject = %q (%v), want %q", subject, err, m.Subject)
	}
	if date, err := h.Date(); err != nil || !date.Equal(testNow) {
		t.Errorf("Date = %v (%v), want %v", date, err, testNow)
	}
	if id, err := h.MessageID(); err != nil || id != m.ID+"@council.example" {
		t.Errorf("Message-ID = %q (%v), want %s@council.example", id, err, m.ID)
	}
	if got := h.Get("Message-Id"); got != "<"+m.ID+"@council.example>" {
		t.Errorf("Message-ID field = %q", got)
	}
	if got := h.Get("Auto-Submitted"); got != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", got)
	}
	if got := h.Get("Mime-Version"); got != "1.0" {
		t.Errorf("MIME-Version = %q", got)
	}
}

// checkCalendar checks an iMIP tree: the inline calendar's method parameter
// equals its METHOD, it is not base64, and the attachment is the same
// calendar.
func checkCalendar(t *testing.T, root part, method string) {
	t.Helper()
	if len(root.Parts) != 2 || len(root.Parts[0].Parts) == 0 {
		t.Fatalf("not an iMIP tree: %+v", root)
	}
	alt := root.Parts[0].Parts
	inline, attached := alt[len(alt)-1], root.Parts[1]
	if inline.Encoding == "base64" || inline.Encoding == "" {
		t.Errorf("text/calendar Content-Transfer-Encoding = %q, want 7bit, 8bit or quoted-printable", inline.Encoding)
	}
	c, err := ical.NewDecoder(strings.NewReader(inline.Body)).Decode()
	if err != nil {
		t.Fatalf("the inline calendar does not parse: %v", err)
	}
	if got := c.Props.Get(ical.PropMethod).Value; got != inline.Params["method"] || got != method {
		t.Errorf("METHOD %s, method parameter %s, want both %s", got, inline.Params["method"], method)
	}
	if attached.Body != inline.Body {
		t.Error("invite.ics is not the inline calendar")
	}
}

// TestComposeCalendarQuotedPrintable: a calendar that is not ASCII (an
// attendee named in Polish) goes quoted-printable, never base64, and
// decodes to itself.
func TestComposeCalendarQuotedPrintable(t *testing.T) {
	m := requestMessage(t)
	m.ToName = "Łucja Dąbrowska"
	m.Calendar = invite(t, booking(), calendar.Person{Name: m.ToName, Email: m.To})
	raw := compose(t, m)
	wellFormed(t, raw)
	h, root := parse(t, raw)
	checkHeader(t, h, m)
	checkCalendar(t, root, "REQUEST")
	inline := root.Parts[0].Parts[2]
	if inline.Encoding != "quoted-printable" || inline.Body != string(m.Calendar) {
		t.Errorf("calendar part %s, body equal %v: want quoted-printable, equal", inline.Encoding, inline.Body == string(m.Calendar))
	}
}

// TestComposeAlternatives: without a calendar, text and HTML are
// multipart/alternative; a calendar without HTML leaves text and calendar.
func TestComposeAlternatives(t *testing.T) {
	m := requestMessage(t)
	m.Calendar, m.CalendarMethod = nil, ""
	_, got := parse(t, compose(t, m))
	want := part{Type: "multipart/alternative", Parts: []part{
		textPart("text/plain", "quoted-printable", crlfString(m.Text), "charset", "UTF-8"),
		textPart("text/html", "7bit", crlfString(m.HTML), "charset", "UTF-8"),
	}}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("text and HTML (-want +got):\n%s", diff)
	}

	m = requestMessage(t)
	m.HTML = ""
	_, got = parse(t, compose(t, m))
	var types []string
	for _, p := range got.Parts[0].Parts {
		types = append(types, p.Type)
	}
	if got.Type != "multipart/mixed" || !cmp.Equal(types, []string{"text/plain", "text/calendar"}) {
		t.Errorf("calendar without HTML: %s holding %v", got.Type, types)
	}
}

// TestComposeRefuses: what cannot be sent safely is refused with a
// *data.ValidationError naming the field and never its value; in
// particular no header can be injected.
func TestComposeRefuses(t *testing.T) {
	mismatch := requestMessage(t)
	mismatch.CalendarMethod = "CANCEL"
	tests := []struct {
		name  string
		edit  func(*data.Message)
		from  string
		field string
	}{
		{"CRLF in subject", func(m *data.Message) { m.Subject = "Hello\r\nBcc: evil@example.org" }, "", "subject"},
		{"LF in subject", func(m *data.Message) { m.Subject = "Hello\nBcc: evil@example.org" }, "", "subject"},
		{"CR in name", func(m *data.Message) { m.ToName = "Sam\rBcc: evil@example.org" }, "", "toName"},
		{"NUL in name", func(m *data.Message) { m.ToName = "Sam\x00evil" }, "", "toName"},
		{"C1 in subject", func(m *data.Message) { m.Subject = "Hello\u0085evil" }, "", "subject"},
		{"CRLF in address", func(m *data.Message) { m.To = "sam@example.org\r\nBcc: evil@example.org" }, "", "to"},
		{"named address", func(m *data.Message) { m.To = "Sam <sam@example.org>" }, "", "to"},
		{"non-ASCII address", func(m *data.Message) { m.To = "łucja@example.org" }, "", "to"},
		{"CRLF in ID", func(m *data.Message) { m.ID = "abc>\r\nBcc: evil@example.org" }, "", "id"},
		{"dots in ID", func(m *data.Message) { m.ID = "a..b" }, "", "id"},
		{"empty subject", func(m *data.Message) { m.Subject = "" }, "", "subject"},
		{"empty text", func(m *data.Message) { m.Text = "" }, "", "text"},
		{"HTML not UTF-8", func(m *data.Message) { m.HTML = "evil\xff" }, "", "html"},
		{"text too long", func(m *data.Message) { m.Text = strings.Repeat("a", data.MaxMessageBody+1) }, "", "text"},
		{"method mismatch", func(m *data.Message) { *m = mismatch }, "", "calendar"},
		{"method without calendar", func(m *data.Message) { m.CalendarMethod = "REQUEST" }, "", "calendarMethod"},
		{"unknown method", func(m *data.Message) { m.Calendar, m.CalendarMethod = mismatch.Calendar, "PUBLISH" }, "", "calendarMethod"},
		{"calendar garbage", func(m *data.Message) { m.Calendar, m.CalendarMethod = []byte("evil"), "REQUEST" }, "", "calendar"},
		{"CRLF in from", nil, "tolk@council.example\r\nBcc: evil@example.org", "from"},
		{"from literal", nil, "tolk@[127.0.0.1]", "from"},
		{"from not an address", nil, "evil", "from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := plainMessage()
			if tt.edit != nil {
				tt.edit(&m)
			}
			from := testFrom
			if tt.from != "" {
				from = tt.from
			}
			raw, err := Compose(m, from, testNow)
			if !errors.Is(err, data.ErrInvalid) {
				t.Fatalf("Compose = %q, %v; want data.ErrInvalid", raw, err)
			}
			ve, ok := errors.AsType[*data.ValidationError](err)
			if !ok || len(ve.Errors) == 0 || ve.Errors[0].Field != tt.field {
				t.Errorf("error %v, want one naming %s", err, tt.field)
			}
			if strings.Contains(err.Error(), "evil") {
				t.Errorf("error %q repeats the value", err)
			}
		})
	}
}

func TestEncodeText(t *testing.T) {
	tests := []struct{ in, enc string }{
		{"plain ASCII\r\nlines\r\n", "7bit"},
		{"ünïcode", "quoted-printable"},
		{"trailing space \r\nnext", "quoted-printable"},
		{strings.Repeat("a", 998), "7bit"},
		{strings.Repeat("a", 999), "quoted-printable"},
		{"nul\x00", "quoted-printable"},
	}
	for _, tt := range tests {
		if enc, _ := encodeText([]byte(tt.in)); enc != tt.enc {
			t.Errorf("encodeText(%.20q) = %s, want %s", tt.in, enc, tt.enc)
		}
	}
}

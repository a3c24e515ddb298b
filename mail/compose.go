package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"

	"github.com/tolk/tolk/data"
)

// The content types of the parts, charset and method as SPEC writes them.
const (
	typeText       = "text/plain; charset=UTF-8"
	typeHTML       = "text/html; charset=UTF-8"
	typeAttachment = `application/ics; name="invite.ics"`
)

// typeCalendar is the inline calendar's content type; method is REQUEST
// or CANCEL, and equals the calendar's METHOD.
func typeCalendar(method string) string {
	return "text/calendar; method=" + method + "; charset=UTF-8"
}

// Compose renders m as an RFC 5322 message from from (an address, with or
// without a display name), dated now. Its headers are Date, From, To (with
// m.ToName), Subject (RFC 2047 encoded when needed, folded; names and
// subject without the hidden characters that would make them show as
// other text, see data.StripHidden), Message-ID
// <m.ID@domain of from>, Auto-Submitted: auto-generated (RFC 3834: no
// out-of-office replies) and MIME-Version; its body is
//
//   - with a calendar: multipart/mixed holding multipart/alternative
//     (text/plain, text/html when there is HTML, and text/calendar;
//     method=<m.CalendarMethod>; charset=UTF-8) and the same calendar as an
//     invite.ics attachment (application/ics);
//   - without one: multipart/alternative of text/plain and text/html, or
//     text/plain alone when there is no HTML.
//
// Text parts are 7bit when they are ASCII in short lines and
// quoted-printable otherwise, never base64; line breaks become CRLF; the
// output is ASCII. The same m and now always give the same bytes.
//
// Compose refuses, with a *data.ValidationError (errors.Is data.ErrInvalid)
// that never repeats a value, a sender or recipient that is not a plain
// ASCII address, an ID that cannot be a Message-ID's left part, a name or
// subject with a control character (CR and LF included: a header cannot be
// injected), an empty subject or text, text that is not UTF-8 or longer
// than data.MaxMessageBody, and a calendar that does not parse or whose
// METHOD is not m.CalendarMethod.
func Compose(m data.Message, from string, now time.Time) ([]byte, error) {
	var p problems
	sender, domain, err := parseFrom(from)
	if err != nil {
		p.add("from", err.Error())
	}
	p.check(m)
	if err := p.err(); err != nil {
		return nil, err
	}

	var h bytes.Buffer
	to := &mail.Address{Name: m.ToName, Address: m.To}
	for _, f := range [...]struct{ name, value string }{
		{"Date", now.Format(time.RFC1123Z)},
		{"From", formatAddress(sender)},
		{"To", formatAddress(to)},
		{"Subject", encodeSubject(m.Subject)},
		{"Message-ID", "<" + m.ID + "@" + domain + ">"},
		{"Auto-Submitted", "auto-generated"},
		{"MIME-Version", "1.0"},
	} {
		if err := header(&h, f.name, f.value); err != nil {
			return nil, err
		}
	}

	var body bytes.Buffer
	b := boundaries(m)
	switch {
	case len(m.Calendar) > 0:
		mixed := multipart.NewWriter(&body)
		if err := mixed.SetBoundary(b.mixed); err != nil {
			return nil, err
		}
		fmt.Fprintf(&h, "Content-Type: multipart/mixed;\r\n boundary=%s\r\n", b.mixed)
		w, err := mixed.CreatePart(textproto.MIMEHeader{
			"Content-Type": {"multipart/alternative;\r\n boundary=" + b.alt},
		})
		if err != nil {
			return nil, err
		}
		if err := alternatives(w, b.alt, m); err != nil {
			return nil, err
		}
		w, err = mixed.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {typeAttachment},
			"Content-Disposition":       {`attachment; filename="invite.ics"`},
			"Content-Transfer-Encoding": {"base64"},
		})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(base64Lines(crlf(m.Calendar))); err != nil {
			return nil, err
		}
		if err := mixed.Close(); err != nil {
			return nil, err
		}
	case m.HTML != "":
		fmt.Fprintf(&h, "Content-Type: multipart/alternative;\r\n boundary=%s\r\n", b.alt)
		if err := alternatives(&body, b.alt, m); err != nil {
			return nil, err
		}
	default:
		cte, text := encodeText(crlf([]byte(m.Text)))
		fmt.Fprintf(&h, "Content-Type: %s\r\nContent-Transfer-Encoding: %s\r\n", typeText, cte)
		body.Write(text)
		if !bytes.HasSuffix(text, []byte("\r\n")) {
			body.WriteString("\r\n") // a message ends with a line break
		}
	}
	h.WriteString("\r\n")
	h.Write(body.Bytes())
	return h.Bytes(), nil
}

// alternatives writes to w the parts of a multipart/alternative with
// boundary b: m's text, its HTML if any, and its calendar if any, plainest
// first (RFC 2046 section 5.1.4).
func alternatives(w io.Writer, b string, m data.Message) error {
	alt := multipart.NewWriter(w)
	if err := alt.SetBoundary(b); err != nil {
		return err
	}
	parts := []struct {
		ctype string
		body  string
	}{{typeText, m.Text}}
	if m.HTML != "" {
		parts = append(parts, struct{ ctype, body string }{typeHTML, m.HTML})
	}
	if len(m.Calendar) > 0 {
		parts = append(parts, struct{ ctype, body string }{typeCalendar(m.CalendarMethod), string(m.Calendar)})
	}
	for _, part := range parts {
		cte, body := encodeText(crlf([]byte(part.body)))
		pw, err := alt.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.ctype},
			"Content-Transfer-Encoding": {cte},
		})
		if err != nil {
			return err
		}
		if _, err := pw.Write(body); err != nil {
			return err
		}
	}
	return alt.Close()
}

// multipartBoundaries are the boundaries of one message.
type multipartBoundaries struct{ mixed, alt string }

// boundaries derives m's boundaries from a hash of its content, so that
// the same message always gets the same ones and no content can hold them.
func boundaries(m data.Message) multipartBoundaries {
	h := sha256.New()
	for _, s := range []string{m.ID, m.CalendarMethod, m.Text, m.HTML, string(m.Calendar)} {
		_ = binary.Write(h, binary.BigEndian, uint64(len(s)))
		h.Write([]byte(s))
	}
	sum := hex.EncodeToString(h.Sum(nil)[:16])
	return multipartBoundaries{mixed: "tolk.mixed." + sum, alt: "tolk.alt." + sum}
}

// crlf returns b with every line break (CRLF, LF or a lone CR) as CRLF.
func crlf(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	b = bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}

// encodeText encodes b (CRLF line breaks) for a text part: unchanged as
// 7bit when it is ASCII without NUL, in lines of at most 998 octets with no
// trailing white space (which relays may strip); quoted-printable
// otherwise.
func encodeText(b []byte) (cte string, out []byte) {
	if sevenBit(b) {
		return "7bit", b
	}
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	_, _ = w.Write(b) // a bytes.Buffer takes every write
	_ = w.Close()
	return "quoted-printable", buf.Bytes()
}

func sevenBit(b []byte) bool {
	for line := range bytes.SplitSeq(b, []byte("\r\n")) {
		if len(line) > 998 {
			return false
		}
		if n := len(line); n > 0 && (line[n-1] == ' ' || line[n-1] == '\t') {
			return false
		}
		for _, c := range line {
			if c == 0 || c >= 0x80 || c == '\r' || c == '\n' {
				return false
			}
		}
	}
	return true
}

// base64Lines returns b in base64, in lines of 76 characters ending CRLF.
func base64Lines(b []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(b)
	var out bytes.Buffer
	for len(enc) > 76 {
		out.WriteString(enc[:76])
		out.WriteString("\r\n")
		enc = enc[76:]
	}
	out.WriteString(enc)
	return out.Bytes()
}

// problems collects what makes a message unfit to send.
type problems []data.FieldError

func (p *problems) add(field, message string) {
	*p = append(*p, data.FieldError{Field: field, Message: message})
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &data.ValidationError{Errors: p}
}

// check records what Compose needs from m and m lacks.
func (p *problems) check(m data.Message) {
	if !dotAtom(m.ID) {
		p.add("id", "must be dot-atom text (RFC 5322), as a Message-ID's left part")
	}
	if a, err := mail.ParseAddress(m.To); err != nil || a.Address != m.To {
		p.add("to", "must be a plain email address")
	} else if !ascii(m.To) {
		p.add("to", "must be an ASCII address")
	}
	if !safeText(m.ToName) {
		p.add("toName", "must be one line of text without control characters")
	}
	switch {
	case m.Subject == "":
		p.add("subject", "is required")
	case !safeText(m.Subject):
		p.add("subject", "must be one line of text without control characters")
	}
	if m.Text == "" {
		p.add("text", "is required")
	}
	for _, f := range []struct{ field, s string }{
		{"text", m.Text}, {"html", m.HTML}, {"calendar", string(m.Calendar)},
	} {
		if !utf8.ValidString(f.s) {
			p.add(f.field, "must be UTF-8")
		}
		if len(f.s) > data.MaxMessageBody {
			p.add(f.field, fmt.Sprintf("must be at most %d bytes", data.MaxMessageBody))
		}
	}
	if len(m.Calendar) == 0 {
		if m.CalendarMethod != "" {
			p.add("calendarMethod", "must be empty without a calendar")
		}
		return
	}
	if m.CalendarMethod != "REQUEST" && m.CalendarMethod != "CANCEL" {
		p.add("calendarMethod", "must be REQUEST or CANCEL with a calendar")
		return
	}
	if err := checkMethod(m.Calendar, m.CalendarMethod); err != nil {
		p.add("calendar", err.Error())
	}
}

// checkMethod parses cal and checks that its METHOD is method.
func checkMethod(cal []byte, method string) error {
	c, err := ical.NewDecoder(bytes.NewReader(cal)).Decode()
	if err != nil {
		return errors.New("must be an iCalendar object")
	}
	prop := c.Props.Get(ical.PropMethod)
	if prop == nil || prop.Value != method {
		return errors.New("must have a METHOD equal to calendarMethod")
	}
	return nil
}

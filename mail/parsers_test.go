package mail

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tolk/tolk/calendar"
	"github.com/tolk/tolk/data"
)

// python returns a python3 that can import module: the one on PATH, else
// Debian's /usr/bin/python3 (where apt-get puts python3-icalendar, which a
// python3 from pyenv or a venv does not see). It returns "" when there is
// none.
func python(module string) string {
	var candidates []string
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	candidates = append(candidates, "/usr/bin/python3")
	for _, p := range candidates {
		if exec.Command(p, "-c", "import "+module).Run() == nil {
			return p
		}
	}
	return ""
}

// parserMessages writes the messages the parser tests read, and returns
// their paths and the messages.
func parserMessages(t *testing.T) ([]string, []data.Message) {
	t.Helper()
	qp := requestMessage(t)
	qp.ID += "q"
	qp.ToName = "Łucja Dąbrowska"
	qp.Subject = "Buchung bestätigt: Dolmetschen für Łódź — 10. Juni"
	qp.Calendar = invite(t, booking(), calendar.Person{Name: qp.ToName, Email: qp.To})
	messages := []data.Message{requestMessage(t), cancelMessage(t), plainMessage(), qp}
	dir := t.TempDir()
	var paths []string
	for _, m := range messages {
		path := filepath.Join(dir, m.ID+".eml")
		if err := os.WriteFile(path, compose(t, m), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	return paths, messages
}

// runPython runs script with paths as arguments, and decodes its JSON
// output into v.
func runPython(t *testing.T, python, script string, paths []string, v any) {
	t.Helper()
	out, err := exec.Command(python, append([]string{"-c", script}, paths...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("%s failed: %v\n%s", python, err, ee.Stderr)
		}
		t.Fatalf("%s: %v", python, err)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
}

// emailScript reads each message with Python's email package (the
// default, strict policy) and reports what it found.
const emailScript = `
import email, email.policy, json, sys
out = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        msg = email.message_from_bytes(f.read(), policy=email.policy.default)
    r = {"defects": [], "parts": [], "subject": str(msg["subject"]),
         "to": [[a.display_name, a.addr_spec] for a in msg["to"].addresses],
         "from": [[a.display_name, a.addr_spec] for a in msg["from"].addresses],
         "messageId": str(msg["message-id"]), "date": msg["date"].datetime.isoformat(),
         "text": "", "calendar": "", "attachment": "", "method": "", "calendarEncoding": ""}
    for part in msg.walk():
        r["defects"] += [repr(d) for d in part.defects]
        r["parts"].append(part.get_content_type())
        if part.get_content_type() == "text/plain":
            r["text"] = part.get_content().replace("\r\n", "\n")
        if part.get_content_type() == "text/calendar":
            r["calendar"] = part.get_content().replace("\r\n", "\n")
            r["method"] = part.get_param("method")
            r["calendarEncoding"] = part.get("content-transfer-encoding")
        if part.get_filename() == "invite.ics":
            r["attachment"] = part.get_content().decode("utf-8")
    out.append(r)
json.dump(out, sys.stdout)
`

// TestPythonEmail: Python's email package reads every message without a
// defect, finds the calendar part with its method, and reads the headers
// as they were meant.
func TestPythonEmail(t *testing.T) {
	t.Parallel()
	py := python("email")
	if py == "" {
		missingParser(t, "python3 (for Python's email package)")
	}
	paths, messages := parserMessages(t)
	type report struct {
		Defects, Parts             []string
		Subject, MessageID, Date   string
		To, From                   [][]string
		Text, Calendar, Attachment string
		Method, CalendarEncoding   string
	}
	var got []report
	runPython(t, py, emailScript, paths, &got)
	if len(got) != len(messages) {
		t.Fatalf("%d reports for %d messages", len(got), len(messages))
	}
	for i, m := range messages {
		want := report{
			Parts:     []string{"text/plain"},
			Subject:   m.Subject,
			MessageID: "<" + m.ID + "@council.example>",
			Date:      "2026-06-02T08:00:00+00:00",
			To:        [][]string{{m.ToName, m.To}},
			From:      [][]string{{"Tolk bookings", "tolk@council.example"}},
			Text:      crlfStringToLF(m.Text),
		}
		if len(m.Calendar) > 0 {
			want.Parts = []string{"multipart/mixed", "multipart/alternative", "text/plain", "text/html", "text/calendar", "application/ics"}
			want.Calendar = crlfStringToLF(string(m.Calendar))
			want.Attachment = string(m.Calendar)
			want.Method = m.CalendarMethod
			want.CalendarEncoding = got[i].CalendarEncoding // checked below
			if enc := got[i].CalendarEncoding; enc != "7bit" && enc != "quoted-printable" {
				t.Errorf("%s: the calendar part is %q", m.Kind, enc)
			}
		}
		if diff := cmp.Diff(want, got[i], cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s (%s): Python's email package read (-want +got):\n%s", m.Kind, m.ID, diff)
		}
	}
}

// crlfStringToLF is s with CRLF line breaks as LF, as the email script
// reports text.
func crlfStringToLF(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			continue
		}
		out = append(out, s[i])
	}
	return string(out)
}

// icalendarScript takes the calendar part and the attachment of each
// message with Python's email package, parses both with python3-icalendar,
// and reports what it found.
const icalendarScript = `
import email, email.policy, json, sys
import icalendar
out = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        msg = email.message_from_bytes(f.read(), policy=email.policy.default)
    inline = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    attached = [p for p in msg.walk() if p.get_filename() == "invite.ics"]
    if not inline:
        out.append(None)
        continue
    cals = [icalendar.Calendar.from_ical(p.get_payload(decode=True)) for p in inline + attached]
    cal = cals[0]
    events = []
    for ev in cal.walk("VEVENT"):
        att = ev.get("ATTENDEE")
        events.append({"uid": str(ev.get("UID")), "sequence": int(ev.get("SEQUENCE")),
                       "start": ev.decoded("DTSTART").isoformat(), "end": ev.decoded("DTEND").isoformat(),
                       "attendee": str(att), "attendeeName": str(att.params.get("CN", "")),
                       "partstat": str(att.params.get("PARTSTAT", "")), "rsvp": str(att.params.get("RSVP", "")),
                       "organizer": str(ev.get("ORGANIZER"))})
    out.append({"method": str(cal.get("METHOD")), "param": inline[0].get_param("method"),
                "events": events, "sameAttachment": len(cals) == 2 and cals[1].to_ical() == cal.to_ical()})
json.dump(out, sys.stdout)
`

// TestPythonICalendar: Debian's python3-icalendar parses the calendar of
// every invitation and cancellation, inline and attached, with the method
// parameter equal to its METHOD and the recipient asked for an answer.
func TestPythonICalendar(t *testing.T) {
	t.Parallel()
	py := python("icalendar")
	if py == "" {
		missingParser(t, "python3-icalendar (apt-get install -y python3-icalendar)")
	}
	paths, messages := parserMessages(t)
	type event struct {
		UID, Start, End, Attendee, AttendeeName, Partstat, RSVP, Organizer string
		Sequence                                                           int
	}
	type report struct {
		Method, Param  string
		Events         []event
		SameAttachment bool
	}
	var got []*report
	runPython(t, py, icalendarScript, paths, &got)
	if len(got) != len(messages) {
		t.Fatalf("%d reports for %d messages", len(got), len(messages))
	}
	for i, m := range messages {
		if len(m.Calendar) == 0 {
			if got[i] != nil {
				t.Errorf("%s: a calendar where there is none", m.Kind)
			}
			continue
		}
		ev := event{
			UID: booking().ID + "@tolk", Start: "2026-06-10T09:00:00+00:00", End: "2026-06-10T11:00:00+00:00",
			Attendee: "mailto:" + m.To, AttendeeName: m.ToName, Organizer: "mailto:" + socialWorker.Email,
			Partstat: "NEEDS-ACTION", RSVP: "TRUE",
		}
		if m.CalendarMethod == "CANCEL" {
			ev.Sequence, ev.Partstat, ev.RSVP = 1, "", ""
		}
		want := &report{Method: m.CalendarMethod, Param: m.CalendarMethod, Events: []event{ev}, SameAttachment: true}
		if diff := cmp.Diff(want, got[i]); diff != "" {
			t.Errorf("%s (%s): python3-icalendar read (-want +got):\n%s", m.Kind, m.ID, diff)
		}
	}
}

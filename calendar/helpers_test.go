package calendar

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"

	"github.com/tolk/tolk/data"
)

// The fixtures: an ABE police interview on 10 June 2026, 10:00 to 12:00
// British Summer Time (09:00 to 11:00 UTC), booked on 1 June. Times are
// given in BST so that every test also checks they reach the output in UTC.
var (
	bst       = time.FixedZone("BST", 3600)
	testNow   = time.Date(2026, 6, 2, 8, 0, 0, 0, time.UTC)
	testStart = time.Date(2026, 6, 10, 10, 0, 0, 0, bst)
	testEnd   = testStart.Add(2 * time.Hour)

	socialWorker = Person{Name: "Sam Okafor", Email: "sam.okafor@lambeth.example"}
	interpreter  = Person{Name: "Dilan Ahmed", Email: "dilan.ahmed@example.org"}
)

// Words that must never reach a calendar: the cancellation reason and the
// match snapshot (languages, gender wishes).
var secrets = []string{"SECRET-REASON", "Sorani", "female", "gender"}

// booking returns a confirmed in-person booking of testStart to testEnd.
func booking(id string) data.Booking {
	return data.Booking{
		ID:            id,
		Organisation:  "lambeth",
		CaseID:        "case-1",
		CaseReference: "NR-2026-0042",
		InterpreterID: "int-1",
		BookedBy:      "user-1",
		Start:         testStart,
		End:           testEnd,
		InterviewType: data.InterviewABEPolice,
		Modality:      data.ModalityInPerson,
		Region:        "GB-LND",
		Location:      "Lambeth Child Advocacy Centre, 1 Example Road, London SE11 5AA",
		Status:        data.BookingConfirmed,
		Safety:        data.SafetyPlan{Briefing: 15 * time.Minute, Debrief: 15 * time.Minute, Arrive: 5 * time.Minute, Stagger: 10 * time.Minute},
		Match: data.MatchSnapshot{Score: 91, Factors: []data.Factor{
			{Factor: "language", Points: 40, Reason: "native Sorani"},
			{Factor: "gender", Points: 10, Reason: "female, as the child asked"},
		}},
		Version:   1,
		CreatedAt: time.Date(2026, 6, 1, 14, 30, 0, 0, bst),
		UpdatedAt: time.Date(2026, 6, 1, 14, 30, 0, 0, bst),
	}
}

// cancelled returns b cancelled an hour after it was made.
func cancelled(b data.Booking) data.Booking {
	b.Status = data.BookingCancelled
	b.Sequence++
	b.Version++
	b.CancelReason = "SECRET-REASON: the child is unwell"
	b.UpdatedAt = b.UpdatedAt.Add(time.Hour)
	return b
}

// longLocation is 300 characters of everything that needs escaping or care
// when folding: commas, semicolons, backslashes, LF, CRLF, CR, a tab, a
// control character, a three-octet "Ḁ" and four-octet emoji.
func longLocation() string {
	const unit = "Ḁ Room 2; Floor 3, Wing \\B\\\r\nGate 😀,;\\ \rŁódź\tSt\x01 ✈️\n"
	s := []rune(strings.Repeat(unit, 20))
	return string(s[:300])
}

// normalised is what a location becomes in a calendar, written out
// independently of text: line breaks as LF, tab as space, controls gone.
func normalised(s string) string {
	return strings.NewReplacer("\r\n", "\n", "\r", "\n", "\t", " ", "\x01", "").Replace(s)
}

// escaped is s as an RFC 5545 TEXT value (section 3.3.11).
func escaped(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`).Replace(s)
}

// unfold joins folded lines (RFC 5545 section 3.1) and splits the result
// into content lines.
func unfold(out []byte) []string {
	s := strings.ReplaceAll(string(out), "\r\n ", "")
	return strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
}

// checkLines asserts the physical shape RFC 5545 section 3.1 requires of out.
func checkLines(t testing.TB, out []byte) {
	t.Helper()
	if !bytes.HasSuffix(out, []byte("\r\n")) {
		t.Fatalf("output does not end with CRLF")
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\r\n"), "\r\n")
	if lines[0] != "BEGIN:VCALENDAR" || lines[len(lines)-1] != "END:VCALENDAR" {
		t.Errorf("output is not one VCALENDAR: first %q, last %q", lines[0], lines[len(lines)-1])
	}
	for i, l := range lines {
		if n := len(l); n > maxLine {
			t.Errorf("line %d is %d octets: %q", i+1, n, l)
		}
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d holds a bare CR or LF: %q", i+1, l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d splits a UTF-8 character: %q", i+1, l)
		}
		if strings.HasPrefix(l, "\t") {
			t.Errorf("line %d starts with a tab: %q", i+1, l)
		}
		// A continuation follows a line folded because it was full: fold
		// backs off at most three octets to a rune boundary.
		if strings.HasPrefix(l, " ") && (i == 0 || len(lines[i-1]) < maxLine-3) {
			t.Errorf("line %d starts with a space but does not continue a full line: %q", i+1, l)
		}
	}
	for i, l := range unfold(out) {
		if !contentLine.MatchString(l) {
			t.Errorf("content line %d does not start with a name: %q", i+1, l)
		}
	}
}

// contentLine is how a content line starts: a name, then parameters or the value.
var contentLine = regexp.MustCompile(`^[A-Z][A-Z0-9-]*[;:]`)

// decode parses out with go-ical's decoder.
func decode(t testing.TB, out []byte) *ical.Calendar {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader(out)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot parse the output: %v\n%s", err, out)
	}
	return cal
}

// prop returns the value of property name of c, unescaped when it is TEXT,
// failing when it is missing.
func prop(t testing.TB, c *ical.Component, name string) string {
	t.Helper()
	p := c.Props.Get(name)
	if p == nil {
		t.Fatalf("%s has no %s", c.Name, name)
	}
	if p.ValueType() != ical.ValueText {
		return p.Value
	}
	s, err := p.Text()
	if err != nil {
		t.Fatalf("%s %s: %v", c.Name, name, err)
	}
	return s
}

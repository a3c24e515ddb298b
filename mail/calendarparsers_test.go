package mail

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/calendar"
	"github.com/tolk/tolk/data"
)

// The calendar parts of what tolk mails are read here by the two calendar
// parsers behind most clients besides Outlook: libical (Evolution, KDE's
// stack, many servers; through its GObject binding, Debian's
// gir1.2-ical-3.0 with python3-gi) and ical.js (Thunderbird, and most web
// calendars; npm's ical.js, found by node through NODE_PATH). .ci/run
// installs both and sets TOLK_REQUIRE_PARSERS=1, which turns a missing
// parser from a skip into a failure.

// requireParsers reports whether a missing parser fails the test.
func requireParsers() bool { return os.Getenv("TOLK_REQUIRE_PARSERS") == "1" }

// missingParser skips (or, under TOLK_REQUIRE_PARSERS=1, fails) a test whose
// parser is not installed.
func missingParser(t *testing.T, what string) {
	t.Helper()
	if requireParsers() {
		t.Fatalf("%s is not installed, and TOLK_REQUIRE_PARSERS=1", what)
	}
	t.Skipf("%s is not installed (.ci/run installs it)", what)
}

// calEvent is what each parser reports of a calendar's one event.
type calEvent struct {
	Method, UID, Start, End, Attendee, Partstat, RSVP, Organizer, Summary string
	Sequence                                                              int
	Errors                                                                []string
}

// calendarFiles writes the calendar part of each mailed message as it
// arrives (extracted with go-message, transfer encoding undone), and a
// feed, and returns their paths with the event each must read as.
func calendarFiles(t *testing.T) ([]string, []calEvent) {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	var want []calEvent
	add := func(name string, cal []byte, ev calEvent) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, cal, 0o600); err != nil {
			t.Fatal(err)
		}
		paths, want = append(paths, path), append(want, ev)
	}
	b := booking()
	for _, m := range []data.Message{requestMessage(t), cancelMessage(t)} {
		_, root := parse(t, compose(t, m))
		var inline string
		var walk func(p part)
		walk = func(p part) {
			if p.Type == "text/calendar" && inline == "" {
				inline = p.Body
			}
			for _, c := range p.Parts {
				walk(c)
			}
		}
		walk(root)
		if inline == "" {
			t.Fatalf("%s: no text/calendar part", m.Kind)
		}
		ev := calEvent{
			Method: m.CalendarMethod, UID: b.ID + "@tolk", Start: "2026-06-10T09:00:00Z", End: "2026-06-10T11:00:00Z",
			Attendee: "mailto:" + m.To, Organizer: "mailto:" + socialWorker.Email, Partstat: "NEEDS-ACTION", RSVP: "TRUE",
		}
		if m.CalendarMethod == "CANCEL" {
			ev.Sequence, ev.Partstat, ev.RSVP = 1, "", ""
		}
		add(string(m.Kind)+".ics", []byte(inline), ev)
	}
	feed, err := calendar.Feed("Lambeth bookings", []data.Booking{b}, map[string]string{b.InterpreterID: "Łucja Dąbrowska"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	add("feed.ics", feed, calEvent{UID: b.ID + "@tolk", Start: "2026-06-10T09:00:00Z", End: "2026-06-10T11:00:00Z"})
	return paths, want
}

// compareEvents checks each parser's reading against what was meant; the
// summary is checked for presence only (its words are the calendar
// package's), and any parse error is a failure.
func compareEvents(t *testing.T, parser string, paths []string, want []calEvent, got []calEvent) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s read %d calendars of %d", parser, len(got), len(want))
	}
	for i := range want {
		if got[i].Summary == "" {
			t.Errorf("%s: %s has no SUMMARY", parser, filepath.Base(paths[i]))
		}
		got[i].Summary = ""
		if got[i].Start != "" {
			got[i].Start = utc(t, got[i].Start)
			got[i].End = utc(t, got[i].End)
		}
		if diff := cmp.Diff(want[i], got[i]); diff != "" {
			t.Errorf("%s read %s (-want +got):\n%s", parser, filepath.Base(paths[i]), diff)
		}
	}
}

// utc writes an RFC 3339 instant in UTC, as the expectations do.
func utc(t *testing.T, s string) string {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("instant %q: %v", s, err)
	}
	return v.UTC().Format(time.RFC3339)
}

// libicalScript reads each file with libical (ICalGLib), which marks what
// it could not parse with X-LIC-ERROR properties, and reports the first
// event.
const libicalScript = `
import json, sys
import gi
gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib as I
out = []
def errors(c):
    found = []
    p = c.get_first_property(I.PropertyKind.XLICERROR_PROPERTY)
    while p is not None:
        found.append(p.get_xlicerror())
        p = c.get_next_property(I.PropertyKind.XLICERROR_PROPERTY)
    sub = c.get_first_component(I.ComponentKind.ANY_COMPONENT)
    while sub is not None:
        found += errors(sub)
        sub = c.get_next_component(I.ComponentKind.ANY_COMPONENT)
    return found
def iso(t):
    tz = t.get_timezone()
    if not t.is_utc() and tz is not None:
        t = t.convert_to_zone(I.Timezone.get_utc_timezone())
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (t.get_year(), t.get_month(), t.get_day(), t.get_hour(), t.get_minute(), t.get_second())
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        cal = I.Component.new_from_string(f.read())
    r = {"Method": "", "UID": "", "Start": "", "End": "", "Attendee": "", "Partstat": "", "RSVP": "",
         "Organizer": "", "Summary": "", "Sequence": 0, "Errors": errors(cal) or None}
    m = cal.get_first_property(I.PropertyKind.METHOD_PROPERTY)
    if m is not None:
        r["Method"] = m.get_value_as_string()
    ev = cal.get_first_component(I.ComponentKind.VEVENT_COMPONENT)
    r["UID"] = ev.get_uid()
    r["Summary"] = ev.get_summary() or ""
    r["Sequence"] = ev.get_sequence()
    r["Start"] = iso(ev.get_dtstart())
    r["End"] = iso(ev.get_dtend())
    o = ev.get_first_property(I.PropertyKind.ORGANIZER_PROPERTY)
    if o is not None:
        r["Organizer"] = o.get_organizer()
    a = ev.get_first_property(I.PropertyKind.ATTENDEE_PROPERTY)
    if a is not None:
        r["Attendee"] = a.get_attendee()
        ps = a.get_first_parameter(I.ParameterKind.PARTSTAT_PARAMETER)
        if ps is not None:
            r["Partstat"] = ps.as_ical_string().split("=", 1)[1]
        rs = a.get_first_parameter(I.ParameterKind.RSVP_PARAMETER)
        if rs is not None:
            r["RSVP"] = rs.as_ical_string().split("=", 1)[1]
    out.append(r)
json.dump(out, sys.stdout)
`

// TestLibical: libical parses the invitation, the cancellation and a feed
// without an error, reading the UID, times, sequence and the recipient's
// answer as meant.
func TestLibical(t *testing.T) {
	t.Parallel()
	py := ""
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", `import gi; gi.require_version("ICalGLib", "3.0"); from gi.repository import ICalGLib`).Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		missingParser(t, "libical's GObject binding (apt-get install gir1.2-ical-3.0 python3-gi)")
	}
	paths, want := calendarFiles(t)
	var got []calEvent
	runPython(t, py, libicalScript, paths, &got)
	compareEvents(t, "libical", paths, want, got)
}

// icaljsScript reads each file with ical.js, which throws on what it
// cannot parse, and reports the first event.
const icaljsScript = `
const ICAL = require("ical.js");
const fs = require("fs");
const out = [];
for (const path of process.argv.slice(1)) {
  const comp = new ICAL.Component(ICAL.parse(fs.readFileSync(path, "utf8")));
  const vevent = comp.getFirstSubcomponent("vevent");
  const ev = new ICAL.Event(vevent);
  const att = vevent.getFirstProperty("attendee");
  const iso = (t) => t.convertToZone(ICAL.Timezone.utcTimezone).toJSDate().toISOString().replace(".000Z", "Z");
  out.push({
    Method: comp.getFirstPropertyValue("method") || "",
    UID: ev.uid, Summary: ev.summary || "", Sequence: ev.sequence || 0,
    Start: iso(ev.startDate), End: iso(ev.endDate),
    Organizer: vevent.getFirstPropertyValue("organizer") || "",
    Attendee: att ? att.getFirstValue() : "",
    Partstat: att ? (att.getParameter("partstat") || "") : "",
    RSVP: att ? (att.getParameter("rsvp") || "") : "",
    Errors: null,
  });
}
process.stdout.write(JSON.stringify(out));
`

// TestICalJS: ical.js (Thunderbird's parser) parses the invitation, the
// cancellation and a feed, reading them as meant.
func TestICalJS(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err == nil && exec.Command(node, "-e", `require("ical.js")`).Run() != nil {
		err = os.ErrNotExist
	}
	if err != nil {
		missingParser(t, "node with npm's ical.js on NODE_PATH")
	}
	paths, want := calendarFiles(t)
	out, err := exec.Command(node, append([]string{"-e", icaljsScript}, paths...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("ical.js: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var got []calEvent
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	compareEvents(t, "ical.js", paths, want, got)
}

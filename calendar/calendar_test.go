package calendar

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// output is one rendering under test, with what its round trip must find.
type output struct {
	name     string
	feed     bool
	bookings []data.Booking // in the order of the output's events
	names    map[string]string
	render   func() ([]byte, error)
}

func outputs() []output {
	b := booking("bk-0001")
	c := cancelled(b)
	long := booking("bk-0003")
	long.Location = longLocation()
	video := booking("bk-0002")
	video.Modality, video.Region, video.Location = data.ModalityVideo, "", ""
	video.InterviewType, video.CaseReference = data.InterviewAgeAssessment, "NR-2026-0077"
	video.Start, video.End = testStart.Add(48*time.Hour), testEnd.Add(48*time.Hour)
	done := booking("bk-0004")
	done.Status, done.Sequence = data.BookingCompleted, 2
	done.Start, done.End = testStart.Add(-7*24*time.Hour), testEnd.Add(-7*24*time.Hour)
	feed := []data.Booking{done, cancelled(video), b}
	// An organisation's feed names each event's interpreter: bk-0002's
	// name hides a direction override, bk-0004's interpreter has none.
	named := []data.Booking{done, cancelled(video), b}
	named[1].InterpreterID, named[0].InterpreterID = "int-2", "int-gone"
	names := map[string]string{"int-1": "Nazdar Ali", "int-2": "Dilan\u202E Ahmed\n", "int-gone": ""}
	return []output{
		{"invite", false, []data.Booking{b}, nil, func() ([]byte, error) { return Invite(b, socialWorker, interpreter, testNow) }},
		{"invite_cancelled", false, []data.Booking{c}, nil, func() ([]byte, error) { return Invite(c, socialWorker, interpreter, testNow) }},
		{"invite_long_location", false, []data.Booking{long}, nil, func() ([]byte, error) { return Invite(long, socialWorker, interpreter, testNow) }},
		{"feed", true, feed, nil, func() ([]byte, error) { return Feed("Dilan Ahmed: interpreting", feed, nil, testNow) }},
		{"feed_named", true, named, names, func() ([]byte, error) { return Feed("Lambeth: all bookings", named, names, testNow) }},
		{"feed_empty", true, nil, nil, func() ([]byte, error) { return Feed("Lambeth: all bookings", nil, nil, testNow) }},
	}
}

// TestGolden compares each rendering with testdata/<name>.ics (go test
// ./calendar/ -update rewrites them) and checks its lines.
func TestGolden(t *testing.T) {
	for _, o := range outputs() {
		t.Run(o.name, func(t *testing.T) {
			got, err := o.render()
			if err != nil {
				t.Fatal(err)
			}
			checkLines(t, got)
			path := filepath.Join("testdata", o.name+".ics")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s differs (-want +got), run with -update if intended:\n%s", path, diff)
			}
			for _, s := range secrets {
				if strings.Contains(string(got), s) {
					t.Errorf("output holds %q", s)
				}
			}
		})
	}
}

// TestRoundTrip parses every rendering back with go-ical and compares what
// matters to clients with the bookings it came from.
func TestRoundTrip(t *testing.T) {
	for _, o := range outputs() {
		t.Run(o.name, func(t *testing.T) {
			out, err := o.render()
			if err != nil {
				t.Fatal(err)
			}
			cal := decode(t, out)
			method := cal.Props.Get(ical.PropMethod)
			switch {
			case o.feed && method != nil:
				t.Errorf("a feed has METHOD:%s", method.Value)
			case !o.feed && method == nil:
				t.Error("an invite has no METHOD")
			case !o.feed && method.Value != map[bool]string{false: "REQUEST", true: "CANCEL"}[o.bookings[0].Status == data.BookingCancelled]:
				t.Errorf("METHOD:%s for a %s booking", method.Value, o.bookings[0].Status)
			}
			if o.feed {
				for _, name := range []string{ical.PropRefreshInterval, "X-PUBLISHED-TTL", "X-WR-CALNAME"} {
					if cal.Props.Get(name) == nil {
						t.Errorf("the feed has no %s", name)
					}
				}
			}
			events := cal.Events()
			if len(events) != len(o.bookings) {
				t.Fatalf("%d events, want %d", len(events), len(o.bookings))
			}
			for i, ev := range events {
				checkEvent(t, ev, o.bookings[i], o.feed, o.names)
			}
		})
	}
}

// checkEvent compares one parsed VEVENT with its booking; names are the
// interpreters' names a feed was given.
func checkEvent(t *testing.T, ev ical.Event, b data.Booking, feed bool, names map[string]string) {
	t.Helper()
	status := "CONFIRMED"
	if b.Status == data.BookingCancelled {
		status = "CANCELLED"
	}
	// Written out, not derived: a name as the feed must show it, its
	// hidden characters and line breaks gone.
	who := map[string]string{"Nazdar Ali": "Nazdar Ali", "Dilan\u202E Ahmed\n": "Dilan Ahmed"}[names[b.InterpreterID]]
	if who == "" {
		who = "Interpreter"
	}
	summary := who + ": " + interviews[b.InterviewType] + " (" + b.CaseReference + ")"
	if feed && status == "CANCELLED" {
		summary = "Cancelled: " + summary
	}
	loc := normalised(b.Location)
	if loc == "" && b.Modality == data.ModalityVideo {
		loc = "Video call"
	}
	want := map[string]string{
		"UID": b.ID + "@tolk", "SEQUENCE": strconv.Itoa(b.Sequence), "STATUS": status,
		"SUMMARY": summary, "LOCATION": loc, "CLASS": "CONFIDENTIAL",
		"DTSTART": b.HeldFrom().UTC().Format("20060102T150405Z"), "DTEND": b.HeldUntil().UTC().Format("20060102T150405Z"),
		"DTSTAMP": b.UpdatedAt.UTC().Format("20060102T150405Z"),
	}
	got := map[string]string{}
	for name := range want {
		got[name] = prop(t, ev.Component, name)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("event %s (-want +got):\n%s", b.ID, diff)
	}
	for _, name := range []string{ical.PropDateTimeStart, ical.PropDateTimeEnd, ical.PropDateTimeStamp} {
		if tz := ev.Props.Get(name).Params.Get(ical.ParamTimezoneID); tz != "" {
			t.Errorf("%s has TZID=%s", name, tz)
		}
	}
	start, err := ev.DateTimeStart(nil)
	if err != nil || !start.Equal(b.HeldFrom()) || start.Location() != time.UTC {
		t.Errorf("DTSTART parses as %v (%v), want the arrival %v in UTC", start, err, b.HeldFrom())
	}
	desc := prop(t, ev.Component, ical.PropDescription)
	for _, part := range []string{interviews[b.InterviewType], "Case reference: " + b.CaseReference, "Modality: " + modalities[b.Modality]} {
		if !strings.Contains(desc, part) {
			t.Errorf("DESCRIPTION lacks %q:\n%s", part, desc)
		}
	}
	if feed {
		for _, name := range []string{ical.PropOrganizer, ical.PropAttendee} {
			if ev.Props.Get(name) != nil {
				t.Errorf("a feed event has %s", name)
			}
		}
		if strings.Contains(desc, "@") {
			t.Errorf("a feed event's DESCRIPTION names an address:\n%s", desc)
		}
		return
	}
	org, att := ev.Props.Get(ical.PropOrganizer), ev.Props.Get(ical.PropAttendee)
	if org == nil || att == nil {
		t.Fatal("an invite lacks ORGANIZER or ATTENDEE")
	}
	if diff := cmp.Diff([]string{"mailto:" + socialWorker.Email, socialWorker.Name, "mailto:" + interpreter.Email, interpreter.Name, "REQ-PARTICIPANT"},
		[]string{org.Value, org.Params.Get("CN"), att.Value, att.Params.Get("CN"), att.Params.Get("ROLE")}); diff != "" {
		t.Errorf("ORGANIZER/ATTENDEE (-want +got):\n%s", diff)
	}
	if rsvp := att.Params.Get("RSVP"); (rsvp == "TRUE") != (status == "CONFIRMED") {
		t.Errorf("ATTENDEE RSVP=%q for a %s invite", rsvp, status)
	}
	if !strings.Contains(desc, "Contact: "+socialWorker.Name+" <"+socialWorker.Email+">") {
		t.Errorf("an invite's DESCRIPTION lacks the contact:\n%s", desc)
	}
}

// TestLongLocationEscaped checks, on the unfolded output, that the long
// location is escaped exactly once, in RFC 5545's way.
func TestLongLocationEscaped(t *testing.T) {
	b := booking("bk-0003")
	b.Location = longLocation()
	out, err := Invite(b, socialWorker, interpreter, testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := "LOCATION:" + escaped(normalised(b.Location))
	for _, l := range unfold(out) {
		if strings.HasPrefix(l, "LOCATION") {
			if diff := cmp.Diff(want, l); diff != "" {
				t.Errorf("unfolded LOCATION (-want +got):\n%s", diff)
			}
			return
		}
	}
	t.Error("no LOCATION")
}

// TestStable checks that a feed's bytes depend on its bookings, not on when
// it is built, so that an ETag over them changes only with a booking.
func TestStable(t *testing.T) {
	bs := []data.Booking{booking("a"), cancelled(booking("b"))}
	first, err := Feed("f", bs, nil, testNow)
	if err != nil {
		t.Fatal(err)
	}
	later, err := Feed("f", bs, nil, testNow.Add(36*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if string(first) != string(later) {
		t.Error("the same bookings gave different feeds at different times")
	}
	bs[0].Sequence, bs[0].UpdatedAt = 1, testNow
	changed, err := Feed("f", bs, nil, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if string(first) == string(changed) {
		t.Error("a changed booking left the feed unchanged")
	}
}

// TestNowStandsInForUpdatedAt checks the DTSTAMP of a booking never updated.
func TestNowStandsInForUpdatedAt(t *testing.T) {
	b := booking("a")
	b.UpdatedAt = time.Time{}
	out, err := Invite(b, socialWorker, interpreter, testNow.In(bst))
	if err != nil {
		t.Fatal(err)
	}
	if got := prop(t, decode(t, out).Events()[0].Component, ical.PropDateTimeStamp); got != "20260602T080000Z" {
		t.Errorf("DTSTAMP:%s, want now in UTC", got)
	}
}

// TestInvalid checks that what cannot make an event is refused as data.ErrInvalid.
func TestInvalid(t *testing.T) {
	noID := booking("")
	backwards := booking("a")
	backwards.End = backwards.Start
	negative := booking("a")
	negative.Sequence = -1
	tests := []struct {
		name   string
		render func() ([]byte, error)
		field  string
	}{
		{"no ID", func() ([]byte, error) { return Invite(noID, socialWorker, interpreter, testNow) }, "id"},
		{"end not after start", func() ([]byte, error) { return Invite(backwards, socialWorker, interpreter, testNow) }, "end"},
		{"negative sequence", func() ([]byte, error) { return Invite(negative, socialWorker, interpreter, testNow) }, "sequence"},
		{"organizer without address", func() ([]byte, error) { return Invite(booking("a"), Person{Name: "x"}, interpreter, testNow) }, "organizer.email"},
		{"attendee with a display name", func() ([]byte, error) {
			return Invite(booking("a"), socialWorker, Person{Email: "Dilan <d@example.org>"}, testNow)
		}, "attendee.email"},
		{"attendee with a line break", func() ([]byte, error) {
			return Invite(booking("a"), socialWorker, Person{Email: "d@example.org\r\nX-INJECTED:1"}, testNow)
		}, "attendee.email"},
		{"bad booking in a feed", func() ([]byte, error) { return Feed("f", []data.Booking{booking("a"), noID}, nil, testNow) }, "bookings[1].id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.render()
			if !errors.Is(err, data.ErrInvalid) {
				t.Fatalf("got %v and %d bytes, want data.ErrInvalid", err, len(out))
			}
			ve, ok := errors.AsType[*data.ValidationError](err)
			if !ok || ve.Errors[0].Field != tt.field {
				t.Errorf("got %v, want a problem with %s", err, tt.field)
			}
		})
	}
}

// TestJoinDetailsOnlyInTheInvitation: the link of a video interview is in
// the interpreter's invitation, once, and in no feed or free/busy, which
// other people read; a cancellation no longer sends it.
func TestJoinDetailsOnlyInTheInvitation(t *testing.T) {
	b := booking("bk-join")
	b.Modality, b.Region, b.Location = data.ModalityVideo, "", ""
	b.JoinDetails = "https://meet.example.org/JOIN-SECRET-42"
	invite, err := Invite(b, socialWorker, interpreter, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(strings.Join(unfold(invite), ""), "JOIN-SECRET-42"); got != 1 {
		t.Errorf("the invitation says how to join %d times, want once:\n%s", got, invite)
	}
	if !strings.Contains(strings.Join(unfold(invite), ""), `How to join: https://meet.example.org/JOIN-SECRET-42`) {
		t.Errorf("the invitation's DESCRIPTION lacks how to join:\n%s", invite)
	}
	feed, err := Feed("f", []data.Booking{b}, map[string]string{"int-1": "Nazdar Ali"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	busy, err := FreeBusy("f", "busy", []data.Booking{b}, testStart.Add(-time.Hour), testEnd.Add(time.Hour), testNow)
	if err != nil {
		t.Fatal(err)
	}
	cancel, err := Invite(cancelled(b), socialWorker, interpreter, testNow)
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string][]byte{"feed": feed, "free/busy": busy, "cancellation": cancel} {
		if strings.Contains(strings.Join(unfold(out), ""), "JOIN-SECRET") {
			t.Errorf("the %s carries the join details:\n%s", name, out)
		}
	}
}

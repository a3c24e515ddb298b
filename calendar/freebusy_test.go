package calendar

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// The free/busy fixtures: a window of 30 days from testNow, and bookings of
// one interpreter in and around it.
var (
	fbFrom = testNow
	fbTo   = testNow.Add(30 * 24 * time.Hour)
)

// at returns an instant in UTC in June or July 2026.
func at(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, time.UTC) }

// busyBooking returns booking id from start to end with a travel buffer.
func busyBooking(id string, start, end time.Time, buffer time.Duration, status data.BookingStatus) data.Booking {
	b := booking(id)
	b.Start, b.End, b.Buffer, b.Status = start, end, buffer, status
	b.Safety = data.SafetyPlan{} // TestFreeBusyMerged and TestFreeBusyCountsPlan add plans
	if buffer == 0 {
		b.Modality, b.Location = data.ModalityVideo, "https://video.example/room-42"
	}
	return b
}

func freeBusyBookings() []data.Booking {
	const half = 30 * time.Minute
	ok, cancelled, completed := data.BookingConfirmed, data.BookingCancelled, data.BookingCompleted
	return []data.Booking{
		busyBooking("bk-0010", testStart, testEnd, half, ok),                                       // 08:30-11:30 with its buffer
		busyBooking("bk-0011", at(6, 10, 11, 30), at(6, 10, 12, 30), 0, ok),                        // touches it: merged
		busyBooking("bk-0012", at(6, 10, 9, 30), at(6, 10, 10, 0), 0, ok),                          // inside it: merged
		busyBooking("bk-0013", at(6, 10, 13, 30), at(6, 10, 14, 30), half, ok),                     // 13:00-15:00: apart
		busyBooking("bk-0014", at(6, 11, 9, 0), at(6, 11, 11, 0), half, cancelled),                 // frees the time
		busyBooking("bk-0015", at(6, 3, 12, 0), at(6, 3, 13, 0), half, completed),                  // still held
		busyBooking("bk-0016", at(6, 2, 7, 30), at(6, 2, 8, 30), half, ok),                         // clipped to from
		busyBooking("bk-0017", at(6, 2, 6, 0), at(6, 2, 7, 30), half, ok),                          // ends with its buffer at from
		busyBooking("bk-0018", at(7, 5, 9, 0), at(7, 5, 10, 0), half, ok),                          // after the window
		busyBooking("bk-0019", at(7, 2, 7, 0), at(7, 2, 9, 0), 0, ok),                              // clipped to to
		busyBooking("bk-0020", at(6, 20, 9, 0).Add(500*time.Millisecond), at(6, 20, 9, 59), 0, ok), // to the second, outwards
	}
}

// wantBusy is what freeBusyBookings hold in the window, as FREEBUSY values.
var wantBusy = []string{
	"20260602T080000Z/20260602T090000Z",
	"20260603T113000Z/20260603T133000Z",
	"20260610T083000Z/20260610T123000Z",
	"20260610T130000Z/20260610T150000Z",
	"20260620T090000Z/20260620T095900Z",
	"20260702T070000Z/20260702T080000Z",
}

func renderFreeBusy(t testing.TB, bookings []data.Booking) []byte {
	t.Helper()
	out, err := FreeBusy("feed-0001", "Dilan Ahmed: busy", bookings, fbFrom, fbTo, testNow.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, out)
	return out
}

// freeBusyOf parses out with go-ical and returns its one VFREEBUSY.
func freeBusyOf(t testing.TB, out []byte) (*ical.Calendar, *ical.Component) {
	t.Helper()
	cal := decode(t, out)
	if len(cal.Children) != 1 || cal.Children[0].Name != ical.CompFreeBusy {
		t.Fatalf("want one VFREEBUSY, got %d components:\n%s", len(cal.Children), out)
	}
	return cal, cal.Children[0]
}

// TestFreeBusyGolden compares the free/busy feed with testdata/freebusy.ics
// (go test ./calendar/ -update rewrites it).
func TestFreeBusyGolden(t *testing.T) {
	got := renderFreeBusy(t, freeBusyBookings())
	path := filepath.Join("testdata", "freebusy.ics")
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
}

// TestFreeBusyRoundTrip parses the feed back with go-ical and reads its
// window and busy periods.
func TestFreeBusyRoundTrip(t *testing.T) {
	cal, fb := freeBusyOf(t, renderFreeBusy(t, freeBusyBookings()))
	if m := cal.Props.Get(ical.PropMethod); m != nil {
		t.Errorf("a free/busy feed has METHOD:%s", m.Value)
	}
	for name, want := range map[string]string{
		ical.PropName: "Dilan Ahmed: busy", "X-WR-CALNAME": "Dilan Ahmed: busy", ical.PropRefreshInterval: "PT15M",
		ical.PropProductID: "-//tolk//tolk//EN", ical.PropVersion: "2.0",
	} {
		if got := prop(t, cal.Component, name); got != want {
			t.Errorf("%s:%s, want %s", name, got, want)
		}
	}
	for name, want := range map[string]time.Time{
		ical.PropDateTimeStamp: testNow.Add(time.Hour), ical.PropDateTimeStart: fbFrom, ical.PropDateTimeEnd: fbTo,
	} {
		got, err := fb.Props.DateTime(name, nil)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s = %v, %v; want %v in UTC", name, got, err, want)
		}
	}
	if got := prop(t, fb, ical.PropUID); got != "freebusy-feed-0001@tolk" {
		t.Errorf("UID:%s", got)
	}
	var got []string
	for _, p := range fb.Props.Values(ical.PropFreeBusy) {
		if fbtype := p.Params.Get(ical.ParamFreeBusyType); fbtype != "BUSY" {
			t.Errorf("FREEBUSY;FBTYPE=%s, want BUSY", fbtype)
		}
		if p.ValueType() != ical.ValuePeriod {
			t.Errorf("FREEBUSY of type %s", p.ValueType())
		}
		got = append(got, p.Value)
	}
	if diff := cmp.Diff(wantBusy, got); diff != "" {
		t.Errorf("FREEBUSY periods (-want +got):\n%s", diff)
	}
}

// TestFreeBusyOnlyTimes: the feed says when, and nothing else: no property
// beyond the calendar's own, the window and the periods, and no word of any
// booking's case, place, people or IDs.
func TestFreeBusyOnlyTimes(t *testing.T) {
	bookings := freeBusyBookings()
	bookings[0].CancelReason = "SECRET-REASON"
	bookings[1].Outcome = &data.Outcome{Attended: true, ChildComfortable: true, Note: "the child was calm"}
	out := renderFreeBusy(t, bookings)
	cal, fb := freeBusyOf(t, out)
	allowed := map[string][]string{
		ical.CompCalendar: {ical.PropProductID, ical.PropVersion, ical.PropCalendarScale, ical.PropName, "X-WR-CALNAME", ical.PropRefreshInterval, "X-PUBLISHED-TTL"},
		ical.CompFreeBusy: {ical.PropUID, ical.PropDateTimeStamp, ical.PropDateTimeStart, ical.PropDateTimeEnd, ical.PropFreeBusy},
	}
	for _, c := range []*ical.Component{cal.Component, fb} {
		for name := range c.Props {
			if !strings.Contains(","+strings.Join(allowed[c.Name], ",")+",", ","+name+",") {
				t.Errorf("%s has %s", c.Name, name)
			}
		}
	}
	var words []string
	for _, b := range bookings {
		words = append(words, b.ID, b.CaseID, b.CaseReference, b.Location, b.Organisation, b.BookedBy, b.InterpreterID, b.Region, string(b.InterviewType))
	}
	words = append(words, secrets...)
	words = append(words, "the child", "SUMMARY", "LOCATION", "DESCRIPTION", "ATTENDEE", "ORGANIZER", "CONTACT", "mailto", "CLASS", "video", "Interview", "abe")
	for _, w := range words {
		if w != "" && strings.Contains(strings.ToLower(string(out)), strings.ToLower(w)) {
			t.Errorf("the feed holds %q", w)
		}
	}
}

// TestFreeBusyEmpty: with no busy time the feed is still one VFREEBUSY,
// with its window and no period.
func TestFreeBusyEmpty(t *testing.T) {
	cancelled := busyBooking("bk-1", testStart, testEnd, 0, data.BookingCancelled)
	for _, bs := range [][]data.Booking{nil, {cancelled}} {
		_, fb := freeBusyOf(t, renderFreeBusy(t, bs))
		if n := len(fb.Props.Values(ical.PropFreeBusy)); n != 0 {
			t.Errorf("%d FREEBUSY periods, want none", n)
		}
		if fb.Props.Get(ical.PropDateTimeStart) == nil || fb.Props.Get(ical.PropDateTimeEnd) == nil {
			t.Error("no window")
		}
	}
}

// TestFreeBusyMerged checks on random bookings that the periods are in
// order, apart, within the window, and hold exactly the minutes some
// booking holds (buffers included).
func TestFreeBusyMerged(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	from := at(6, 1, 0, 0)
	const minutes = 3 * 24 * 60
	to := from.Add(minutes * time.Minute)
	for run := range 200 {
		var bs []data.Booking
		held := make([]bool, minutes)
		for i := range r.IntN(12) {
			s := from.Add(time.Duration(r.IntN(minutes+240)-120) * time.Minute)
			e := s.Add(time.Duration(1+r.IntN(240)) * time.Minute)
			buf := time.Duration(r.IntN(3)) * 15 * time.Minute
			status := []data.BookingStatus{data.BookingConfirmed, data.BookingCompleted, data.BookingCancelled}[r.IntN(3)]
			b := busyBooking(fmt.Sprint("b", i), s, e, buf, status)
			if r.IntN(2) == 0 {
				b.Safety = data.SafetyPlan{Briefing: time.Duration(r.IntN(4)) * 5 * time.Minute, Debrief: time.Duration(r.IntN(4)) * 5 * time.Minute,
					Arrive: time.Duration(r.IntN(2)) * 5 * time.Minute, Stagger: time.Duration(r.IntN(3)) * 5 * time.Minute}
			}
			bs = append(bs, b)
			if status.HoldsTime() {
				lead, tail := b.Safety.Briefing+b.Safety.Arrive, max(b.Safety.Debrief, b.Safety.Stagger)
				for m := range held {
					if at := from.Add(time.Duration(m) * time.Minute); !at.Before(s.Add(-buf-lead)) && at.Before(e.Add(buf+tail)) {
						held[m] = true
					}
				}
			}
		}
		out, err := FreeBusy("f", "", bs, from, to, from)
		if err != nil {
			t.Fatal(err)
		}
		_, fb := freeBusyOf(t, out)
		got := make([]bool, minutes)
		var last time.Time
		for _, p := range fb.Props.Values(ical.PropFreeBusy) {
			a, b, ok := strings.Cut(p.Value, "/")
			s, err1 := time.Parse(utcLayout, a)
			e, err2 := time.Parse(utcLayout, b)
			if !ok || err1 != nil || err2 != nil || !e.After(s) {
				t.Fatalf("run %d: FREEBUSY:%s", run, p.Value)
			}
			if s.Before(from) || e.After(to) || (!last.IsZero() && !s.After(last)) {
				t.Fatalf("run %d: FREEBUSY:%s outside the window, out of order, or touching the one before", run, p.Value)
			}
			last = e
			for m := int(s.Sub(from) / time.Minute); m < int(e.Sub(from)/time.Minute); m++ {
				got[m] = true
			}
		}
		if diff := cmp.Diff(held, got); diff != "" {
			t.Fatalf("run %d: busy minutes (-held +shown):\n%s", run, diff)
		}
	}
}

// TestFreeBusyCountsPlan: an ABE interview 10:00-11:00 by video holds
// 09:45-11:15, its briefing and debrief.
func TestFreeBusyCountsPlan(t *testing.T) {
	b := busyBooking("bk-1", at(6, 10, 10, 0), at(6, 10, 11, 0), 0, data.BookingConfirmed)
	b.Safety = data.SafetyPlan{Briefing: 15 * time.Minute, Debrief: 15 * time.Minute, Stagger: 10 * time.Minute}
	_, fb := freeBusyOf(t, renderFreeBusy(t, []data.Booking{b}))
	if got := prop(t, fb, ical.PropFreeBusy); got != "20260610T094500Z/20260610T111500Z" {
		t.Errorf("FREEBUSY:%s, want 09:45 to 11:15", got)
	}
}

// TestFreeBusyInvalid: a window that ends before it starts, or a malformed
// booking, is refused as data.ErrInvalid.
func TestFreeBusyInvalid(t *testing.T) {
	backwards := busyBooking("a", testEnd, testStart, 0, data.BookingConfirmed)
	tests := []struct {
		name     string
		from, to time.Time
		bookings []data.Booking
		field    string
	}{
		{"window backwards", fbTo, fbFrom, nil, "to"},
		{"empty window", fbFrom, fbFrom, nil, "to"},
		{"no window", time.Time{}, fbTo, nil, "from"},
		{"booking backwards", fbFrom, fbTo, []data.Booking{booking("ok"), backwards}, "bookings[1].end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := FreeBusy("f", "n", tt.bookings, tt.from, tt.to, testNow)
			if !errors.Is(err, data.ErrInvalid) {
				t.Fatalf("got %v and %d bytes, want data.ErrInvalid", err, len(out))
			}
			if ve, ok := errors.AsType[*data.ValidationError](err); !ok || ve.Errors[0].Field != tt.field {
				t.Errorf("got %v, want a problem with %s", err, tt.field)
			}
		})
	}
}

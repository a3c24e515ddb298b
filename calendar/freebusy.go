package calendar

import (
	"fmt"
	"slices"
	"time"

	"github.com/emersion/go-ical"

	"github.com/tolk/tolk/data"
)

// FreeBusy renders an interpreter's busy time from from to to as a
// subscription for their own calendar app: a VCALENDAR with no METHOD, named
// and refreshed as a Feed, holding one VFREEBUSY. Its UID is
// "freebusy-<id>@tolk" (id: a stable ID of the subscription, such as the
// feed's), its DTSTAMP now, its DTSTART and DTEND the window, and it lists
// one FREEBUSY;FBTYPE=BUSY period per stretch of busy time, in UTC and in
// order. A booking holds the interpreter's time (data.BookingStatus.HoldsTime:
// confirmed or completed; cancelled ones are left out) from its start less
// its Buffer to its end plus its Buffer, the travel time kept free around
// it; periods that overlap or touch are merged, and each is clipped to the
// window.
//
// It says nothing but when: no summary, location, attendee, organizer,
// case, child or booking ID, so it may sit in any calendar app. A
// malformed booking gives a *data.ValidationError naming it by index, as
// Feed does; so does a window whose end is not after its start.
func FreeBusy(id, name string, bookings []data.Booking, from, to, now time.Time) ([]byte, error) {
	var p problems
	if from.IsZero() {
		p.add("from", "is required")
	} else if !to.After(from) {
		p.add("to", "must be after from")
	}
	for i, b := range bookings {
		p.booking(fmt.Sprintf("bookings[%d].", i), b)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	from, to = utc(from), ceilUTC(to)
	fb := ical.NewComponent(ical.CompFreeBusy)
	fb.Props.SetText(ical.PropUID, "freebusy-"+text(id)+"@tolk")
	fb.Props.SetDateTime(ical.PropDateTimeStamp, utc(now))
	fb.Props.SetDateTime(ical.PropDateTimeStart, from)
	fb.Props.SetDateTime(ical.PropDateTimeEnd, to)
	for _, s := range busy(bookings, from, to) {
		// go-ical has no PERIOD setter: the value is written as RFC 5545
		// section 3.3.9 has it, start and end in UTC.
		fb.Props.Add(&ical.Prop{Name: ical.PropFreeBusy, Params: ical.Params{ical.ParamFreeBusyType: {"BUSY"}},
			Value: s.start.Format(utcLayout) + "/" + s.end.Format(utcLayout)})
	}
	cal := newSubscription(name)
	cal.Children = []*ical.Component{fb}
	return encode(cal)
}

// utcLayout is an RFC 5545 DATE-TIME in UTC.
const utcLayout = "20060102T150405Z"

// period is a stretch of busy time, start to end.
type period struct{ start, end time.Time }

// busy returns the time the bookings hold, buffers included, within
// [from, to), in UTC to the second (starts rounded down, ends up): merged
// where stretches overlap or touch, in order.
func busy(bookings []data.Booking, from, to time.Time) []period {
	ps := make([]period, 0, len(bookings))
	for _, b := range bookings {
		if !b.Status.HoldsTime() {
			continue
		}
		buf := max(b.Buffer, 0)
		s, e := utc(b.HeldFrom().Add(-buf)), ceilUTC(b.HeldUntil().Add(buf))
		if s.Before(from) {
			s = from
		}
		if e.After(to) {
			e = to
		}
		if s.Before(e) {
			ps = append(ps, period{s, e})
		}
	}
	slices.SortFunc(ps, func(a, b period) int { return a.start.Compare(b.start) })
	var out []period
	for _, p := range ps {
		if n := len(out); n > 0 && !p.start.After(out[n-1].end) {
			if p.end.After(out[n-1].end) {
				out[n-1].end = p.end
			}
			continue
		}
		out = append(out, p)
	}
	return out
}

// ceilUTC is utc rounded up to the second: the end of busy time is never
// shown earlier than it is.
func ceilUTC(t time.Time) time.Time {
	if u := utc(t); u.Before(t) {
		return u.Add(time.Second)
	}
	return utc(t)
}

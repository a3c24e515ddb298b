// Package calendar renders bookings as iCalendar (RFC 5545) over
// github.com/emersion/go-ical: one booking as an invitation to send or
// download (Invite), many bookings as a subscription feed (Feed), and an
// interpreter's bookings as nothing but busy time (FreeBusy). It is pure: no
// I/O and no clock; callers pass the time.
//
// Every event carries a UID that never changes ("<booking ID>@tolk"), the
// booking's SEQUENCE, DTSTAMP set to the booking's UpdatedAt (so a feed's
// bytes change only when one of its bookings changes, and an ETag over them
// is stable), times in UTC, CLASS:CONFIDENTIAL, and text naming the
// interview type, case reference, modality, location and contact (how to
// join a video or phone interview in the invitation only; and, in
// the feeds of the people who book, the interpreter's name): never
// anything about the child, the match factors or the cancellation reason.
//
// go-ical leaves gaps that this package closes, each in one place:
//
//   - It never folds lines: encode folds its output at 75 octets, backing off
//     to a UTF-8 rune boundary, continuation lines starting with one space.
//   - It escapes TEXT values (backslash, semicolon, comma, LF as \n) but
//     refuses CR: text cleans every string from a booking or a person first
//     (CRLF and CR become LF, other control characters, invalid UTF-8 and
//     the hidden characters that make text show as other text go: see
//     data.Hidden), and go-ical then escapes it, once.
//   - It does not check parameter values for CR, LF or controls and refuses
//     a double quote: param cleans CN values (one line, ' for ", and no
//     backslash or caret, which some parsers decode there and others not).
//   - It refuses a calendar with no component, and RFC 5545 requires at least
//     one: encode gives an empty calendar a VTIMEZONE for UTC, a component
//     every client knows and that no event refers to.
//   - Its SetDateTime writes TZID=Local unless the time is in time.UTC, and a
//     TZID without a VTIMEZONE shifts Outlook by an hour: utc is the one way
//     an instant reaches a property.
package calendar

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/tolk/tolk/data"
)

// Person is a calendar participant: a name and an email address.
type Person struct {
	Name  string
	Email string
}

// Invite renders one booking as a single-event calendar to send or
// download: METHOD:REQUEST, or METHOD:CANCEL once the booking is cancelled.
// The organizer is the social worker who booked, the attendee the
// interpreter; both need a plain email address. now stands in for DTSTAMP
// only when the booking has no UpdatedAt. A booking without an ID, without
// times in order or with a negative sequence, or a person without a plain
// address, gives a *data.ValidationError (errors.Is data.ErrInvalid).
func Invite(b data.Booking, organizer, attendee Person, now time.Time) ([]byte, error) {
	var p problems
	p.booking("", b)
	org := p.address("organizer.email", organizer.Email)
	att := p.address("attendee.email", attendee.Email)
	if err := p.err(); err != nil {
		return nil, err
	}
	cal := newCalendar()
	method := "REQUEST"
	if b.Status == data.BookingCancelled {
		method = "CANCEL"
	}
	cal.Props.SetText(ical.PropMethod, method)

	contact := org
	if name := oneLine(organizer.Name); name != "" {
		contact = name + " <" + org + ">"
	}
	ev := event(b, now, false, contact, "")

	o := ical.NewProp(ical.PropOrganizer)
	setCN(o, organizer.Name)
	o.Value = "mailto:" + org
	ev.Props.Set(o)

	a := ical.NewProp(ical.PropAttendee)
	setCN(a, attendee.Name)
	a.Params.Set(ical.ParamRole, "REQ-PARTICIPANT")
	if method == "REQUEST" {
		// A cancellation asks for no reply (RFC 5546 section 3.2.5).
		a.Params.Set(ical.ParamParticipationStatus, "NEEDS-ACTION")
		a.Params.Set(ical.ParamRSVP, "TRUE")
	}
	a.Value = "mailto:" + att
	ev.Props.Set(a)

	cal.Children = append(cal.Children, ev.Component)
	return encode(cal)
}

// Feed renders a subscription feed named name: no METHOD, NAME and
// X-WR-CALNAME name, REFRESH-INTERVAL;VALUE=DURATION:PT15M and
// X-PUBLISHED-TTL:PT15M, and one VEVENT per booking in the order given
// (cancelled ones as STATUS:CANCELLED, TRANSP:TRANSPARENT and a "Cancelled: "
// summary, for clients that ignore STATUS). Feeds carry no ORGANIZER or
// ATTENDEE and no address. interpreters holds interpreters' names by ID
// for the feeds of the people who book (a social worker's own, an
// organisation's): an event whose interpreter has a name there says it
// in its SUMMARY ("Nazdar Ali: ABE police interview (NR-2026-0042)"),
// cleaned like every text; nil names nobody, as an interpreter's own
// feed needs. An empty feed is still a valid calendar. now stands in for
// DTSTAMP only for a booking without UpdatedAt. A malformed booking gives
// a *data.ValidationError naming it by index.
func Feed(name string, bookings []data.Booking, interpreters map[string]string, now time.Time) ([]byte, error) {
	var p problems
	for i, b := range bookings {
		p.booking(fmt.Sprintf("bookings[%d].", i), b)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	cal := newSubscription(name)
	cal.Children = make([]*ical.Component, 0, len(bookings))
	for _, b := range bookings {
		ev := event(b, now, true, "the booking team, quoting the case reference", interpreters[b.InterpreterID])
		cal.Children = append(cal.Children, ev.Component)
	}
	return encode(cal)
}

// newCalendar returns a VCALENDAR with the properties every output shares.
func newCalendar() *ical.Calendar {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropProductID, "-//tolk//tolk//EN")
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	return cal
}

// newSubscription returns a VCALENDAR for a subscription named name: no
// METHOD, NAME and X-WR-CALNAME name (when any is left once cleaned),
// REFRESH-INTERVAL;VALUE=DURATION:PT15M and X-PUBLISHED-TTL:PT15M.
func newSubscription(name string) *ical.Calendar {
	cal := newCalendar()
	if name = oneLine(name); name != "" {
		cal.Props.SetText(ical.PropName, name)
		// go-ical's SetText adds VALUE=TEXT to a property it does not know;
		// TEXT is already the default of an X- property.
		calname := ical.NewProp("X-WR-CALNAME")
		calname.SetText(name)
		calname.Params.Del(ical.ParamValue)
		cal.Props.Set(calname)
	}
	// RFC 7986 requires the VALUE parameter; go-ical's SetDuration would drop
	// it and write PT900S.
	cal.Props.Set(&ical.Prop{Name: ical.PropRefreshInterval, Params: ical.Params{ical.ParamValue: {"DURATION"}}, Value: "PT15M"})
	cal.Props.Set(&ical.Prop{Name: "X-PUBLISHED-TTL", Params: ical.Params{}, Value: "PT15M"})
	return cal
}

// event builds the VEVENT for b. In feeds a cancelled event says so in its
// summary and stops blocking time; contact is the DESCRIPTION's contact line;
// who, when anything is left of it once cleaned, names the interpreter at
// the start of the summary in place of "Interpreter".
func event(b data.Booking, now time.Time, feed bool, contact, who string) *ical.Event {
	ev := ical.NewEvent()
	ev.Props.SetText(ical.PropUID, text(b.ID)+"@tolk")
	ev.Props.Set(&ical.Prop{Name: ical.PropSequence, Params: ical.Params{}, Value: strconv.Itoa(b.Sequence)})
	stamp := b.UpdatedAt
	if stamp.IsZero() {
		stamp = now
	}
	ev.Props.SetDateTime(ical.PropDateTimeStamp, utc(stamp))
	// The event covers what the interpreter must attend: from their
	// arrival for the briefing to their departure after the debrief.
	ev.Props.SetDateTime(ical.PropDateTimeStart, utc(b.HeldFrom()))
	ev.Props.SetDateTime(ical.PropDateTimeEnd, utc(b.HeldUntil()))
	ev.Props.SetText(ical.PropClass, "CONFIDENTIAL")

	cancelled := b.Status == data.BookingCancelled
	if who = strings.TrimSpace(oneLine(who)); who == "" {
		who = "Interpreter"
	}
	summary := who + ": " + interview(b.InterviewType)
	if ref := oneLine(b.CaseReference); ref != "" {
		summary += " (" + ref + ")"
	}
	if cancelled {
		ev.SetStatus(ical.EventCancelled)
		if feed {
			summary = "Cancelled: " + summary
			ev.Props.SetText(ical.PropTransparency, "TRANSPARENT")
		}
	} else {
		ev.SetStatus(ical.EventConfirmed) // completed bookings too
	}
	ev.Props.SetText(ical.PropSummary, summary)

	loc := location(b)
	if loc != "" {
		ev.Props.SetText(ical.PropLocation, loc)
	}
	join := ""
	if !feed {
		// Only the invitation, sent to the interpreter, says how to join:
		// never a feed, which other people read.
		join = text(b.JoinDetails)
	}
	ev.Props.SetText(ical.PropDescription, description(b, loc, join, contact))
	return ev
}

// description is the event's DESCRIPTION: interview type, case reference,
// modality, location, how to join (join: an invitation's only) and
// contact, one per line; then the safety plan's times (Europe/London) and
// rules in plain words (data.Booking.PlanLines).
func description(b data.Booking, loc, join, contact string) string {
	var sb strings.Builder
	if b.Status == data.BookingCancelled {
		sb.WriteString("This booking is cancelled.\n")
	}
	sb.WriteString(interview(b.InterviewType))
	if ref := oneLine(b.CaseReference); ref != "" {
		sb.WriteString("\nCase reference: " + ref)
	}
	sb.WriteString("\nModality: " + modality(b.Modality))
	if loc == "" {
		loc = "to be confirmed"
	}
	sb.WriteString("\nLocation: " + loc)
	if join != "" && b.Status != data.BookingCancelled {
		sb.WriteString("\nHow to join: " + join)
	}
	sb.WriteString("\nContact: " + contact)
	if b.Status != data.BookingCancelled {
		sb.WriteString("\n\nYour times (UK time) and the rules:")
		for _, line := range b.PlanLines() {
			sb.WriteString("\n- " + line)
		}
	}
	return sb.String()
}

// location is the event's LOCATION: the booking's, or for video and phone
// interviews without one, the modality.
func location(b data.Booking) string {
	if loc := text(b.Location); loc != "" || b.Modality == data.ModalityInPerson {
		return loc
	}
	return modality(b.Modality)
}

var interviews = map[data.InterviewType]string{
	data.InterviewABEPolice:     "ABE police interview",
	data.InterviewSocialWork:    "Social work interview",
	data.InterviewAgeAssessment: "Age assessment interview",
	data.InterviewHealth:        "Health interview",
	data.InterviewLegal:         "Legal interview",
}

// interview names an interview type for people.
func interview(t data.InterviewType) string {
	if s, ok := interviews[t]; ok {
		return s
	}
	if s := oneLine(strings.ReplaceAll(string(t), "_", " ")); s != "" {
		return s + " interview"
	}
	return "Interview"
}

var modalities = map[data.Modality]string{
	data.ModalityInPerson: "In person",
	data.ModalityVideo:    "Video call",
	data.ModalityPhone:    "Phone call",
}

// modality names a modality for people.
func modality(m data.Modality) string {
	if s, ok := modalities[m]; ok {
		return s
	}
	return oneLine(strings.ReplaceAll(string(m), "_", " "))
}

// setCN sets a property's CN parameter to a cleaned name, if any is left.
func setCN(p *ical.Prop, name string) {
	if cn := param(name); cn != "" {
		p.Params.Set(ical.ParamCommonName, cn)
	}
}

// problems collects what makes a booking or a person unfit for a calendar.
type problems []data.FieldError

func (p *problems) add(field, message string) {
	*p = append(*p, data.FieldError{Field: field, Message: message})
}

// booking checks what a VEVENT needs from b; prefix names b in a list.
func (p *problems) booking(prefix string, b data.Booking) {
	if b.ID == "" {
		p.add(prefix+"id", "is required")
	}
	if b.Start.IsZero() || b.End.IsZero() {
		p.add(prefix+"start", "start and end are required")
	} else if !b.End.After(b.Start) {
		p.add(prefix+"end", "must be after start")
	}
	if b.Sequence < 0 {
		p.add(prefix+"sequence", "must not be negative")
	}
}

// address returns email if it is a plain address, the only kind a mailto
// URI carries here; otherwise it records a problem. The message never
// repeats the address (errors may be logged).
func (p *problems) address(field, email string) string {
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		p.add(field, "must be a plain email address")
		return ""
	}
	return email
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &data.ValidationError{Errors: p}
}

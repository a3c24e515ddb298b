package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tolk/tolk/data"
)

// Demo interpreters the demo case's history names (see demoSpecs).
const (
	demoAvan    = "demo-int-31"
	demoNazdar  = "demo-int-34"
	demoShilan  = "demo-int-35"
	demoCaseID  = "demo-case-01"
	demoBooker  = "demo-social-worker"
	demoCaseRef = "DEMO-2026-001"
)

// demoMatchSlot is the slot the README walk-through asks about: a week from
// the day the demo first started, 14:00-15:30 UTC.
func demoMatchSlot(now time.Time) (time.Time, time.Time) {
	d := data.DateOf(now).AddDays(7).String()
	start, _ := time.Parse(time.RFC3339, d+"T14:00:00Z")
	return start, start.Add(90 * time.Minute)
}

// seedDemoCases ensures the demo case (a Sorani-speaking girl from a named
// town who asked for a female interpreter from outside her community) and
// its history: a completed interview where she was comfortable (continuity
// for Nazdar Ali), one where she was not (Shilan Hassan is then excluded
// for her), and Nazdar Ali's confirmed interview at the walk-through's slot
// (so she is unavailable then, with her next available time).
func seedDemoCases(ctx context.Context, store data.Store, now time.Time, out io.Writer) error {
	system := data.User{ID: data.ActorSystem, Organisation: demoOrganisation}
	stamp := data.Timestamp(now)
	c := data.Case{
		ID: demoCaseID, Organisation: demoOrganisation, Reference: demoCaseRef,
		LinkedReferences: []string{"OP-KESTREL-2024"},
		Child: data.Child{
			Languages:         []string{"ckb"},
			InterpreterGender: data.GenderWish{Preference: data.GenderFemale, Required: true},
			CommunityLinks:    []data.CommunityLink{{Kind: data.LinkTown, Value: "Ranya"}, {Kind: data.LinkCountry, Value: "IQ"}},
			AvoidOwnCommunity: true,
			AgeBand:           data.Age12To15,
		},
		CreatedBy: demoBooker, Version: 1, CreatedAt: stamp, UpdatedAt: stamp,
	}
	err := store.CreateCase(ctx, c, data.NewAuditEntry(now, system, demoOrganisation, "case.created", "case", c.ID))
	if errors.Is(err, data.ErrDuplicate) {
		return nil // seeded by an earlier start
	}
	if err != nil {
		return fmt.Errorf("demo case: %w", err)
	}
	at := func(days int, hhmm string) time.Time {
		t, _ := time.Parse(time.RFC3339, data.DateOf(now).AddDays(days).String()+"T"+hhmm+":00Z")
		return t
	}
	start, end := demoMatchSlot(now)
	snapshot := data.MatchSnapshot{Score: 136, Factors: []data.Factor{
		{Factor: "continuity", Points: 100, Reason: "interpreted for this child before and the child was comfortable"},
		{Factor: "language", Points: 26, Reason: "speaks ckb, the child's preferred language (native)"},
		{Factor: "fair_spread", Points: 10, Reason: "0 bookings in the last 30 days"},
	}}
	bookings := []data.Booking{
		{ID: "demo-booking-01", InterpreterID: demoNazdar, Start: at(-40, "10:00"), End: at(-40, "11:30"), Status: data.BookingCompleted,
			Outcome: &data.Outcome{Attended: true, ChildComfortable: true, RecordedBy: demoBooker, RecordedAt: at(-40, "12:00")}},
		{ID: "demo-booking-02", InterpreterID: demoShilan, Start: at(-20, "10:00"), End: at(-20, "11:30"), Status: data.BookingCompleted,
			Outcome: &data.Outcome{Attended: true, ChildComfortable: false, RecordedBy: demoBooker, RecordedAt: at(-20, "12:00")}},
		{ID: "demo-booking-03", InterpreterID: demoNazdar, Start: start, End: end, Status: data.BookingConfirmed},
	}
	for _, b := range bookings {
		b.Organisation, b.CaseID, b.CaseReference, b.BookedBy = demoOrganisation, c.ID, c.Reference, demoBooker
		b.InterviewType, b.Modality, b.Location, b.Match = data.InterviewABEPolice, data.ModalityVideo, "Video link from the police", snapshot
		b.Version, b.CreatedAt, b.UpdatedAt = 1, stamp, stamp
		if err := store.CreateBooking(ctx, b, data.NewAuditEntry(now, system, demoOrganisation, "booking.created", "booking", b.ID)); err != nil {
			return fmt.Errorf("demo booking %s: %w", b.ID, err)
		}
	}
	fmt.Fprintf(out, "Demo case %s (reference %s): match it for %s to %s (UK time: %s to %s).\n", c.ID, c.Reference,
		start.Format(time.RFC3339), end.Format(time.RFC3339), start.In(london).Format("Mon 2 Jan 2006 15:04"), end.In(london).Format("15:04"))
	return nil
}

// london is the zone the web pages read and show times in.
var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err) // cannot happen: package matching embeds time/tzdata
	}
	return l
}()

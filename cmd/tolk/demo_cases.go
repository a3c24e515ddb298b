package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// Demo interpreters the demo case's history names (see demoSpecs).
const (
	demoAvan    = "demo-int-31"
	demoNazdar  = "demo-int-34"
	demoShilan  = "demo-int-35"
	demoCaseID  = "demo-case-01"
	demoCaseRef = "DEMO-2026-001"
)

// demoMatchSlot is the slot the README walk-through asks about: a week from
// the day the demo first started, 14:00-15:30 UTC.
func demoMatchSlot(now time.Time) (time.Time, time.Time) {
	d := data.DateOf(now).AddDays(7).String()
	start, _ := time.Parse(time.RFC3339, d+"T14:00:00Z")
	return start, start.Add(90 * time.Minute)
}

// demoHistory is how far back the demo's history begins.
const demoHistory = 50 * 24 * time.Hour

// cases ensures the demo case (a Sorani-speaking girl from a named town who
// asked for a female interpreter from outside her community) and its
// history, booked and closed by the demo social worker at the times they
// happened: a completed interview where she was comfortable (continuity
// for Nazdar Ali), one where she was not (Shilan Hassan is then excluded
// for her), and Nazdar Ali's confirmed interview at the walk-through's slot
// (so she is unavailable then, with her next available time).
func (sd *seeder) cases(ctx context.Context, socialWorker data.User, now time.Time, out io.Writer) error {
	c, err := sd.app.CreateCase(ctx, socialWorker, data.Case{
		ID: demoCaseID, Reference: demoCaseRef,
		LinkedReferences: []string{"OP-KESTREL-2024"},
		Child: data.Child{
			Languages:         []string{"ckb"},
			InterpreterGender: data.GenderWish{Preference: data.GenderFemale, Required: true},
			CommunityLinks:    []data.CommunityLink{{Kind: data.LinkTown, Value: "Ranya"}, {Kind: data.LinkCountry, Value: "IQ"}},
			AvoidOwnCommunity: true,
			AgeBand:           data.Age12To15,
		},
	})
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
	history := []struct {
		id, interpreter string
		start, end      time.Time
		outcome         *app.Outcome
	}{
		{"demo-booking-01", demoNazdar, at(-40, "10:00"), at(-40, "11:30"), &app.Outcome{Attended: true, ChildComfortable: true, Checklist: demoChecklist()}},
		{"demo-booking-02", demoShilan, at(-20, "10:00"), at(-20, "11:30"), &app.Outcome{Attended: true, ChildComfortable: false, Checklist: demoChecklist()}},
		{"demo-booking-03", demoNazdar, start, end, nil},
	}
	for _, h := range history {
		sd.clock = h.start.Add(-7 * 24 * time.Hour) // booked a week ahead, or now
		if sd.clock.After(now) {
			sd.clock = now
		}
		if _, _, err := sd.app.CreateBooking(ctx, socialWorker, app.NewBooking{
			ID: h.id, CaseID: c.ID, InterpreterID: h.interpreter, Start: h.start, End: h.end,
			InterviewType: data.InterviewABEPolice, Modality: data.ModalityVideo, Location: "Video link from the police", JoinDetails: "https://meet.example.org/demo-abe",
		}); err != nil {
			return fmt.Errorf("demo booking %s: %w", h.id, err)
		}
		if h.outcome == nil {
			continue
		}
		sd.clock = h.end.Add(30 * time.Minute)
		if _, err := sd.app.RecordOutcome(ctx, socialWorker, h.id, *h.outcome); err != nil {
			return fmt.Errorf("demo outcome %s: %w", h.id, err)
		}
	}
	// An offer waiting for the demo interpreter's answer: a cascade asking
	// Avan Rashid first, then Nazdar Ali, for the day after the
	// walk-through's slot.
	sd.clock = now
	if _, err := sd.app.CreateOffer(ctx, socialWorker, app.NewOffer{
		CaseID: c.ID, Start: start.Add(24 * time.Hour), End: end.Add(24 * time.Hour),
		InterviewType: data.InterviewABEPolice, Modality: data.ModalityVideo, Location: "Video link from the police", JoinDetails: "https://meet.example.org/demo-abe",
		InterpreterIDs: []string{demoAvan, demoNazdar}, Mode: data.OfferCascade,
	}); err != nil {
		return fmt.Errorf("demo offer: %w", err)
	}
	fmt.Fprintf(out, "Demo case %s (reference %s): match it for %s to %s (UK time: %s to %s).\n", c.ID, c.Reference,
		start.Format(time.RFC3339), end.Format(time.RFC3339), start.In(data.London).Format("Mon 2 Jan 2006 15:04"), end.In(data.London).Format("15:04"))
	return nil
}

// demoChecklist is the safety checklist of the demo's attended interviews:
// every item attested.
func demoChecklist() *data.Checklist {
	return &data.Checklist{Briefed: true, ConflictRedeclared: true, NeverAloneWithChild: true, DebriefOffered: true}
}

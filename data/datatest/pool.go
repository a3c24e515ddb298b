package datatest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// testMatchPool: MatchPool returns what ListInterpreters and
// ConfirmedBookings return, as profiles and slots, and sees every write
// made through another instance at once: an interpreter's change, a new
// speaker, a booking made, moved, marked distressing and cancelled. Each
// write follows a read that a store keeping the pool would keep.
func testMatchPool(t *testing.T, newDB func() data.Store) {
	ctx := t.Context()
	writer, reader := newDB(), newDB()
	c := newCase(1, "north")
	sorani, kurmanji, tigrinya := newInterpreter(1, "ckb"), newInterpreter(2, "kmr", "ti"), newInterpreter(3, "ti")
	for _, in := range []data.Interpreter{sorani, kurmanji, tigrinya} {
		if err := writer.CreateInterpreter(ctx, in, interpreterChange(in, data.ActionInterpreterCreated)); err != nil {
			t.Fatal(err)
		}
	}
	early := newBooking(c, sorani.ID, "09:00", "10:00")
	late := inPerson(newBooking(c, sorani.ID, "15:00", "16:00"), 30*time.Minute)
	late.Safety = data.SafetyPlan{Briefing: 15 * time.Minute, Debrief: 15 * time.Minute}
	other := newBooking(c, kurmanji.ID, "11:00", "12:00")
	for _, b := range []data.Booking{early, late, other} {
		if err := book(t, writer, b); err != nil {
			t.Fatal(err)
		}
	}
	from, to := at("08:00"), at("20:00")
	check := func(step string, keys ...string) {
		t.Helper()
		for _, s := range []data.Store{reader, writer} {
			got, err := s.MatchPool(ctx, keys, from, to)
			if err != nil {
				t.Fatalf("%s: MatchPool: %v", step, err)
			}
			var want []data.Interpreter
			for _, key := range keys {
				page, err := s.ListInterpreters(ctx, data.InterpreterQuery{LanguageKey: key, Limit: data.MaxPageSize})
				if err != nil {
					t.Fatal(err)
				}
				for _, in := range page.Items {
					if !slices.ContainsFunc(want, func(w data.Interpreter) bool { return w.ID == in.ID }) {
						want = append(want, in)
					}
				}
			}
			slices.SortFunc(want, func(a, b data.Interpreter) int { return strings.Compare(a.ID, b.ID) })
			var gotIDs, wantIDs []string
			for _, m := range got {
				gotIDs = append(gotIDs, m.Profile.Interpreter.ID)
			}
			for _, in := range want {
				wantIDs = append(wantIDs, in.ID)
			}
			if diff := cmp.Diff(wantIDs, gotIDs); diff != "" {
				t.Fatalf("%s: MatchPool(%v) interpreters (-listed +pool):\n%s", step, keys, diff)
			}
			for i, m := range got {
				if diff := cmp.Diff(want[i], *m.Profile.Interpreter, cmpOpts); diff != "" {
					t.Errorf("%s: %s's profile is of another record (-listed +pool):\n%s", step, want[i].ID, diff)
				}
				if diff := cmp.Diff(data.NewProfile(&want[i]), m.Profile, cmpOpts); diff != "" {
					t.Errorf("%s: %s's profile (-built +pool):\n%s", step, want[i].ID, diff)
				}
				held, err := s.ConfirmedBookings(ctx, []string{want[i].ID}, from, to)
				if err != nil {
					t.Fatal(err)
				}
				var slots []data.Slot
				for _, b := range held {
					slots = append(slots, data.SlotOf(b))
				}
				slices.SortFunc(slots, data.CompareSlots)
				if diff := cmp.Diff(slots, m.Slots, cmpOpts); diff != "" {
					t.Errorf("%s: %s's slots (-confirmed bookings +pool):\n%s", step, want[i].ID, diff)
				}
			}
		}
	}
	check("seeded", "ku")
	check("two languages, one speaking both", "ku", "ti")
	if got, err := reader.MatchPool(ctx, []string{"sw"}, from, to); err != nil || len(got) != 0 {
		t.Errorf("MatchPool of a language nobody speaks: %v, %v", got, err)
	}

	if _, err := writer.UpdateInterpreter(ctx, sorani.ID, func(in data.Interpreter) (data.Interpreter, data.Change, error) {
		in.Vetting.Status = data.VettingSuspended
		in.Training = append(in.Training, data.Training{Kind: data.TrainingTrafficking, Completed: data.MustDate("2026-01-05")})
		in.CommunityLinks = append(in.CommunityLinks, data.CommunityLink{Kind: data.LinkFamily, Value: "Qadir"})
		return in, interpreterChange(in, data.ActionInterpreterUpdated), nil
	}); err != nil {
		t.Fatal(err)
	}
	check("an interpreter changed", "ku")
	newcomer := newInterpreter(4, "ku")
	if err := writer.CreateInterpreter(ctx, newcomer, interpreterChange(newcomer, data.ActionInterpreterCreated)); err != nil {
		t.Fatal(err)
	}
	check("a speaker added", "ku", "ti")

	added := newBooking(c, sorani.ID, "12:00", "13:00")
	if err := book(t, writer, added); err != nil {
		t.Fatal(err)
	}
	check("a booking made", "ku")
	if _, err := writer.UpdateBooking(ctx, added.ID, reschedule("17:00", "18:00")); err != nil {
		t.Fatal(err)
	}
	check("a booking moved", "ku")
	if _, err := writer.UpdateBooking(ctx, early.ID, func(b data.Booking) (data.Booking, data.Change, error) {
		next, err := b.MarkDistressing(b.End.Add(time.Hour))
		return next, bookingChange(next, data.ActionBookingDistressing), err
	}); err != nil {
		t.Fatal(err)
	}
	check("a booking marked distressing", "ku")
	if _, err := writer.UpdateBooking(ctx, late.ID, cancel("no longer needed")); err != nil {
		t.Fatal(err)
	}
	check("a booking cancelled", "ku", "ti")
	if got, err := reader.MatchPool(ctx, []string{"ku"}, at("16:30"), at("20:00")); err != nil || len(got) != 3 || len(got[0].Slots)+len(got[1].Slots)+len(got[2].Slots) != 1 {
		t.Errorf("MatchPool from 16:30: %+v, %v; want the moved booking alone", got, err)
	}
}

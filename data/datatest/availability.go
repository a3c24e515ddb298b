package datatest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// testInterpreterAvailability: an interpreter's declared hours and
// unavailable periods round-trip exactly (periods to the millisecond, in
// UTC) through an update, whether the record is read alone or listed; a
// caller changing what it got never changes what the store holds; a
// cleared availability reads as none declared.
func testInterpreterAvailability(t *testing.T, s data.Store) {
	ctx := t.Context()
	in := newInterpreter(1, "ti")
	if err := s.CreateInterpreter(ctx, in, interpreterChange(in, data.ActionInterpreterCreated)); err != nil {
		t.Fatal(err)
	}
	avail := data.Availability{
		TimeZone: "America/New_York",
		Weekly: []data.WeeklyHours{
			{Day: time.Saturday, From: 0, To: data.EndOfDay}, {Day: time.Friday, From: 18 * 60, To: 23*60 + 59},
			{Day: time.Friday, From: 7*60 + 15, To: 12 * 60},
		},
		Unavailable: []data.Period{
			{Start: base.Add(240 * time.Hour), End: base.Add(241*time.Hour + 1500*time.Microsecond)},
			{Start: time.Date(2026, 10, 25, 0, 30, 0, 0, time.FixedZone("BST", 3600)), End: time.Date(2026, 10, 25, 2, 30, 0, 0, time.UTC)},
		},
	}
	if err := avail.Validate(); err != nil {
		t.Fatalf("fixture invalid: %v", err)
	}
	setAvailability := func(a data.Availability) data.Update[data.Interpreter] {
		return func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
			cur.Availability = a
			return cur, interpreterChange(cur, data.ActionAvailabilityUpdated), nil
		}
	}
	want := storedInterpreter(in)
	want.Availability = avail
	want = storedInterpreter(want)
	want.Version = 2
	got, err := s.UpdateInterpreter(ctx, in.ID, setAvailability(avail))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("UpdateInterpreter returned (-want +got):\n%s", diff)
	}
	if got.Availability.Unavailable[1].Start.Location() != time.UTC {
		t.Errorf("an unavailable period starts in %v, want UTC", got.Availability.Unavailable[1].Start.Location())
	}
	read := func(what string) {
		t.Helper()
		got, err := s.Interpreter(ctx, in.ID)
		if err != nil || !cmp.Equal(want, got, cmpOpts) {
			t.Errorf("%s, Interpreter: %v (-want +got):\n%s", what, err, cmp.Diff(want, got, cmpOpts))
		}
		page, err := s.ListInterpreters(ctx, data.InterpreterQuery{LanguageKey: "ti"})
		if err != nil || len(page.Items) != 1 || !cmp.Equal(want, page.Items[0], cmpOpts) {
			t.Errorf("%s, ListInterpreters: %v (-want +got):\n%s", what, err, cmp.Diff([]data.Interpreter{want}, page.Items, cmpOpts))
		}
		for _, got := range append(page.Items, got) { // what a caller may do with what it got
			if len(got.Availability.Weekly) > 0 && len(got.Availability.Unavailable) > 0 {
				got.Availability.Weekly[0].From, got.Availability.Unavailable[0].Start = 1, time.Time{}
			}
		}
	}
	read("after the update")
	read("after the callers changed what they got")

	want.Availability, want.Version = data.Availability{}, 3
	if _, err := s.UpdateInterpreter(ctx, in.ID, setAvailability(data.Availability{})); err != nil {
		t.Fatal(err)
	}
	read("after clearing it")
}

package data

import (
	"testing"
	"time"
)

// TestSlotsFrom: the slots that start in [from, to), found by binary
// search: one starting at from is in, one starting at to is out.
func TestSlotsFrom(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 12, 7, h, 0, 0, 0, time.UTC) }
	var slots []Slot
	for h := 8; h <= 16; h += 2 {
		slots = append(slots, Slot{BookingID: "b", Start: at(h)})
	}
	for _, c := range []struct {
		from, to   int
		first, end int
	}{
		{8, 16, 0, 4}, {9, 16, 1, 4}, {8, 17, 0, 5}, {0, 8, 0, 0}, {17, 23, 5, 5}, {10, 10, 1, 1},
	} {
		got := SlotsFrom(slots, at(c.from), at(c.to))
		if want := slots[c.first:c.end]; len(got) != len(want) || (len(got) > 0 && &got[0] != &want[0]) {
			t.Errorf("SlotsFrom(%d:00, %d:00) = %d slots, want slots %d to %d", c.from, c.to, len(got), c.first, c.end)
		}
	}
}

// TestProfileCredentials: a credential is held from its completion
// through its expiry day, both included, for ever without one; a profile
// keeps every credential of a kind and none of an unknown kind.
func TestProfileCredentials(t *testing.T) {
	r := DateRange{From: MustDate("2025-01-10"), Until: MustDate("2026-01-10")}
	for d, want := range map[string]bool{"2025-01-09": false, "2025-01-10": true, "2026-01-10": true, "2026-01-11": false} {
		if r.Holds(MustDate(d)) != want {
			t.Errorf("%v holds %s: %v", r, d, !want)
		}
	}
	if !(DateRange{From: MustDate("2020-01-01")}).Holds(MustDate("2099-12-31")) {
		t.Error("a credential without expiry lapsed")
	}
	in := Interpreter{
		Training: []Training{
			{Kind: TrainingChildProtectionL2, Completed: MustDate("2020-01-01"), Expires: MustDate("2021-01-01")},
			{Kind: TrainingChildProtectionL2, Completed: MustDate("2024-01-01")},
			{Kind: "unknown", Completed: MustDate("2024-01-01")},
		},
		Modalities:     []Modality{ModalityVideo},
		Regions:        []string{" gb-lnd "},
		CommunityLinks: []CommunityLink{{Kind: LinkTown, Value: "  Mékelle "}, {Kind: LinkCountry, Value: "er"}},
	}
	p := NewProfile(&in)
	if got := p.Training[TrainingIndex(TrainingChildProtectionL2)]; len(got) != 2 {
		t.Errorf("child protection level 2 held over %v, want both courses", got)
	}
	if p.Modalities != ModalityBit(ModalityVideo) || p.Regions[0] != "GB-LND" || p.ClearanceLevel != -1 || p.Approved || p.Signed {
		t.Errorf("profile %+v", p)
	}
	if p.Links[0].Value != "mekelle" || p.Links[1].Value != "ER" {
		t.Errorf("links %v, want values as compared", p.Links)
	}
}

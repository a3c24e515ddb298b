package data

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCanonicalLanguage(t *testing.T) {
	for in, want := range map[string]string{
		"ar-sd": "ar-SD", "AR-SD": "ar-SD", "ar-SD": "ar-SD", "apd": "apd", "ckb": "ckb",
		"iw": "he", "zh-cmn": "cmn", "ar-Arab": "ar", " ti ": "ti", "prs": "prs",
	} {
		got, err := CanonicalLanguage(in)
		if err != nil || got != want {
			t.Errorf("CanonicalLanguage(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "und", "x-klingon", "not a tag", "toolongsubtag123", "12"} {
		if got, err := CanonicalLanguage(bad); err == nil {
			t.Errorf("CanonicalLanguage(%q) = %q, want an error", bad, got)
		}
	}
}

func TestLanguageKeys(t *testing.T) {
	for tag, want := range map[string][]string{
		"ar-SD": {"ar-SD", "ar"},
		"apd":   {"apd", "ar"},
		"kmr":   {"kmr", "ku"},
		"ckb":   {"ckb", "ku"},
		"aln":   {"aln", "sq"},
		"prs":   {"prs", "fa"},
		"ti":    {"ti"},
	} {
		if diff := cmp.Diff(want, LanguageKeys(tag)); diff != "" {
			t.Errorf("LanguageKeys(%s) (-want +got):\n%s", tag, diff)
		}
	}
}

func TestFold(t *testing.T) {
	for _, s := range []string{"Mékelle", "MEKELLE", "  mekelle ", "Mekellé"} {
		if got := Fold(s); got != "mekelle" {
			t.Errorf("Fold(%q) = %q", s, got)
		}
	}
	if Fold("Keren") == Fold("Kerem") {
		t.Error("Fold conflates different names")
	}
}

func TestParseDate(t *testing.T) {
	if _, err := ParseDate("2026-02-30"); err == nil {
		t.Error("2026-02-30 accepted")
	}
	if _, err := ParseDate("2026-2-3"); err == nil {
		t.Error("2026-2-3 accepted")
	}
	d, err := ParseDate("2028-02-29")
	if err != nil || d.String() != "2028-02-29" || d.AddDays(1).String() != "2028-03-01" {
		t.Errorf("2028-02-29: %v %v", d, err)
	}
}

func TestVettingDecide(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	v := Vetting{Status: VettingPending}
	for _, step := range []struct {
		d    Decision
		want VettingStatus
	}{{DecisionApprove, VettingApproved}, {DecisionSuspend, VettingSuspended}, {DecisionApprove, VettingApproved}, {DecisionSuspend, VettingSuspended}} {
		next, err := v.Decide(step.d, "coord", at, "n")
		if err != nil || next.Status != step.want || next.DecidedBy != "coord" || next.Note != "n" {
			t.Fatalf("%s from %s: %+v, %v", step.d, v.Status, next, err)
		}
		v = next
	}
	refused := map[VettingStatus][]Decision{
		VettingPending:   {DecisionSuspend},
		VettingApproved:  {DecisionApprove, DecisionReject},
		VettingSuspended: {DecisionSuspend, DecisionReject},
		VettingRejected:  {DecisionApprove, DecisionReject, DecisionSuspend},
	}
	for from, ds := range refused {
		for _, d := range ds {
			_, err := Vetting{Status: from}.Decide(d, "c", at, "")
			var te *TransitionError
			if !errors.Is(err, ErrTransition) || !errors.As(err, &te) || te.From != from {
				t.Errorf("%s from %s: error = %v, want a TransitionError naming %s", d, from, err, from)
			}
		}
	}
	if _, err := (Vetting{Status: VettingPending}).Decide("ban", "c", at, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown decision: %v", err)
	}
}

func TestRenewals(t *testing.T) {
	in := Interpreter{
		Clearance:      Clearance{Level: ClearanceEnhanced, ValidUntil: MustDate("2026-12-01")},
		Training:       []Training{{Kind: TrainingChildProtectionL2, Expires: MustDate("2026-10-01")}, {Kind: TrainingABEInterviewing}},
		Qualifications: []Qualification{{Kind: QualificationNRPSIFull, Expires: MustDate("2026-12-02")}},
		Agreements:     Agreements{ConfidentialitySigned: MustDate("2025-01-01")},
	}
	dates := cmp.Comparer(func(a, b Date) bool { return a == b })
	want := []Renewal{
		{Item: "clearance", Expires: MustDate("2026-12-01")},
		{Item: "training.child_protection_l2", Expires: MustDate("2026-10-01")},
		{Item: "qualification.nrpsi_full", Expires: MustDate("2026-12-02")},
	}
	if diff := cmp.Diff(want, in.Renewals(), dates); diff != "" {
		t.Errorf("Renewals (-want +got):\n%s", diff)
	}
	// Removing the clearance, the agreement and the child protection
	// training makes each a missing item; none drops out of renewal.
	in.Clearance, in.Agreements, in.Training = Clearance{}, Agreements{}, in.Training[1:]
	want = []Renewal{
		{Item: "clearance", Missing: true},
		{Item: "agreements.confidentiality", Missing: true},
		{Item: "training.child_protection", Missing: true},
		{Item: "qualification.nrpsi_full", Expires: MustDate("2026-12-02")},
	}
	if diff := cmp.Diff(want, in.Renewals(), dates); diff != "" {
		t.Errorf("Renewals after removals (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"", "2026-12-02"}, in.RenewalKeys()); diff != "" {
		t.Errorf("RenewalKeys (-want +got):\n%s", diff)
	}
}

func TestNewIDIncreases(t *testing.T) {
	at := time.Now()
	var ids []string
	for range 1000 {
		ids = append(ids, NewID(at)) // same millisecond every time
	}
	ids = append(ids, NewID(at.Add(-time.Hour))) // the clock steps back
	if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Error("IDs from one process do not strictly increase")
	}
	if len(ids[0]) != 26 {
		t.Errorf("ID %q: want 26 characters", ids[0])
	}
}

func TestUserValidate(t *testing.T) {
	u := User{ID: "u", Name: "A", Email: "a@example.org", Role: RoleAdmin, Organisation: "north", KeyHash: HashKey("k")}
	if err := u.Validate(); err != nil {
		t.Fatal(err)
	}
	u.Email, u.Organisation, u.Role = "A@Example.org", "North Org", "root"
	var ve *ValidationError
	if err := u.Validate(); !errors.As(err, &ve) || len(ve.Errors) != 3 {
		t.Errorf("Validate = %v, want three field errors", err)
	}
	if !u.KeyMatches("k") || u.KeyMatches("K") {
		t.Error("KeyMatches")
	}
}

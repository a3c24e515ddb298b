package data_test

import (
	"strings"
	"testing"

	"github.com/tolk/tolk/data"
)

// Every training and qualification kind has words of its own, and a
// renewal's item is named in them: no code reaches a page or an email.
func TestRenewalItemWords(t *testing.T) {
	for _, k := range data.TrainingKinds {
		if w := k.Words(); w == string(k) || strings.Contains(w, "_") {
			t.Errorf("training %s has no words: %q", k, w)
		}
	}
	for _, k := range data.QualificationKinds {
		if w := k.Words(); w == string(k) || strings.Contains(w, "_") {
			t.Errorf("qualification %s has no words: %q", k, w)
		}
	}
	for item, want := range map[string]string{
		"clearance":                           "Criminal records check (DBS)",
		"agreements.confidentiality":          "Signed confidentiality agreement",
		"training.child_protection":           "Child protection training",
		"training.child_protection_l1":        "Training in child protection, level 1",
		"training.abe_interviewing":           "Training in ABE interviewing",
		"training.trafficking_modern_slavery": "Training in trafficking and modern slavery",
		"qualification.nrpsi_full":            "Qualification (NRPSI, full status)",
		"something.new":                       "something.new",
	} {
		if got := data.RenewalItemWords(item); got != want {
			t.Errorf("RenewalItemWords(%q) = %q, want %q", item, got, want)
		}
	}
	for words, want := range map[string]string{
		"Criminal records check (DBS)": "criminal records check (DBS)",
		"DPSI":                         "DPSI",
		"ABE interviewing":             "ABE interviewing",
		"Ärztlicher Bericht":           "ärztlicher Bericht",
		"":                             "",
	} {
		if got := data.LowerFirst(words); got != want {
			t.Errorf("LowerFirst(%q) = %q, want %q", words, got, want)
		}
	}
	if got := data.MustDate("2026-12-08").Words(); got != "8 December 2026" {
		t.Errorf("a date in words: %q", got)
	}
	if got := (data.Date{}).Words(); got != "" {
		t.Errorf("the zero date in words: %q", got)
	}
}

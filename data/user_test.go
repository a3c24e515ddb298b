package data

import (
	"slices"
	"testing"
)

// TestNormalizeEmail: addresses compare as the providers that deliver them
// do. The domain is case-insensitive and internationalised (IDNA: the
// A-label is the stored form); an ASCII local part is lower-cased; any
// other local part is kept exactly as written, so no Unicode folding makes
// two mailboxes one: the Kelvin sign (U+212A) is not K, ß is not ss.
func TestNormalizeEmail(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"  Kim@Example.ORG ", "kim@example.org"},
		{"STRASSE@Example.org", "strasse@example.org"},
		{"STRAßE@example.org", "STRAßE@example.org"},
		{"straße@example.org", "straße@example.org"},
		{"\u212Aim@example.org", "\u212Aim@example.org"},  // not folded to kim@: refused by Validate
		{"kim@\u212Aelvin.example", "kim@kelvin.example"}, // a domain maps as DNS does
		{"hana@BÜCHER.example", "hana@xn--bcher-kva.example"},
		{"hana@xn--bcher-kva.example", "hana@xn--bcher-kva.example"},
		{"Élise@example.org", "Élise@example.org"},
	} {
		if got := NormalizeEmail(c.in); got != c.want {
			t.Errorf("NormalizeEmail(%+q) = %+q, want %+q", c.in, got, c.want)
		}
		if got := NormalizeEmail(c.want); got != c.want {
			t.Errorf("NormalizeEmail(%+q) = %+q: not idempotent", c.want, got)
		}
	}
	for _, pair := range [][2]string{
		{"\u212Aim@example.org", "kim@example.org"},
		{"STRAßE@example.org", "strasse@example.org"},
		{"straße@example.org", "strasse@example.org"},
		{"STRAßE@example.org", "straße@example.org"},
	} {
		if NormalizeEmail(pair[0]) == NormalizeEmail(pair[1]) {
			t.Errorf("%+q and %+q compare equal", pair[0], pair[1])
		}
	}
}

// TestEmailValidation: a stored address is in the form NormalizeEmail
// gives, and a non-ASCII local part must already be NFC: the Kelvin sign
// (whose NFC is K) and a decomposed é are refused, not folded.
func TestEmailValidation(t *testing.T) {
	user := func(email string) User {
		return User{ID: "u", Name: "Kim", Email: email, Role: RoleAdmin, Organisation: "x", KeyHash: HashKey("k")}
	}
	interp := func(email string) Interpreter {
		in := Interpreter{Name: "Kim", Email: email, Gender: GenderFemale,
			Languages: []LanguageSkill{{Tag: "ti", Proficiency: ProficiencyNative}}, Vetting: Vetting{Status: VettingPending}}
		in.Normalize()
		return in
	}
	for _, ok := range []string{"kim@example.org", "straße@example.org", "Élise@example.org", "hana@xn--bcher-kva.example"} {
		if err := user(ok).Validate(); err != nil {
			t.Errorf("user %+q: %v", ok, err)
		}
		if err := interp(ok).Validate(); err != nil {
			t.Errorf("interpreter %+q: %v", ok, err)
		}
	}
	for _, bad := range []string{"\u212Aim@example.org", "E\u0301lise@example.org", "Kim@example.org", "kim@BÜCHER.example"} {
		if got := fieldsOf(t, user(bad).Validate()); !slices.Equal(got, []string{"email"}) {
			t.Errorf("user %+q: fields %v", bad, got)
		}
	}
	for _, bad := range []string{"\u212Aim@example.org", "E\u0301lise@example.org"} {
		if got := fieldsOf(t, interp(bad).Validate()); !slices.Equal(got, []string{"email"}) {
			t.Errorf("interpreter %+q: fields %v", bad, got)
		}
	}
}

package data

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// fieldsOf returns the fields a *ValidationError names.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	ve, ok := errors.AsType[*ValidationError](err)
	if !ok {
		t.Fatalf("error %v, want a *ValidationError", err)
	}
	var out []string
	for _, f := range ve.Errors {
		out = append(out, f.Field)
	}
	return out
}

// TestLanguageTagsAreCappedBeforeParsing: a tag over 64 characters is
// refused without being parsed or quoted, however well formed it is.
func TestLanguageTagsAreCappedBeforeParsing(t *testing.T) {
	ok := "en-x-" + strings.Repeat("abcdefg-", 7) + "abc" // 64 characters
	if len(ok) != MaxLanguageTagLength {
		t.Fatalf("len %d", len(ok))
	}
	if _, err := CanonicalLanguage(ok); err != nil {
		t.Errorf("a 64-character tag: %v", err)
	}
	for _, tag := range []string{ok + "d", "en-x-" + strings.Repeat("abcdefgh-", 100_000) + "a"} {
		_, err := CanonicalLanguage(tag)
		if err == nil || len(err.Error()) > 200 {
			t.Errorf("a %d-character tag: %.200v", len(tag), err)
		}
	}
}

// TestTextFieldsAreCappedAndClean: every text field of a record has a
// length cap checked before any parsing, and control characters are
// refused (free text keeps tab, CR and LF).
func TestTextFieldsAreCappedAndClean(t *testing.T) {
	long := strings.Repeat("a", 100_000)
	in := Interpreter{Name: "A\x00", Email: long + "@example.org", Phone: "1\x002", Gender: GenderFemale,
		Languages: []LanguageSkill{{Tag: "ti", Proficiency: ProficiencyNative}},
		Regions:   []string{long}, CommunityLinks: []CommunityLink{{Kind: LinkTown, Value: "Me\x1bkelle"}, {Kind: LinkCountry, Value: long}},
		Vetting: Vetting{Status: VettingPending}}
	got := fieldsOf(t, in.Validate())
	for _, f := range []string{"name", "email", "phone", "regions[0]", "communityLinks[0].value", "communityLinks[1].value"} {
		if !slices.Contains(got, f) {
			t.Errorf("interpreter: fields %v, want %s", got, f)
		}
	}
	u := User{ID: "u", Name: "B\u0085", Email: "b@x.example", Role: RoleAdmin, Organisation: "x", KeyHash: HashKey("k")}
	if got := fieldsOf(t, u.Validate()); !slices.Equal(got, []string{"name"}) {
		t.Errorf("user: fields %v", got)
	}
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	b := Booking{Organisation: "x", CaseID: "c", InterpreterID: "i\x00", Start: now, End: now.Add(time.Hour),
		InterviewType: InterviewSocialWork, Modality: ModalityVideo, Location: "Room 1\nFloor 2\x00", Status: BookingCancelled,
		CancelReason: long, Outcome: &Outcome{Note: "fine\x07"}, Confirmation: ConfirmationDirect}
	got = fieldsOf(t, b.Validate())
	for _, f := range []string{"interpreterId", "location", "cancelReason", "outcome.note"} {
		if !slices.Contains(got, f) {
			t.Errorf("booking: fields %v, want %s", got, f)
		}
	}
	b.InterpreterID, b.Location, b.CancelReason, b.Outcome = "i", "Room 1\r\nFloor 2\tEast", "ill", &Outcome{Note: "ok\n"}
	if err := b.Validate(); err != nil {
		t.Errorf("free text with tab and line breaks: %v", err)
	}
	if _, err := (Vetting{Status: VettingPending}).Decide(DecisionApprove, "u", now, "ok\x00"); err == nil {
		t.Error("a vetting note with NUL is accepted")
	}
	if _, err := (Vetting{Status: VettingPending}).Decide(DecisionApprove, "u", now, long); err == nil {
		t.Error("a 100,000-character vetting note is accepted")
	}
}

// TestValidationErrorsAreCapped: a record with 100,000 bad values yields
// at most 50 field errors and a count of the rest.
func TestValidationErrorsAreCapped(t *testing.T) {
	c := Case{Organisation: "x", Reference: "r", Child: Child{Languages: make([]string, 100_000)}}
	ve, _ := errors.AsType[*ValidationError](c.Validate())
	if ve == nil || len(ve.Errors) > MaxFieldErrors {
		t.Fatalf("%v", ve)
	}
	var p problems
	for range 100_000 {
		p.add("x", "is wrong")
	}
	ve, _ = errors.AsType[*ValidationError](p.err())
	if len(ve.Errors) != MaxFieldErrors || ve.More != 100_000-MaxFieldErrors {
		t.Errorf("%d errors, %d more", len(ve.Errors), ve.More)
	}
}

// TestHiddenCharactersRefusedInOneLineText: bidirectional overrides,
// embeddings and isolates, direction marks, zero-width characters and the
// byte order mark make a name, an email or a reference display as another,
// so one-line text refuses them as it refuses control characters; free
// text keeps them (a note quoting Arabic and English needs its marks). A
// zero-width non-joiner or joiner between two letters of a script that
// joins or shapes is spelling (a Persian compound name), and stays.
func TestHiddenCharactersRefusedInOneLineText(t *testing.T) {
	hidden := []rune{'\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069',
		'\u200B', '\u200C', '\u200D', '\u200E', '\u200F', '\uFEFF', '\u061C', '\u2060', '\u00AD'}
	for _, r := range hidden {
		s := "Ali" + string(r) + "ce"
		if msg := textProblem(s, MaxNameLength, oneLine); msg == "" {
			t.Errorf("one line %+q: accepted", s)
		}
		if msg := textProblem(s, MaxNoteLength, prose); msg != "" {
			t.Errorf("prose %+q: %s", s, msg)
		}
	}
	for _, s := range []string{"علی\u200Cاکبر", "क्\u200Dष", "Zoë", "Nguyễn Văn An", "O'Brien-Smith"} {
		if msg := textProblem(s, MaxNameLength, oneLine); msg != "" {
			t.Errorf("%+q: %s", s, msg)
		}
	}
	for _, s := range []string{"\u200Cعلی", "علی\u200C", "a\u200Cb", "علی\u200C\u200Cاکبر", "A\u200Cعلی"} {
		if msg := textProblem(s, MaxNameLength, oneLine); msg == "" {
			t.Errorf("%+q: a joiner outside a joining script accepted", s)
		}
	}

	in := Interpreter{Name: "Hana\u202Ecod.exe", Email: "hana\u200B@example.org", Gender: GenderFemale,
		Languages:      []LanguageSkill{{Tag: "ti", Proficiency: ProficiencyNative}},
		CommunityLinks: []CommunityLink{{Kind: LinkTown, Value: "Mek\u2066elle"}},
		Vetting:        Vetting{Status: VettingPending}}
	got := fieldsOf(t, in.Validate())
	for _, f := range []string{"name", "email", "communityLinks[0].value"} {
		if !slices.Contains(got, f) {
			t.Errorf("interpreter: fields %v, want %s", got, f)
		}
	}
	u := User{ID: "u", Name: "Sam\uFEFF", Email: "sam@x.example", Role: RoleAdmin, Organisation: "x", KeyHash: HashKey("k")}
	if got := fieldsOf(t, u.Validate()); !slices.Equal(got, []string{"name"}) {
		t.Errorf("user: fields %v", got)
	}
	c := Case{Organisation: "x", Reference: "NR-1\u202E", LinkedReferences: []string{"OP-\u200FKESTREL"},
		Child: Child{Languages: []string{"ti"}}}
	if got := fieldsOf(t, c.Validate()); !slices.Equal(got, []string{"reference", "linkedReferences[0]"}) {
		t.Errorf("case: fields %v", got)
	}
	if err := CheckProse("note", "Met at \u202Bمكتب\u202C on Monday", MaxNoteLength); err != nil {
		t.Errorf("a note with embeddings: %v", err)
	}
}

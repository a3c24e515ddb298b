package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// TestMaxLength: a form field's maxlength is data's limit on it, found by
// its name with row indexes dropped; a name without one is an error, so a
// template cannot render a field the browser would refuse every letter of.
func TestMaxLength(t *testing.T) {
	for field, want := range map[string]int{
		"name":                                  data.MaxNameLength,
		"child.communityLinks[12].value":        data.MaxLinkLength,
		"excludedInterpreters[0].reason":        data.MaxReasonLength,
		"reason":                                data.MaxCancelReasonLength,
		"qualifications[3].reference":           data.MaxQualificationRefLength,
		"linkedReferences[1]":                   data.MaxReferenceLength,
		"excludedInterpreters[2].interpreterId": data.MaxEmailLength, // an ID, a name or an email
		"joinDetails":                           data.MaxJoinDetailsLength,
	} {
		if got, err := maxLength(field); got != want || err != nil {
			t.Errorf("maxLength(%q) = %d, %v; want %d", field, got, err, want)
		}
	}
	if _, err := maxLength("nickname"); err == nil {
		t.Error("maxLength(nickname): no error")
	}
}

// TestTextInputsHaveMaxLength: every text input and textarea a form sends
// takes its maxlength from data (through maxlength), so the browser stops
// where the record's validation would.
func TestTextInputsHaveMaxLength(t *testing.T) {
	tag := regexp.MustCompile(`<(input|textarea)\b[^>]*>`)
	nonText := regexp.MustCompile(`type="(hidden|checkbox|radio|date|time|datetime-local|password|submit)"|inputmode="numeric"|readonly`)
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := fs.ReadFile(templateFS, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, el := range tag.FindAllString(string(b), -1) {
			if !strings.Contains(el, "name=") || nonText.MatchString(el) && !strings.Contains(el, "{{if .Numeric}}") {
				continue
			}
			if !strings.Contains(el, `maxlength="{{maxlength `) {
				t.Errorf("%s: %s has no maxlength from data", f, el)
			}
		}
	}
}

// TestParseLocal: dates and times as people write them in the UK, read as
// UK time (GMT in March, BST in July), and the ISO form of old links.
func TestParseLocal(t *testing.T) {
	at := func(y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, data.London).UTC()
	}
	for in, want := range map[string]time.Time{
		"14/3/2027 10:00":    at(2027, 3, 14, 10, 0),
		"14/03/2027 10:00":   at(2027, 3, 14, 10, 0),
		" 14/3/2027,  9:30 ": at(2027, 3, 14, 9, 30),
		"14/3/27 10.00":      at(2027, 3, 14, 10, 0),
		"14-3-2027 10:00":    at(2027, 3, 14, 10, 0),
		"1/7/2027 10:00":     at(2027, 7, 1, 10, 0),
		"2027-03-14T10:00":   at(2027, 3, 14, 10, 0),
		"2027-03-14 10:00":   at(2027, 3, 14, 10, 0),
	} {
		got, err := parseLocal(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseLocal(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	// The hour the clocks go back (25 October 2026, 01:00 BST = 00:00
	// UTC, then 01:00 GMT = 01:00 UTC): its first, BST occurrence; the
	// hours either side as they are.
	for in, want := range map[string]time.Time{
		"25/10/2026 0:30": time.Date(2026, 10, 24, 23, 30, 0, 0, time.UTC),
		"25/10/2026 1:00": time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC),
		"25/10/2026 1:30": time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC),
		"25/10/2026 2:00": time.Date(2026, 10, 25, 2, 0, 0, 0, time.UTC),
		"29/3/2026 0:30":  time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC),
		"29/3/2026 0:59":  time.Date(2026, 3, 29, 0, 59, 0, 0, time.UTC),
		"29/3/2026 2:00":  time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC),
		"29/3/2026 3:00":  time.Date(2026, 3, 29, 2, 0, 0, 0, time.UTC),
	} {
		if got, err := parseLocal(in); err != nil || !got.Equal(want) {
			t.Errorf("parseLocal(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	// The hour the clocks go forward (29 March 2026, 01:00 GMT becomes
	// 02:00 BST) is shown by no UK clock: refused, saying why.
	for _, in := range []string{"29/3/2026 1:00", "29/3/2026 1:30", "2026-03-29T01:59"} {
		if got, err := parseLocal(in); err == nil || !strings.Contains(err.Error(), "clocks go forward") {
			t.Errorf("parseLocal(%q) = %v, %v; want an error saying the clocks go forward", in, got, err)
		}
	}
	if got := at(2027, 7, 1, 10, 0); got.Hour() != 9 {
		t.Errorf("10:00 on 1 July is %v UTC, want 09:00 (BST)", got)
	}
	for _, in := range []string{"", "3/14/2027 10:00", "14/3/2027", "tomorrow 10:00", "32/1/2027 10:00"} {
		if got, err := parseLocal(in); err == nil {
			t.Errorf("parseLocal(%q) = %v, want an error", in, got)
		}
	}
	if s := formatLocal(at(2027, 3, 14, 10, 0)); s != "14/3/2027 10:00" {
		t.Errorf("formatLocal = %q", s)
	}
}

package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

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
		"excludedInterpreters[2].interpreterId": data.MaxIDLength,
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

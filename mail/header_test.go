package mail

import (
	"strings"
	"testing"
)

// TestComposeHeaders: subjects and names of every kind come back from a
// parser as they went in, in header lines of at most 78 characters.
func TestComposeHeaders(t *testing.T) {
	long := strings.Repeat("Booking confirmed for the interview ", 11)[:395]
	tests := []struct{ name, subject, toName string }{
		{"ascii", "Accepted: ABE interview", "Sam Okafor"},
		{"non-ascii", "Buchung bestätigt: Dolmetschen für Łódź, 10.–12. Juni — bitte bestätigen Sie die Teilnahme", "Łucja Dąbrowska"},
		{"looks encoded", "=?UTF-8?B?SGk=?= is not a greeting", "=?UTF-8?B?SGk=?="},
		{"long ascii", long, strings.Repeat("Ahmed ", 34)[:199]},
		{"long word", strings.Repeat("x", 300), strings.Repeat("y", 150)},
		{"specials", `Re: "quoted", (comment) <angle> double  space`, `Ahmed, Dilan "D" (interpreter)`},
		{"emoji", "Reminder 📅 tomorrow", "Dilan 😀"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := plainMessage()
			m.Subject, m.ToName = tt.subject, tt.toName
			raw := compose(t, m)
			wellFormed(t, raw)
			h, _ := parse(t, raw)
			checkHeader(t, h, m)
		})
	}
}

// TestHiddenCharactersLeftOutOfHeaders: direction overrides, isolates and
// marks and zero-width characters never reach a header, in a name (the
// recipient's or the sender's) or a subject, whenever the text was stored:
// a header shows no name as another. A joiner that spells a Persian name
// stays.
func TestHiddenCharactersLeftOutOfHeaders(t *testing.T) {
	const hidden = "\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200B\u200C\u200D\u200E\u200F\uFEFF\u061C\u2060"
	m := plainMessage()
	m.ToName = "Sam\u202E rofakO"
	m.Subject = "Accepted\u200B: interview (NR-\u20662026\u2069-0042)\uFEFF"
	raw, err := Compose(m, "Tolk \u202Ebookings <tolk@council.example>", testNow)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := parse(t, raw)
	for _, key := range []string{"To", "From", "Subject"} {
		v, err := h.Text(key)
		if err != nil {
			t.Fatal(err)
		}
		if i := strings.IndexAny(v, hidden); i >= 0 {
			t.Errorf("%s: %+q holds a hidden character", key, v)
		}
	}
	if v, _ := h.Text("Subject"); v != "Accepted: interview (NR-2026-0042)" {
		t.Errorf("Subject %+q", v)
	}
	m.ToName = "علی\u200Cاکبر"
	h, _ = parse(t, compose(t, m))
	if to, err := h.AddressList("To"); err != nil || len(to) != 1 || to[0].Name != m.ToName {
		t.Errorf("To %+v, %v: want the Persian name with its joiner", to, err)
	}
}

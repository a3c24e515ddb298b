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

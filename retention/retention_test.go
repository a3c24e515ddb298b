package retention

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		file  string
		check func(Policy) bool
		err   string
	}{
		{"", func(p Policy) bool { return p == Default() }, ""},
		{"bookings: {years: 8}", func(p Policy) bool { return p.Bookings.Years == 8 && p.Bookings.Action == Anonymise }, ""},
		{"bookings: {years: 7, action: anonymise}", func(p Policy) bool { return p.Bookings.Years == 7 }, ""},
		{"offers: {years: 10}", func(p Policy) bool { return p.Offers.Years == 10 && p.Bookings.Years == 6 }, ""},
		{"messages: {days: 30}", func(p Policy) bool { return p.Messages.Days == 30 && p.Messages.Years == 0 }, ""},
		{"sessions: {years: 1, days: 10, action: delete}", func(p Policy) bool { return p.Sessions.Years == 1 && p.Sessions.Days == 10 }, ""},
		{"cases: {years: 7}\ninterpreters: {years: 10}\nsignIns: {years: 1}", func(p Policy) bool {
			return p.Cases.Years == 7 && p.Interpreters.Years == 10 && p.SignIns.Years == 1
		}, ""},
		{"unmetNeed: {action: keep}", func(p Policy) bool { return p.UnmetNeed.Action == Keep }, ""},
		{"bookings: {years: 0}", nil, "bookings.years: must be from 1 to 100"},
		{"bookings: {years: 6, action: delete}", nil, "bookings.action: must be anonymise (deleting would change"},
		{"unmetNeed: {action: delete}", nil, "unmetNeed.action: must be keep (unmet-need records hold no personal data)"},
		{"exclusions: {years: 3}", nil, "exclusions: its records are kept, so it has no period"},
		{"offers: {years: 0, days: 0}", nil, "offers: the period must be at least a day"},
		{"offers: {days: 0}", nil, "offers: the period must be at least a day"},
		{"sessions: {action: anonymise}", nil, "sessions.action: must be delete"},
		{"messages: {days: 0}", nil, "messages: the period must be at least a day"},
		{"bookings: {yeras: 6}", nil, "bookings.yeras: unknown key"},
		{"bokings: {years: 6}", nil, "bokings: unknown class"},
		{"bookings: 6", nil, "bookings: must be a mapping"},
		{"[1, 2]", nil, "retention policy:"},
	} {
		p, err := Parse([]byte(tc.file))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.file, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want one saying %q", tc.file, err, tc.err)
		case tc.err == "" && !tc.check(p):
			t.Errorf("%q: %+v", tc.file, p)
		}
	}
}

func TestCutoffs(t *testing.T) {
	now := time.Date(2033, 3, 1, 2, 0, 0, 0, time.FixedZone("BST", 3600))
	p := Default()
	if got, want := p.BookingsCutoff(now), time.Date(2027, 3, 1, 1, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("bookings' cutoff %v, want %v", got, want)
	}
	if got, want := p.Messages.Cutoff(now), time.Date(2032, 12, 1, 1, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("messages' cutoff %v, want %v", got, want)
	}
	if got := p.UnmetNeed.Cutoff(now); !got.IsZero() {
		t.Errorf("a kept class has a cutoff: %v", got)
	}
	if len(p.Classes()) != len(Names) {
		t.Errorf("classes %d, names %d", len(p.Classes()), len(Names))
	}
	for i, c := range p.Classes() {
		if c.Name != Names[i] || c.Trigger == "" || c.Action == "" {
			t.Errorf("class %d: %+v", i, c)
		}
	}
}

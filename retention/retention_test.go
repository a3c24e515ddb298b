package retention

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		file  string
		years int
		err   string
	}{
		{"", 6, ""},
		{"bookings: {years: 8}", 8, ""},
		{"bookings: {years: 7, action: anonymise}", 7, ""},
		{"bookings: {years: 0}", 0, "bookings.years: must be from 1 to 100"},
		{"bookings: {years: 6, action: delete}", 0, "bookings.action: must be anonymise"},
		{"bookings: {yeras: 6}", 0, "bookings.yeras: unknown key"},
		{"offers: {years: 6}", 0, "offers: this class is not applied yet"},
		{"bokings: {years: 6}", 0, "bokings: unknown class"},
		{"bookings: 6", 0, "bookings: must be a mapping"},
		{"[1, 2]", 0, "retention policy:"},
	} {
		p, err := Parse([]byte(tc.file))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.file, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want one saying %q", tc.file, err, tc.err)
		case tc.err == "" && (p.Bookings.Years != tc.years || p.Bookings.Action != Anonymise):
			t.Errorf("%q: %+v", tc.file, p)
		}
	}
}

func TestBookingsCutoff(t *testing.T) {
	now := time.Date(2033, 3, 1, 2, 0, 0, 0, time.FixedZone("BST", 3600))
	if got, want := Default().BookingsCutoff(now), time.Date(2027, 3, 1, 1, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("cutoff %v, want %v", got, want)
	}
}

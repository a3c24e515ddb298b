package data

import (
	"testing"
	"time"
)

// TestLondonDate: a date is the day in Europe/London, whatever the clocks
// say in UTC.
func TestLondonDate(t *testing.T) {
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC), "2026-07-01"},  // BST: 00:30 on the 1st
		{time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "2026-12-31"}, // GMT
		{time.Date(2026, 3, 29, 0, 59, 0, 0, time.UTC), "2026-03-29"},   // the night the clocks go forward
	}
	for _, tt := range tests {
		if got := LondonDate(tt.at).String(); got != tt.want {
			t.Errorf("LondonDate(%v) = %s, want %s", tt.at, got, tt.want)
		}
	}
	if London.String() != "Europe/London" {
		t.Errorf("London is %s", London)
	}
}

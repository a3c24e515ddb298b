package data

import (
	"fmt"
	"time"
	_ "time/tzdata" // Europe/London on machines without zoneinfo
)

// London is Europe/London, the zone tolk's people live in: pages show and
// read times in it, and a credential valid until a date is valid through
// that whole day there (LondonDate). It is loaded once, from the zone
// database embedded in the binary when the machine has none.
var London = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("data: " + err.Error()) // cannot happen: time/tzdata is embedded
	}
	return l
}()

// Date is a calendar date without a time of day or zone, as clearance,
// training and qualification records carry them. The zero Date means "not set".
type Date struct {
	t time.Time // midnight UTC; zero when not set
}

// minYear is the earliest year a Date may name.
const minYear = 1900

// DateLayout is the only text form of a Date: YYYY-MM-DD.
const DateLayout = time.DateOnly

// ParseDate parses YYYY-MM-DD and rejects impossible dates such as 2026-02-30.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", s)
	}
	// 0001-01-01 would read as "not set" (the zero Date): an expiry given
	// so would silently never expire. No record of tolk's is that old.
	if t.Year() < minYear {
		return Date{}, fmt.Errorf("%q is not a date from %d onward", s, minYear)
	}
	return Date{t: t}, nil
}

// MustDate is ParseDate for literals known to be valid; it panics otherwise.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// DateOf returns the date of t in UTC.
func DateOf(t time.Time) Date {
	y, m, d := t.UTC().Date()
	return Date{t: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// LondonDate returns the date of t in London.
func LondonDate(t time.Time) Date {
	y, m, d := t.In(London).Date()
	return Date{t: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// IsZero reports whether the date is not set.
func (d Date) IsZero() bool { return d.t.IsZero() }

// String returns YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(DateLayout)
}

// Before reports whether d is strictly before o.
func (d Date) Before(o Date) bool { return d.t.Before(o.t) }

// After reports whether d is strictly after o.
func (d Date) After(o Date) bool { return d.t.After(o.t) }

// AddDays returns the date n days after d (before, for negative n).
func (d Date) AddDays(n int) Date { return Date{t: d.t.AddDate(0, 0, n)} }

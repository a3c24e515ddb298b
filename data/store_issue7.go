//go:build issue7

package data

// laterStores are the parts of Store that every backend keeps once built
// with the issue7 tag: cases and bookings.
type laterStores interface {
	CaseStore
	BookingStore
}

package bolt

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// BookingsEndedBefore walks bookings_to_retain (bookings not yet
// anonymised, by end then ID) from the oldest, or from just after the
// booking named by after, up to before, and reads the page's records.
func (s *Store) BookingsEndedBefore(ctx context.Context, before time.Time, after string, limit int) (data.Page[data.Booking], error) {
	limit = data.PageSize(limit)
	var page data.Page[data.Booking]
	err := s.view(ctx, func(tx *bolt.Tx) error {
		from := ""
		if after != "" {
			rec, err := get[bookingRecord](tx.Bucket(bucketBookings), after)
			if err != nil {
				return invalid("after", "names no booking")
			}
			from = indexKey(startKey(decodeTime(rec.End)), after)
		}
		ids := seekIndex(tx.Bucket([]byte(bucketBookingsToRetain)), nil, from, false).stopAt(boundKey(before)).take(limit+1, nil)
		var err error
		page, err = cachedPageOf(tx.Bucket(bucketBookings), ids, limit, s.bookings)
		return err
	})
	if err != nil {
		return data.Page[data.Booking]{}, fmt.Errorf("bookings ended before %s: %w", before.Format(time.RFC3339), err)
	}
	return page, nil
}

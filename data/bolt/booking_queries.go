package bolt

import (
	"bytes"
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// ListBookings reads the page's IDs off the booking index that fits q,
// within its start range and after its cursor, then reads the page's
// records. A missing organisation or a cursor this method did not return
// is a *data.ValidationError.
func (s *Store) ListBookings(ctx context.Context, q data.BookingQuery) (data.Page[data.Booking], error) {
	if err := checkBookingQuery(q); err != nil {
		return data.Page[data.Booking]{}, err
	}
	var from, to string
	if !q.From.IsZero() {
		from = boundKey(q.From)
	}
	if !q.To.IsZero() {
		to = boundKey(q.To)
	}
	if q.After != "" {
		after, err := decodeCursor(q.After)
		if err != nil {
			return data.Page[data.Booking]{}, invalid("after", "is not a cursor of this listing")
		}
		from = max(from, after)
	}
	limit := data.PageSize(q.Limit)
	var page data.Page[data.Booking]
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		page, err = cachedPageOf(tx.Bucket(bucketBookings), bookingIDs(tx, q, from, to, limit+1), limit, s.bookings)
		return err
	})
	if err != nil {
		return data.Page[data.Booking]{}, err
	}
	if page.Next != "" {
		page.Next = encodeCursor(page.Items[len(page.Items)-1])
	}
	return page, nil
}

// CaseSittings walks the case's index from its cursor, as ListBookings
// does for a query naming the case, and makes each sitting from the
// booking kept decoded, without copying the booking (decoded.peek), in one
// read transaction. Its strings are the kept booking's own, so a sitting
// costs no allocation once its booking is kept. The page is kept too, at
// the bookings' version (the bookings bucket's sequence, which every
// write of a booking record moves: changedSchedules), and served whole to
// the same query while no booking is written: every match reads its
// case's history.
func (s *Store) CaseSittings(ctx context.Context, q data.BookingQuery) (data.Page[data.Sitting], error) {
	switch {
	case q.Organisation == "":
		return data.Page[data.Sitting]{}, invalid("organisation", "is required")
	case q.CaseID == "":
		return data.Page[data.Sitting]{}, invalid("caseId", "is required")
	}
	var from string
	if q.After != "" {
		after, err := decodeCursor(q.After)
		if err != nil {
			return data.Page[data.Sitting]{}, invalid("after", "is not a cursor of this listing")
		}
		from = after
	}
	limit := data.PageSize(q.Limit)
	var page data.Page[data.Sitting]
	var more bool
	key := strings.Join([]string{q.Organisation, q.CaseID, from, strconv.Itoa(limit)}, "\x00")
	var version uint64
	var kept bool
	err := s.view(ctx, func(tx *bolt.Tx) error {
		version = tx.Bucket(bucketBookings).Sequence()
		if pages, ok := s.sittings.get(version, key); ok && len(pages) == 1 {
			page, kept = pages[0], true
			return nil
		}
		// The page's IDs first, as slices of the index's keys (valid for
		// the transaction), so the page is allocated once at its size.
		var held [64][]byte
		ids := held[:0]
		walk := seekIndex(tx.Bucket([]byte(bucketBookingsByOrgCase)), indexPrefix(q.Organisation, q.CaseID), from, false)
		for ; walk.key != nil && len(ids) <= limit; walk.next() {
			ids = append(ids, walk.key[bytes.LastIndexByte(walk.key, 0)+1:])
		}
		if more = len(ids) > limit; more {
			ids = ids[:limit]
		}
		if len(ids) > 0 {
			page.Items = make([]data.Sitting, 0, len(ids))
		}
		// One cursor seeks every record: Bucket.Get makes a cursor per call,
		// whose search stack is allocated each time.
		records := tx.Bucket(bucketBookings).Cursor()
		for _, id := range ids {
			k, raw := records.Seek(id)
			if !bytes.Equal(k, id) || raw == nil {
				return indexFault(string(id), data.ErrNotFound)
			}
			b, err := s.bookings.peek(id, raw)
			if err != nil {
				return indexFault(string(id), err)
			}
			page.Items = append(page.Items, b.Sitting())
		}
		return nil
	})
	switch {
	case err != nil:
		return data.Page[data.Sitting]{}, err
	case kept:
		return page, nil
	}
	if more {
		last := page.Items[len(page.Items)-1]
		page.Next = encodeCursor(data.Booking{Start: last.Start, ID: last.BookingID})
	}
	s.sittings.put(version, key, []data.Page[data.Sitting]{page})
	return page, nil
}

// bookingIDs returns the IDs of up to n bookings matching q whose position
// (start key, NUL, ID) is after from and whose start key is before to, by
// start then ID. It walks the most selective index q names, bounded by q's
// range: the case's bookings, else the interpreter's, else the booker's,
// else the organisation's. It keeps a booking when every other field q
// names has the booking's position in its own index: a look-up of one
// index key per booking walked, never a record read.
func bookingIDs(tx *bolt.Tx, q data.BookingQuery, from, to string, n int) []string {
	if q.Organisation == "" { // an interpreter's, in every organisation (see checkBookingQuery)
		walk := seekIndex(tx.Bucket([]byte(bucketBookingsByInterpreter)), indexPrefix(q.InterpreterID), from, false)
		return walk.stopAt(to).take(n, nil)
	}
	var walk *indexCursor
	var also []bookingFilter
	for _, f := range []struct{ bucket, value string }{
		{bucketBookingsByOrgCase, q.CaseID},
		{bucketBookingsByOrgInterpreter, q.InterpreterID},
		{bucketBookingsByOrgBooker, q.BookedBy},
	} {
		if f.value == "" {
			continue
		}
		b, prefix := tx.Bucket([]byte(f.bucket)), indexPrefix(q.Organisation, f.value)
		if walk == nil {
			walk = seekIndex(b, prefix, from, false)
		} else {
			also = append(also, bookingFilter{b, prefix})
		}
	}
	if walk == nil {
		walk = seekIndex(tx.Bucket([]byte(bucketBookingsByOrg)), indexPrefix(q.Organisation), from, false)
	}
	var ids []string
	for walk.stopAt(to); walk.key != nil && len(ids) < n; walk.next() {
		if allHave(also, walk.rest()) {
			ids = append(ids, walk.id())
		}
	}
	return ids
}

// bookingFilter is a field of a booking listing checked against an index
// other than the one walked: the bookings under prefix in bucket.
type bookingFilter struct {
	bucket *bolt.Bucket
	prefix []byte
}

// allHave reports whether every filter holds the booking at position pos
// ("<start key>\x00<id>") under its prefix.
func allHave(filters []bookingFilter, pos []byte) bool {
	for _, f := range filters {
		if f.bucket.Get(append(bytes.Clone(f.prefix), pos...)) == nil {
			return false
		}
	}
	return true
}

// ConfirmedBookings seeks each interpreter's confirmed bookings starting in
// [from, to) and reads those records, in one read transaction. Interpreter
// IDs listed twice count once.
func (s *Store) ConfirmedBookings(ctx context.Context, interpreterIDs []string, from, to time.Time) ([]data.Booking, error) {
	ids := slices.Compact(slices.Sorted(slices.Values(interpreterIDs)))
	lo, hi := boundKey(from), boundKey(to)
	var out []data.Booking
	err := s.view(ctx, func(tx *bolt.Tx) error {
		confirmed, bookings := tx.Bucket([]byte(bucketBookingsConfirmed)), tx.Bucket(bucketBookings)
		for _, id := range ids {
			for _, bid := range seekIndex(confirmed, indexPrefix(id), lo, false).stopAt(hi).take(math.MaxInt, nil) {
				raw := bookings.Get([]byte(bid))
				if raw == nil {
					return indexFault(bid, data.ErrNotFound)
				}
				b, err := s.bookings.get(bid, raw)
				if err != nil {
					return indexFault(bid, err)
				}
				out = append(out, b)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkBookingQuery refuses a listing without an organisation, unless
// it names an interpreter and nothing else to narrow it: an
// interpreter's bookings in every organisation.
func checkBookingQuery(q data.BookingQuery) error {
	switch {
	case q.Organisation != "":
		return nil
	case q.InterpreterID == "":
		return invalid("organisation", "is required")
	case q.CaseID != "" || q.BookedBy != "":
		return invalid("organisation", "is required with a case or a booker")
	}
	return nil
}

// invalid is a *data.ValidationError naming one field.
func invalid(field, message string) error {
	return &data.ValidationError{Errors: []data.FieldError{{Field: field, Message: message}}}
}

package bolt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// bucketBookingFacts is "<org>\x00<start key>\x00<id>" → the booking's
// data.BookingFact (factValue), so a report reads a period's facts off
// the index alone. It is one of bookingIndexes' entries, so it moves with
// every change of the booking and is built for bookings stored before it.
const bucketBookingFacts = "bookings_facts"

// factStatuses and factConfirmations number the enumerations a fact
// value holds in one byte each.
var (
	factStatuses      = []data.BookingStatus{data.BookingConfirmed, data.BookingCancelled, data.BookingCompleted}
	factConfirmations = []data.Confirmation{data.ConfirmationDirect, data.ConfirmationOffer}
)

// noTime is how a fact value holds a zero time.
const noTime = math.MinInt64

// factValue encodes a booking's fact beside its key: its status,
// confirmation and outcome (one byte each), its creation, last change and
// offer times (Unix milliseconds, 8 bytes each, big-endian), and its
// interpreter's ID. The key holds its start and ID.
func factValue(b data.Booking) string {
	f := b.Fact()
	v := make([]byte, 3, 27+len(f.InterpreterID))
	v[0] = byte(slices.Index(factStatuses, f.Status))
	v[1] = byte(slices.Index(factConfirmations, f.Confirmation))
	switch {
	case f.Recorded && f.Attended:
		v[2] = 1
	case f.Recorded:
		v[2] = 2
	}
	for _, t := range []time.Time{f.CreatedAt, f.UpdatedAt, f.OfferedAt} {
		ms := int64(noTime)
		if !t.IsZero() {
			ms = t.UnixMilli()
		}
		v = binary.BigEndian.AppendUint64(v, uint64(ms))
	}
	return string(append(v, f.InterpreterID...))
}

// decodeFact reads a fact from its key's rest (start key, NUL, ID) and
// value (factValue).
func decodeFact(rest, v []byte) (data.BookingFact, error) {
	start, err := parseStartKey(rest)
	if err != nil || len(rest) < startKeyLen+2 || len(v) < 27 || int(v[0]) >= len(factStatuses) || int(v[1]) >= len(factConfirmations) {
		return data.BookingFact{}, errors.New("not a booking fact")
	}
	f := data.BookingFact{
		ID: string(rest[startKeyLen+1:]), InterpreterID: string(v[27:]), Start: start,
		Status: factStatuses[v[0]], Confirmation: factConfirmations[v[1]], Recorded: v[2] != 0, Attended: v[2] == 1,
	}
	for i, t := range []*time.Time{&f.CreatedAt, &f.UpdatedAt, &f.OfferedAt} {
		if ms := int64(binary.BigEndian.Uint64(v[3+8*i:])); ms != noTime {
			*t = time.UnixMilli(ms).UTC()
		}
	}
	return f, nil
}

// BookingFacts seeks the organisation's facts from q.From (or after the
// cursor) and stops before q.To, reading index entries only.
func (s *Store) BookingFacts(ctx context.Context, q data.ReportQuery) (data.Page[data.BookingFact], error) {
	var page data.Page[data.BookingFact]
	if q.Organisation == "" {
		return page, invalid("organisation", "is required")
	}
	from, to, err := startRange(q.From, q.To, q.After)
	if err != nil {
		return page, err
	}
	limit := data.PageSize(q.Limit)
	err = s.view(ctx, func(tx *bolt.Tx) error {
		page.Items = make([]data.BookingFact, 0, limit)
		ic := seekIndex(tx.Bucket([]byte(bucketBookingFacts)), indexPrefix(q.Organisation), from, false).stopAt(to)
		for ; ic.key != nil; ic.next() {
			if len(page.Items) == limit {
				last := page.Items[limit-1]
				page.Next = encodeCursor(data.Booking{Start: last.Start, ID: last.ID})
				break
			}
			f, err := decodeFact(ic.rest(), ic.value)
			if err != nil {
				return indexFault(string(ic.rest()), err)
			}
			page.Items = append(page.Items, f)
		}
		return nil
	})
	if err != nil {
		return data.Page[data.BookingFact]{}, fmt.Errorf("booking facts: %w", err)
	}
	return page, nil
}

// startRange is the span of keys (start key, NUL, ID) of a listing by
// start of [from, to) after a cursor (ListBookings's form): the first
// key is after from, the walk stops at to ("" for an open end).
func startRange(from, to time.Time, after string) (fromKey, toKey string, err error) {
	if !from.IsZero() {
		fromKey = boundKey(from)
	}
	if !to.IsZero() {
		toKey = boundKey(to)
	}
	if after != "" {
		pos, err := decodeCursor(after)
		if err != nil {
			return "", "", invalid("after", "is not a cursor of this listing")
		}
		fromKey = max(fromKey, pos)
	}
	return fromKey, toKey, nil
}

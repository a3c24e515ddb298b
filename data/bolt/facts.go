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

// bucketRegisterBookingFacts is "<start key>\x00<id>" → the booking's
// fact, as bucketBookingFacts without the organisation: the whole
// register's facts by start, which coordinators' reports across the
// register read, so their cost follows the period too.
const bucketRegisterBookingFacts = "bookings_facts_by_start"

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
//
// The outcome byte (outcomeByte) holds whether an outcome is recorded and
// attended in its two low bits (0 none, 1 attended, 2 not), a
// safeguarding incident in the third, and the booking's code in the five
// high bits (its place in data.EndCodes plus one; 0 for none): entries
// written before codes read as they did.
func factValue(b data.Booking) string {
	f := b.Fact()
	v := make([]byte, 3, 27+len(f.InterpreterID))
	v[0] = byte(slices.Index(factStatuses, f.Status))
	v[1] = byte(slices.Index(factConfirmations, f.Confirmation))
	v[2] = outcomeByte(f)
	for _, t := range []time.Time{f.CreatedAt, f.UpdatedAt, f.OfferedAt} {
		ms := int64(noTime)
		if !t.IsZero() {
			ms = t.UnixMilli()
		}
		v = binary.BigEndian.AppendUint64(v, uint64(ms))
	}
	return string(append(v, f.InterpreterID...))
}

// Bits of a fact value's outcome byte.
const (
	factAttended    = 1
	factNotAttended = 2
	factIncident    = 4
	factCodeShift   = 3
)

// outcomeByte packs a fact's outcome, incident and code (see factValue).
func outcomeByte(f data.BookingFact) byte {
	var o byte
	switch {
	case f.Recorded && f.Attended:
		o = factAttended
	case f.Recorded:
		o = factNotAttended
	}
	if f.Incident {
		o |= factIncident
	}
	return o | codeByte(f.Code)<<factCodeShift
}

// codeByte numbers a code by its place in data.EndCodes, plus one: 0 for
// none (or one unknown, which Validate lets no record store).
func codeByte(c data.OutcomeCode) byte { return byte(slices.Index(data.EndCodes, c) + 1) }

// codeOf reads a code numbered by codeByte; ok is false for a number
// data.EndCodes does not have.
func codeOf(n byte) (data.OutcomeCode, bool) {
	switch {
	case n == 0:
		return "", true
	case int(n) > len(data.EndCodes):
		return "", false
	}
	return data.EndCodes[n-1], true
}

// decodeFact reads a fact from its key's rest (start key, NUL, ID) and
// value (factValue).
func decodeFact(rest, v []byte) (data.BookingFact, error) {
	start, err := factStart(rest)
	if err != nil || len(rest) < startKeyLen+2 || len(v) < 27 || int(v[0]) >= len(factStatuses) || int(v[1]) >= len(factConfirmations) {
		return data.BookingFact{}, errors.New("not a booking fact")
	}
	code, ok := codeOf(v[2] >> factCodeShift)
	if !ok {
		return data.BookingFact{}, errors.New("not a booking fact: unknown outcome code")
	}
	f := data.BookingFact{
		ID: string(rest[startKeyLen+1:]), InterpreterID: string(v[27:]), Start: start,
		Status: factStatuses[v[0]], Confirmation: factConfirmations[v[1]],
		Recorded: v[2]&(factAttended|factNotAttended) != 0, Attended: v[2]&factAttended != 0,
		Incident: v[2]&factIncident != 0, Code: code,
	}
	for i, t := range []*time.Time{&f.CreatedAt, &f.UpdatedAt, &f.OfferedAt} {
		if ms := int64(binary.BigEndian.Uint64(v[3+8*i:])); ms != noTime {
			*t = time.UnixMilli(ms).UTC()
		}
	}
	return f, nil
}

// BookingFacts seeks the organisation's facts (or the register's) from
// q.From (or after the cursor) and stops before q.To, reading index
// entries only.
func (s *Store) BookingFacts(ctx context.Context, q data.ReportQuery) (data.Page[data.BookingFact], error) {
	return factPage(ctx, s, q, factIndex{bucketBookingFacts, bucketRegisterBookingFacts}, decodeFact,
		func(f data.BookingFact) data.Booking { return data.Booking{Start: f.Start, ID: f.ID} })
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

// bucketOfferFacts is "<org>\x00<start key>\x00<id>" → the offer's
// data.OfferFact (offerFactValue), as bucketBookingFacts is the bookings'.
// Its values gained the offer's code, so it has a new name: Open builds it
// from the offers stored, and drops the bucket of the values before codes
// (retiredBuckets).
const bucketOfferFacts = "offers_facts_coded"

// bucketRegisterOfferFacts is "<start key>\x00<id>" → the offer's fact:
// the whole register's offer facts by start (see
// bucketRegisterBookingFacts).
const bucketRegisterOfferFacts = "offers_facts_by_start"

// offerFactValue encodes an offer's fact beside its key: its status (one
// byte, its place in data.OfferStatuses), its creation and last change
// (Unix milliseconds, 8 bytes each, big-endian) and its code (one byte,
// codeByte).
func offerFactValue(o data.Offer) string {
	v := []byte{byte(slices.Index(data.OfferStatuses, o.Status))}
	v = binary.BigEndian.AppendUint64(v, uint64(o.CreatedAt.UnixMilli()))
	v = binary.BigEndian.AppendUint64(v, uint64(o.UpdatedAt.UnixMilli()))
	return string(append(v, codeByte(o.Code)))
}

// decodeOfferFact reads an offer's fact from its key's rest and value.
func decodeOfferFact(rest, v []byte) (data.OfferFact, error) {
	start, err := factStart(rest)
	if err != nil || len(rest) < startKeyLen+2 || len(v) != 18 || int(v[0]) >= len(data.OfferStatuses) {
		return data.OfferFact{}, errors.New("not an offer fact")
	}
	code, ok := codeOf(v[17])
	if !ok {
		return data.OfferFact{}, errors.New("not an offer fact: unknown outcome code")
	}
	return data.OfferFact{
		ID: string(rest[startKeyLen+1:]), Start: start, Status: data.OfferStatuses[v[0]], Code: code,
		CreatedAt: time.UnixMilli(int64(binary.BigEndian.Uint64(v[1:]))).UTC(),
		UpdatedAt: time.UnixMilli(int64(binary.BigEndian.Uint64(v[9:]))).UTC(),
	}, nil
}

// OfferFacts seeks the organisation's offer facts as BookingFacts does.
func (s *Store) OfferFacts(ctx context.Context, q data.ReportQuery) (data.Page[data.OfferFact], error) {
	return factPage(ctx, s, q, factIndex{bucketOfferFacts, bucketRegisterOfferFacts}, decodeOfferFact,
		func(f data.OfferFact) data.Booking { return data.Booking{Start: f.Start, ID: f.ID} })
}

// factIndex names the two indexes of one kind of fact: byOrg's keys are
// "<org>\x00<start key>\x00<id>", byStart's the same without the
// organisation, and both hold the same values.
type factIndex struct{ byOrg, byStart string }

// factPage reads a page of facts off the index q's scope asks for (the
// organisation's, or the register's by start alone), from q.From (or
// after the cursor) to q.To, decoding each entry's rest (start key, NUL,
// ID) and value with decode; at names the position of the page's last
// fact for the cursor.
func factPage[T any](ctx context.Context, s *Store, q data.ReportQuery, ix factIndex, decode func(rest, value []byte) (T, error), at func(T) data.Booking) (data.Page[T], error) {
	var page data.Page[T]
	org, err := q.Scope()
	if err != nil {
		return page, err
	}
	index, prefix := ix.byOrg, indexPrefix(org)
	if q.Register {
		index, prefix = ix.byStart, nil
	}
	from, to, err := startRange(q.From, q.To, q.After)
	if err != nil {
		return page, err
	}
	limit := data.PageSize(q.Limit)
	err = s.view(ctx, func(tx *bolt.Tx) error {
		page.Items = make([]T, 0, limit)
		ic := seekIndex(tx.Bucket([]byte(index)), prefix, from, false).stopAt(to)
		for ; ic.key != nil; ic.next() {
			if len(page.Items) == limit {
				page.Next = encodeCursor(at(page.Items[limit-1]))
				break
			}
			f, err := decode(ic.rest(), ic.value)
			if err != nil {
				return indexFault(string(ic.rest()), err)
			}
			page.Items = append(page.Items, f)
		}
		return nil
	})
	if err != nil {
		return data.Page[T]{}, fmt.Errorf("%s: %w", index, err)
	}
	return page, nil
}

// factStart reads the start key at the head of rest as parseStartKey
// does, digit by digit: a report reads a year's keys, and time.Parse
// would be a third of its cost. Anything but the fixed layout's digits
// is left to parseStartKey.
func factStart(rest []byte) (time.Time, error) {
	if len(rest) < startKeyLen {
		return parseStartKey(rest)
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for _, c := range rest[from:to] {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 7)
	d, ok3 := num(8, 10)
	h, ok4 := num(11, 13)
	mi, ok5 := num(14, 16)
	s, ok6 := num(17, 19)
	ms, ok7 := num(20, 23)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 {
		return parseStartKey(rest)
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, ms*int(time.Millisecond), time.UTC)
	if t.Day() != d { // a day the month does not have: time.Date would roll it over
		return parseStartKey(rest)
	}
	return t, nil
}

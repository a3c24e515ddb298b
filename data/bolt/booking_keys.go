package bolt

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"

	"github.com/tolk/tolk/data"
)

// Booking index keys order bookings by start time with a start key: the
// start in UTC to the millisecond at a fixed width, so byte order is time
// order. A key's start part ends in NUL like every part, and every start key
// has the same length, so a key "<start key>\x00<id>" sorts by start then ID.

// startLayout writes a start key. Years 0-9999 keep it at a fixed width.
const startLayout = "2006-01-02T15:04:05.000Z"

// startKeyLen is the length of every start key.
const startKeyLen = len(startLayout)

var (
	// minKeyTime and maxKeyTime are the first and last instants a start key
	// can hold.
	minKeyTime = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	maxKeyTime = time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)
)

// startKey is t as a start key, truncated to the millisecond. A time
// outside the keys' range gets the nearest end of it, so a seek bound
// computed near the range's ends stays in order; stored bookings start
// inside the range (see data.Booking.CheckStorable), so their keys are exact.
func startKey(t time.Time) string {
	switch t = t.UTC(); {
	case t.Before(minKeyTime):
		t = minKeyTime
	case t.After(maxKeyTime):
		t = maxKeyTime
	}
	return t.Truncate(time.Millisecond).Format(startLayout)
}

// boundKey is the start key bounding a query's [from, to) range: t rounded
// up to the millisecond, since stored starts are whole milliseconds. A
// booking starting at s is at or after t exactly when startKey(s) >=
// boundKey(t).
func boundKey(t time.Time) string {
	if c := t.Truncate(time.Millisecond); c.Before(t) {
		t = c.Add(time.Millisecond)
	}
	return startKey(t)
}

// parseStartKey reads the start key at the head of rest.
func parseStartKey(rest []byte) (time.Time, error) {
	if len(rest) < startKeyLen {
		return time.Time{}, errors.New("too short for a start key")
	}
	return time.Parse(startLayout, string(rest[:startKeyLen]))
}

// confirmedValue is the value of a booking's bookings_confirmed entry: its
// end (Unix milliseconds), buffer, and the time its safety plan holds
// before and after the interview (nanoseconds), big-endian, so the overlap
// check judges an entry without reading its record. A booking with no plan
// has the shorter value of the stores written before plans: end and buffer.
func confirmedValue(b data.Booking) string {
	v := binary.BigEndian.AppendUint64(make([]byte, 0, 32), uint64(b.End.UnixMilli()))
	v = binary.BigEndian.AppendUint64(v, uint64(b.Buffer))
	if b.Safety == (data.SafetyPlan{}) {
		return string(v)
	}
	v = binary.BigEndian.AppendUint64(v, uint64(b.Safety.Lead()))
	return string(binary.BigEndian.AppendUint64(v, uint64(b.Safety.Tail())))
}

// confirmedSlot is the slot of a bookings_confirmed entry: its start from
// rest (the key after the interpreter's prefix), its end, buffer and held
// time around it from its value (as a plan whose briefing and debrief are
// the lead and the tail: the same held time). The other fields are empty;
// data.Blocks reads no others.
func confirmedSlot(rest, value []byte) (data.Booking, error) {
	start, err := parseStartKey(rest)
	if err != nil {
		return data.Booking{}, err
	}
	if len(value) != 16 && len(value) != 32 {
		return data.Booking{}, errors.New("value is not an end, a buffer and a plan")
	}
	b := data.Booking{
		Start:  start,
		End:    time.UnixMilli(int64(binary.BigEndian.Uint64(value))).UTC(),
		Buffer: time.Duration(binary.BigEndian.Uint64(value[8:])),
	}
	if len(value) == 32 {
		b.Safety.Briefing = time.Duration(binary.BigEndian.Uint64(value[16:]))
		b.Safety.Debrief = time.Duration(binary.BigEndian.Uint64(value[24:]))
	}
	return b, nil
}

// Cursors of booking listings are a position, "<start key>\x00<id>" (the
// rest of an index key after the listing's prefix), in unpadded base64url:
// opaque, safe in a URL, and valid whichever booking index the next page
// walks.

// encodeCursor is the cursor of the position just after b.
func encodeCursor(b data.Booking) string {
	return base64.RawURLEncoding.EncodeToString([]byte(indexKey(startKey(b.Start), b.ID)))
}

// decodeCursor returns the position a cursor names, or an error when
// encodeCursor did not write it.
func decodeCursor(cursor string) (string, error) {
	pos, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return "", err
	}
	if _, err := parseStartKey(pos); err != nil {
		return "", err
	}
	id := pos[startKeyLen:]
	if len(id) < 2 || id[0] != 0 || bytes.IndexByte(id[1:], 0) >= 0 {
		return "", errors.New("no booking ID after the start")
	}
	return string(pos), nil
}

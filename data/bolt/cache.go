package bolt

import (
	"bytes"
	"encoding/json"
	"slices"
	"sync"

	"github.com/tolk/tolk/data"
)

// decoded keeps records already decoded from JSON, keyed by ID, beside the
// stored bytes they were decoded from. A read hands out the kept record only
// when the bytes it read in its own transaction are identical to the kept
// ones, so the cache can never be stale and needs no invalidation: a record
// that changed has other bytes, is decoded again and replaces the entry.
//
// Matching reads hundreds of interpreters and their bookings per request;
// decoding them was most of its cost. Comparing the bytes costs a memcmp.
type decoded[T any] struct {
	mu      sync.Mutex
	entries map[string]decodedEntry[T]
	max     int
	decode  func(raw []byte) (T, error)
	clone   func(T) T // copies what a caller could change (slices, pointers)
}

type decodedEntry[T any] struct {
	raw []byte
	val T
}

func newDecoded[T any](max int, decode func([]byte) (T, error), clone func(T) T) *decoded[T] {
	return &decoded[T]{entries: map[string]decodedEntry[T]{}, max: max, decode: decode, clone: clone}
}

// get returns the record stored as raw under id. raw is only valid inside
// the caller's transaction; the cache keeps its own copy.
func (d *decoded[T]) get(id string, raw []byte) (T, error) {
	d.mu.Lock()
	e, ok := d.entries[id]
	d.mu.Unlock()
	if ok && bytes.Equal(e.raw, raw) {
		return d.clone(e.val), nil
	}
	val, err := d.decode(raw)
	if err != nil {
		return val, err
	}
	d.mu.Lock()
	if len(d.entries) >= d.max {
		clear(d.entries) // bounded memory; it refills from what is read
	}
	d.entries[id] = decodedEntry[T]{raw: bytes.Clone(raw), val: d.clone(val)}
	d.mu.Unlock()
	return val, nil
}

// Cache sizes: every interpreter of a large register, and the bookings of a
// few months.
const (
	maxCachedInterpreters = 50_000
	maxCachedBookings     = 200_000
	maxCachedFeeds        = 20_000
	maxCachedAudit        = 50_000
)

// decodeRecord decodes a stored JSON record of type R into its data form.
func decodeRecord[R any, T any](toData func(R) T) func([]byte) (T, error) {
	return func(raw []byte) (T, error) {
		var r R
		err := json.Unmarshal(raw, &r)
		return toData(r), err
	}
}

// same returns v: for records without slices or pointers to copy.
func same[T any](v T) T { return v }

func decodeInterpreter(raw []byte) (data.Interpreter, error) {
	var r interpreterRecord
	err := json.Unmarshal(raw, &r)
	return r.toInterpreter(), err
}

func cloneInterpreter(in data.Interpreter) data.Interpreter {
	in.Languages = slices.Clone(in.Languages)
	in.Modalities = slices.Clone(in.Modalities)
	in.Regions = slices.Clone(in.Regions)
	in.Qualifications = slices.Clone(in.Qualifications)
	in.Training = slices.Clone(in.Training)
	in.CommunityLinks = slices.Clone(in.CommunityLinks)
	return in
}

func decodeBooking(raw []byte) (data.Booking, error) {
	var r bookingRecord
	err := json.Unmarshal(raw, &r)
	return r.toBooking(), err
}

func cloneBooking(b data.Booking) data.Booking {
	b.Match.Factors = slices.Clone(b.Match.Factors)
	b.Match.Warnings = slices.Clone(b.Match.Warnings)
	if b.Outcome != nil {
		o := *b.Outcome
		b.Outcome = &o
	}
	return b
}

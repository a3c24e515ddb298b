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

	// lists keeps whole listings of the kind decoded: the interpreters'
	// cache keeps each language's pool there (see languagePool), the audit
	// cache each scope's newest entries (see newestOfScopes).
	lists listings[T]
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
	d.keep(id, raw, d.clone(val))
	return val, nil
}

// peek is get without the copy, for a read that takes a few fields of the
// record and lets it go (see CaseSittings): the value returned is the one
// the cache keeps, shared by every reader, so the caller must never change
// it, nor anything its slices or pointers reach. id, like raw, may be
// memory of the caller's transaction: a record already kept costs no
// allocation.
func (d *decoded[T]) peek(id, raw []byte) (T, error) {
	d.mu.Lock()
	e, ok := d.entries[string(id)]
	d.mu.Unlock()
	if ok && bytes.Equal(e.raw, raw) {
		return e.val, nil
	}
	val, err := d.decode(raw)
	if err != nil {
		return val, err
	}
	d.keep(string(id), raw, val)
	return val, nil
}

// keep keeps val, decoded from raw, under id; val is shared from then on.
func (d *decoded[T]) keep(id string, raw []byte, val T) {
	d.mu.Lock()
	if len(d.entries) >= d.max {
		clear(d.entries) // bounded memory; it refills from what is read
	}
	d.entries[id] = decodedEntry[T]{raw: bytes.Clone(raw), val: val}
	d.mu.Unlock()
}

// Cache sizes: every interpreter of a large register, and the bookings of a
// few months. Listings hold at most maxListed records over at most
// maxLists listings: every language pool of a register of 50,000 whose
// interpreters speak two languages each.
const (
	maxCachedInterpreters = 50_000
	maxCachedBookings     = 200_000
	maxCachedFeeds        = 20_000
	maxCachedAudit        = 50_000
	maxListed             = 150_000
	maxLists              = 2_000
)

// listings keeps whole listings of a kind's records, decoded, by what was
// listed (a language key, say), all read at one version of the kind's
// records: a number that every write of the kind changes inside its own
// transaction (for interpreters, their bucket's sequence; see
// changedInterpreters). A read compares the version it sees in its own
// transaction, so a listing is used only by reads of exactly the state it
// was read from, and a write needs no invalidation hook after its commit:
// the next read sees another version. A read at a newer version drops
// every listing before keeping its own; one at an older version (a read
// transaction begun before a write) keeps nothing.
//
// The records are shared by every reader and never changed: a read copies
// what it hands out (see cloneInterpreters).
type listings[T any] struct {
	mu      sync.Mutex
	version uint64
	lists   map[string][]T
	held    int // records held, over all lists
}

// get returns the listing kept under key if it was read at version.
func (l *listings[T]) get(version uint64, key string) ([]T, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.version != version {
		return nil, false
	}
	list, ok := l.lists[key]
	return list, ok
}

// put keeps list, read at version, under key; it keeps nothing read at an
// older version than the listings held, nor a listing too large to keep.
func (l *listings[T]) put(version uint64, key string, list []T) {
	size := len(list) + 1
	if size > maxListed {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case version < l.version:
		return
	case version > l.version || l.lists == nil || l.held+size > maxListed || len(l.lists) >= maxLists:
		if l.lists == nil {
			l.lists = map[string][]T{}
		}
		clear(l.lists) // bounded memory; it refills from what is read
		l.version, l.held = version, 0
	}
	if old, ok := l.lists[key]; ok {
		l.held -= len(old) + 1
	}
	l.lists[key] = list
	l.held += size
}

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
	in.Availability = cloneAvailability(in.Availability)
	return in
}

// cloneInterpreters copies records as cloneInterpreter does, but each of
// their slice fields into one array for all of them: a page of a hundred
// costs eight allocations, not eight hundred. Each slice is capped at its own
// length, so appending to one never writes into the next record's. Nil
// stays nil, as does no records at all.
func cloneInterpreters(src []data.Interpreter) []data.Interpreter {
	if len(src) == 0 {
		return nil
	}
	var langs, mods, regions, quals, training, links, weekly, unavailable int
	for _, in := range src {
		langs += len(in.Languages)
		mods += len(in.Modalities)
		regions += len(in.Regions)
		quals += len(in.Qualifications)
		training += len(in.Training)
		links += len(in.CommunityLinks)
		weekly += len(in.Availability.Weekly)
		unavailable += len(in.Availability.Unavailable)
	}
	bufLangs, bufMods, bufRegions := make([]data.LanguageSkill, 0, langs), make([]data.Modality, 0, mods), make([]string, 0, regions)
	bufQuals, bufTraining, bufLinks := make([]data.Qualification, 0, quals), make([]data.Training, 0, training), make([]data.CommunityLink, 0, links)
	bufWeekly, bufUnavailable := make([]data.WeeklyHours, 0, weekly), make([]data.Period, 0, unavailable)
	out := slices.Clone(src)
	for i := range out {
		in := &out[i]
		in.Languages, in.Modalities, in.Regions = carve(&bufLangs, in.Languages), carve(&bufMods, in.Modalities), carve(&bufRegions, in.Regions)
		in.Qualifications, in.Training, in.CommunityLinks = carve(&bufQuals, in.Qualifications), carve(&bufTraining, in.Training), carve(&bufLinks, in.CommunityLinks)
		in.Availability.Weekly, in.Availability.Unavailable = carve(&bufWeekly, in.Availability.Weekly), carve(&bufUnavailable, in.Availability.Unavailable)
	}
	return out
}

// carve appends s to buf, which has room for it, and returns the copy,
// capped at its length; nil for nil.
func carve[E any](buf *[]E, s []E) []E {
	if s == nil {
		return nil
	}
	start := len(*buf)
	*buf = append(*buf, s...)
	return (*buf)[start:len(*buf):len(*buf)]
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

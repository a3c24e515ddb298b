package bolt

import (
	"context"
	"encoding/binary"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// Matching's pool (data.PoolStore) is kept in compact form, coherent with
// writes the way the decoded language pools are (see listings): each piece
// is used only by a read transaction that sees the very versions it was
// built from, so no write needs to invalidate anything after its commit.
//
//   - Profiles (data.Profile) of each language's pool are kept beside it,
//     at the interpreters' version (the interpreters bucket's sequence,
//     which every write of an interpreter moves: changedInterpreters).
//   - Each interpreter's slots (data.Slot), sorted, from a floor onwards,
//     at the version of their schedule: a counter per interpreter in the
//     schedules bucket, which every write of one of their bookings moves
//     in its own transaction (changedSchedules), as it moves the bookings
//     bucket's sequence, the version of all bookings. A read that sees the
//     bookings' version a schedule was last found current at uses it
//     without looking further; one that sees a newer version compares the
//     interpreter's counter, one key each, and rebuilds only the schedules
//     that moved.

// bucketSchedules holds, by interpreter ID, the version of their
// schedule: a count of the writes of their bookings, big-endian. An
// interpreter without an entry is at version 0; Open creates the bucket
// empty in a file written before it existed, which is at version 0 for
// every interpreter as far as the process that opens it knows.
var bucketSchedules = []byte("schedules")

// changedSchedules marks, in tx, that bookings of these interpreters
// change: it moves the bookings bucket's sequence and each interpreter's
// schedule version. Every write of a booking record calls it in the same
// transaction, for the interpreter it had and the one it has.
func changedSchedules(tx *bolt.Tx, interpreterIDs ...string) error {
	if _, err := tx.Bucket(bucketBookings).NextSequence(); err != nil {
		return err
	}
	b := tx.Bucket(bucketSchedules)
	for i, id := range interpreterIDs {
		if id == "" || slices.Contains(interpreterIDs[:i], id) {
			continue
		}
		v := binary.BigEndian.AppendUint64(nil, scheduleVersion(tx, id)+1)
		if err := b.Put([]byte(id), v); err != nil {
			return err
		}
	}
	return nil
}

// scheduleVersion is the version of an interpreter's schedule as tx sees it.
func scheduleVersion(tx *bolt.Tx, id string) uint64 {
	v := tx.Bucket(bucketSchedules).Get([]byte(id))
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// schedules keeps each interpreter's slots, by interpreter ID.
type schedules struct {
	mu      sync.Mutex
	entries map[string]*schedule
}

// schedule is one interpreter's slots that start at or after from (a
// start key), sorted, as of their schedule's version; seen is the
// bookings' version at which that was last found to be their version.
// An entry is never changed: a newer finding replaces it.
type schedule struct {
	seen, version uint64
	from          string
	slots         []data.Slot
}

// Bounds of the schedules kept: as many interpreters as the interpreters'
// cache holds, each schedule from a floor a week before the earliest start
// asked for, rebuilt once its floor lies more than scheduleFloorReach
// before the start asked for, so that it does not grow with the past.
const (
	maxCachedSchedules = maxCachedInterpreters
	scheduleFloorLead  = 7 * 24 * time.Hour
	scheduleFloorReach = 35 * 24 * time.Hour
)

// slotRange is the range of starts a MatchPool call asks for, with the
// start keys that bound the floors of the schedules it may use.
type slotRange struct {
	from, to time.Time
	fromKey  string // boundKey(from): a floor at or before it covers the range
	reachKey string // a floor before this is too old: rebuilt
	floorKey string // the floor of a schedule rebuilt for this range
	seen     uint64 // the bookings' version the call's transaction sees
}

func newSlotRange(from, to time.Time, seen uint64) slotRange {
	return slotRange{
		from: from, to: to, seen: seen, fromKey: boundKey(from),
		reachKey: boundKey(from.Add(-scheduleFloorReach)), floorKey: boundKey(from.Add(-scheduleFloorLead)),
	}
}

// slots returns interpreter id's slots starting in r, sorted
// (data.CompareSlots), as tx sees them, from the kept schedule when tx sees
// its version, else read off the bookings_holding index and kept. The
// slots are shared: never change them.
func (s *Store) slots(tx *bolt.Tx, id string, r *slotRange) ([]data.Slot, error) {
	s.schedules.mu.Lock()
	e := s.schedules.entries[id]
	s.schedules.mu.Unlock()
	if e != nil && e.from <= r.fromKey && e.from >= r.reachKey {
		if e.seen == r.seen {
			return data.SlotsFrom(e.slots, r.from, r.to), nil
		}
		if v := scheduleVersion(tx, id); v == e.version {
			if r.seen > e.seen {
				s.keepSchedule(id, &schedule{seen: r.seen, version: v, from: e.from, slots: e.slots})
			}
			return data.SlotsFrom(e.slots, r.from, r.to), nil
		}
	}
	e = &schedule{seen: r.seen, version: scheduleVersion(tx, id), from: r.floorKey}
	bookings := tx.Bucket(bucketBookings)
	ic := seekIndex(tx.Bucket([]byte(bucketBookingsConfirmed)), indexPrefix(id), e.from, false)
	for ; ic.key != nil; ic.next() {
		bid := ic.id()
		raw := bookings.Get([]byte(bid))
		if raw == nil {
			return nil, indexFault(bid, data.ErrNotFound)
		}
		// Decoded here and not kept: the slot is what is kept, and a
		// schedule is built again only when one of its bookings changes.
		b, err := decodeBooking(raw)
		if err != nil {
			return nil, indexFault(bid, err)
		}
		e.slots = append(e.slots, data.SlotOf(b))
	}
	slices.SortFunc(e.slots, data.CompareSlots)
	s.keepSchedule(id, e)
	return data.SlotsFrom(e.slots, r.from, r.to), nil
}

// keepSchedule keeps e unless a schedule found current at a later
// bookings' version is kept already.
func (s *Store) keepSchedule(id string, e *schedule) {
	s.schedules.mu.Lock()
	defer s.schedules.mu.Unlock()
	if old, ok := s.schedules.entries[id]; ok && old.seen > e.seen {
		return
	}
	if s.schedules.entries == nil || len(s.schedules.entries) >= maxCachedSchedules {
		s.schedules.entries = map[string]*schedule{} // bounded memory; it refills from what is read
	}
	s.schedules.entries[id] = e
}

// languageProfiles returns the profiles of the interpreters under the
// language key, in ID order, as tx sees them: kept beside the language's
// pool at the interpreters' version (see languagePool). Shared: never
// change them.
func (s *Store) languageProfiles(tx *bolt.Tx, lang string) ([]*data.Profile, error) {
	version := tx.Bucket(bucketInterpreters).Sequence()
	if ps, ok := s.profiles.get(version, lang); ok {
		return ps, nil
	}
	pool, err := s.languagePool(tx, lang)
	if err != nil {
		return nil, err
	}
	ps := make([]*data.Profile, len(pool))
	for i := range pool {
		ps[i] = data.NewProfile(&pool[i]) // the pool's records are shared and never changed
	}
	if len(ps) > 0 {
		s.profiles.put(version, lang, ps)
	}
	return ps, nil
}

// MatchPool reads, in one read transaction, the profiles of the
// interpreters under each language key and each one's slots in
// [from, to): all kept from earlier reads while their versions stand
// (see above), so a match on an unchanged register reads a few keys and
// builds nothing.
func (s *Store) MatchPool(ctx context.Context, languageKeys []string, from, to time.Time) ([]data.PoolMember, error) {
	var out []data.PoolMember
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var profiles []*data.Profile
		for _, key := range languageKeys {
			ps, err := s.languageProfiles(tx, key)
			if err != nil {
				return err
			}
			if len(languageKeys) == 1 {
				profiles = ps // shared: only read
			} else {
				profiles = append(profiles, ps...) // a slice of this call's own
			}
		}
		if len(languageKeys) > 1 {
			slices.SortStableFunc(profiles, func(a, b *data.Profile) int { return strings.Compare(a.Interpreter.ID, b.Interpreter.ID) })
			profiles = slices.CompactFunc(profiles, func(a, b *data.Profile) bool { return a.Interpreter.ID == b.Interpreter.ID })
		}
		r := newSlotRange(from, to, tx.Bucket(bucketBookings).Sequence())
		out = make([]data.PoolMember, len(profiles))
		for i, p := range profiles {
			slots, err := s.slots(tx, p.Interpreter.ID, &r)
			if err != nil {
				return err
			}
			out[i] = data.PoolMember{Profile: p, Slots: slots}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

package bolt

import (
	"context"
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
//   - Each pool's schedules, in its profiles' order, at the bookings'
//     version (poolSchedules): while no booking is written, a match finds
//     its members' schedules in one look-up instead of one an interpreter.
//   - Each pool's last answer, at the bookings' version (poolAnswers): a
//     match asks for the slots from 30 days before now, a range that moves
//     with every call but takes in another slot only when it passes one,
//     so the answer serves every call whose range holds the same slots
//     (poolAnswer.serves), without a look at any member.

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

// schedule is interpreter id's slots that start at or after from (a
// start key), sorted, as of their schedule's version; seen is the
// bookings' version at which that was last found to be their version,
// and only ever rises. Nothing else of an entry is changed: a newer
// schedule replaces it.
type schedule struct {
	id      string
	seen    atomic.Uint64
	version uint64
	from    string
	slots   []data.Slot
}

// covers reports whether e's floor serves r: at or before r's start, and
// not so far before it that e should be rebuilt.
func (e *schedule) covers(r *slotRange) bool { return e.from <= r.fromKey && e.from >= r.reachKey }

// sawAt records that e was found current at the bookings' version v.
func (e *schedule) sawAt(v uint64) {
	for {
		old := e.seen.Load()
		if old >= v || e.seen.CompareAndSwap(old, v) {
			return
		}
	}
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

// schedule returns interpreter id's schedule covering r as tx sees it:
// the kept one when tx sees its version, else one read off the
// bookings_holding index and kept. It is shared: never change it.
func (s *Store) schedule(tx *bolt.Tx, id string, r *slotRange) (*schedule, error) {
	s.schedules.mu.Lock()
	e := s.schedules.entries[id]
	s.schedules.mu.Unlock()
	if e != nil && e.covers(r) {
		if e.seen.Load() == r.seen {
			return e, nil
		}
		if v := scheduleVersion(tx, id); v == e.version {
			e.sawAt(r.seen)
			return e, nil
		}
	}
	e = &schedule{id: id, version: scheduleVersion(tx, id), from: r.floorKey}
	e.seen.Store(r.seen)
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
	return e, nil
}

// keepSchedule keeps e unless a schedule found current at a later
// bookings' version is kept already.
func (s *Store) keepSchedule(id string, e *schedule) {
	s.schedules.mu.Lock()
	defer s.schedules.mu.Unlock()
	if old, ok := s.schedules.entries[id]; ok && old.seen.Load() > e.seen.Load() {
		return
	}
	if s.schedules.entries == nil || len(s.schedules.entries) >= maxCachedSchedules {
		s.schedules.entries = map[string]*schedule{} // bounded memory; it refills from what is read
	}
	s.schedules.entries[id] = e
}

// poolKey names a MatchPool's pool among the kept pool schedules: its
// language keys, as asked, and the interpreters' version, which its
// profiles are of.
func poolKey(languageKeys []string, interpreters uint64) string {
	return strings.Join(languageKeys, "\x00") + "\x00" + strconv.FormatUint(interpreters, 10)
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
// builds nothing; while no slot comes into or leaves its range, it finds
// the answer it gave before (poolAnswer) and looks at no member.
func (s *Store) MatchPool(ctx context.Context, languageKeys []string, from, to time.Time) ([]data.PoolMember, error) {
	var out []data.PoolMember
	err := s.view(ctx, func(tx *bolt.Tx) error {
		r := newSlotRange(from, to, tx.Bucket(bucketBookings).Sequence())
		key := poolKey(languageKeys, tx.Bucket(bucketInterpreters).Sequence())
		if last, _ := s.poolAnswers.get(r.seen, key); len(last) == 1 && last[0].serves(&r) {
			out = last[0].members
			return nil
		}
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
		// The schedules of this very pool, kept at the bookings' version
		// tx sees, serve in one look-up; any missing, or not covering r,
		// is found one by one and the pool's kept anew.
		kept, _ := s.poolSchedules.get(r.seen, key)
		if len(kept) != len(profiles) {
			kept = nil
		}
		var found []*schedule // nil while kept serves every member
		out = make([]data.PoolMember, len(profiles))
		answer := newPoolAnswer()
		for i, p := range profiles {
			e := (*schedule)(nil)
			if kept != nil && kept[i].id == p.Interpreter.ID && kept[i].covers(&r) {
				e = kept[i]
			} else {
				var err error
				if e, err = s.schedule(tx, p.Interpreter.ID, &r); err != nil {
					return err
				}
				if found == nil {
					found = make([]*schedule, len(profiles))
					copy(found, kept[:min(i, len(kept))])
				}
			}
			if found != nil {
				found[i] = e
			}
			lo, hi := data.SlotBounds(e.slots, r.from, r.to)
			answer.note(e, lo, hi)
			out[i] = data.PoolMember{Profile: p, Slots: e.slots[lo:hi]}
		}
		if found != nil {
			s.poolSchedules.put(r.seen, key, found)
		}
		answer.members = out
		s.poolAnswers.put(r.seen, key, []*poolAnswer{answer})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// poolAnswer is one MatchPool answer, kept to serve later calls for the
// same pool at the same bookings' version whose range holds the same
// slots. Its schedules each started at a floor in [floorLo, floorHi], so
// it knows every slot from floorHi on; of those, beforeFrom is the latest
// start before its range's from and atFrom the earliest at or after it
// (zero when there is none), and beforeTo and atTo the same about to. A
// range whose from lies in (beforeFrom, atFrom] and whose to lies in
// (beforeTo, atTo] takes in exactly the slots this one did. Shared by
// every reader: never changed once kept.
type poolAnswer struct {
	floorLo, floorHi                   string
	beforeFrom, atFrom, beforeTo, atTo time.Time
	members                            []data.PoolMember
}

// newPoolAnswer starts an answer with no schedule noted.
func newPoolAnswer() *poolAnswer { return &poolAnswer{floorLo: "\xff"} }

// note takes in schedule e, whose slots in r are e.slots[lo:hi].
func (a *poolAnswer) note(e *schedule, lo, hi int) {
	a.floorLo, a.floorHi = min(a.floorLo, e.from), max(a.floorHi, e.from)
	if lo > 0 {
		a.beforeFrom = latest(a.beforeFrom, e.slots[lo-1].Start)
	}
	if lo < len(e.slots) {
		a.atFrom = earliest(a.atFrom, e.slots[lo].Start)
	}
	if hi > 0 {
		a.beforeTo = latest(a.beforeTo, e.slots[hi-1].Start)
	}
	if hi < len(e.slots) {
		a.atTo = earliest(a.atTo, e.slots[hi].Start)
	}
}

// serves reports whether a is the answer for r: every slot a's schedules
// hold from r's start on is known (the latest floor is at or before it,
// and, as a schedule's covers asks, none so far before it that it would
// be rebuilt), and no slot starts between a's bounds and r's.
func (a *poolAnswer) serves(r *slotRange) bool {
	return a.floorHi <= r.fromKey && a.floorLo >= r.reachKey &&
		(a.beforeFrom.IsZero() || a.beforeFrom.Before(r.from)) && (a.atFrom.IsZero() || !a.atFrom.Before(r.from)) &&
		(a.beforeTo.IsZero() || a.beforeTo.Before(r.to)) && (a.atTo.IsZero() || !a.atTo.Before(r.to))
}

// latest is the later of t and u, zero standing for none.
func latest(t, u time.Time) time.Time {
	if t.IsZero() || u.After(t) {
		return u
	}
	return t
}

// earliest is the earlier of t and u, zero standing for none.
func earliest(t, u time.Time) time.Time {
	if t.IsZero() || u.Before(t) {
		return u
	}
	return t
}

package edge

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Rate is a request rate limit as a token bucket: on average N requests
// every Per, and up to Burst at once after a quiet spell.
type Rate struct {
	N     int
	Per   time.Duration
	Burst int
}

// The default limits: generous for a busy office (an API key used by one
// person or one integration, an office's calendar clients behind one
// address), tight enough that one client cannot take the service.
var (
	// DefaultPerKey limits each API key or signed-in user: 10 a second,
	// bursts of 100.
	DefaultPerKey = Rate{N: 600, Per: time.Minute, Burst: 100}
	// DefaultPerAddress limits each client address on every signed-out
	// request (feeds, health, the contract, the sign-in page): 10 a
	// second, bursts of 100.
	DefaultPerAddress = Rate{N: 600, Per: time.Minute, Burst: 100}
	// DefaultPerFeed limits each feed URL: calendar clients poll every few
	// minutes, so 60 a minute with bursts of 20 is far above any of them.
	DefaultPerFeed = Rate{N: 60, Per: time.Minute, Burst: 20}
)

// rateUnits are the units a Rate is written in.
var rateUnits = map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}

// ParseRate reads a rate written as "600/m" or "600/m burst=100": a count
// per second (s), minute (m) or hour (h), and optionally the burst. The
// burst defaults to ten seconds' worth of the rate, and at least 1.
func ParseRate(s string) (Rate, error) {
	bad := fmt.Errorf("%q is not a rate such as 600/m or 600/m burst=100", s)
	fields := strings.Fields(s)
	if len(fields) == 0 || len(fields) > 2 {
		return Rate{}, bad
	}
	count, unit, ok := strings.Cut(fields[0], "/")
	n, err := strconv.Atoi(count)
	per, known := rateUnits[unit]
	if !ok || err != nil || !known || n < 1 || n > 1_000_000 {
		return Rate{}, bad
	}
	r := Rate{N: n, Per: per, Burst: max(1, int(int64(n)*int64(10*time.Second)/int64(per)))}
	if len(fields) == 2 {
		b, ok := strings.CutPrefix(fields[1], "burst=")
		if r.Burst, err = strconv.Atoi(b); !ok || err != nil || r.Burst < 1 || r.Burst > 1_000_000 {
			return Rate{}, bad
		}
	}
	return r, nil
}

// String writes r as ParseRate reads it.
func (r Rate) String() string {
	for unit, per := range rateUnits {
		if per == r.Per {
			return fmt.Sprintf("%d/%s burst=%d", r.N, unit, r.Burst)
		}
	}
	return fmt.Sprintf("%d/%v burst=%d", r.N, r.Per, r.Burst)
}

// interval is the time that earns one request.
func (r Rate) interval() time.Duration { return r.Per / time.Duration(r.N) }

// rateLimiter keeps one token bucket per key (an API key's user, a client
// address, a feed token's hash) as a generic cell rate algorithm: each
// key holds the theoretical arrival time of its next request, one time
// value instead of a count and a timestamp. A nil limiter limits nothing
// (TOLK_RATE_LIMITS=off). The table is bounded like the brake's: at most
// maxTracked keys, the least recently seen making way in constant time. A
// forgotten key starts again with a full burst; to gain from that, a
// client must keep 65,536 others busier than itself.
type rateLimiter struct {
	mu       sync.Mutex
	interval time.Duration // the time that earns one request
	slack    time.Duration // how far ahead of now the next arrival may be
	table    lru[time.Time]
}

// newRateLimiter returns a limiter allowing r.
func newRateLimiter(r Rate) *rateLimiter {
	return &rateLimiter{interval: r.interval(), slack: time.Duration(r.Burst) * r.interval(), table: newLRU[time.Time]()}
}

// take counts one request for key at now and returns 0 when it may go
// ahead, or how long key must wait before its next request would.
func (l *rateLimiter) take(key string, now time.Time) time.Duration {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	tat, _ := l.table.get(key) // a new key's zero time means a full bucket
	next := *tat
	if next.Before(now) {
		next = now
	}
	next = next.Add(l.interval)
	if over := next.Sub(now) - l.slack; over > 0 {
		return over
	}
	*tat = next
	return 0
}

// len returns how many keys the limiter tracks.
func (l *rateLimiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.table.len()
}

// setRetryAfter tells a client over a limit when to come back: whole
// seconds, at least 1.
func setRetryAfter(c *fiber.Ctx, wait time.Duration) {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
}

// orDefault returns r, or def when r allows nothing (the zero Rate among
// others): no count, no burst, or a period shorter than its count in
// nanoseconds.
func orDefault(r, def Rate) Rate {
	if r.N < 1 || r.Burst < 1 || r.Per < time.Duration(r.N) {
		return def
	}
	return r
}

// lru is a table of at most maxTracked values by key, whose entries form
// a list from the most to the least recently used. A new key past that
// takes the least recent one's entry, so every call is constant time,
// with no scan and, once the table is full, no allocation beyond the map's.
// It is not safe for concurrent use; its owner holds a lock.
type lru[V any] struct {
	index      map[string]int32
	entries    []lruEntry[V]
	head, tail int32 // most and least recently used entry; -1 when empty
}

// lruEntry is one key's value and its neighbours in recency order.
type lruEntry[V any] struct {
	key        string
	val        V
	prev, next int32 // -1 at the ends
}

func newLRU[V any]() lru[V] {
	return lru[V]{index: map[string]int32{}, head: -1, tail: -1}
}

// get returns key's value, making key the most recently used, and whether
// key was already there. A new key's value is V's zero value, in a new
// entry or, when the table is full, in the least recently used one's.
func (t *lru[V]) get(key string) (*V, bool) {
	i, ok := t.index[key]
	switch {
	case ok:
		t.unlink(i)
	case len(t.entries) < maxTracked:
		i = int32(len(t.entries))
		t.entries = append(t.entries, lruEntry[V]{})
	default: // full: forget the least recently used key
		i = t.tail
		t.unlink(i)
		delete(t.index, t.entries[i].key)
	}
	e := &t.entries[i]
	if !ok {
		*e = lruEntry[V]{key: key, prev: -1, next: -1}
		t.index[key] = i
	}
	t.pushFront(i)
	return &e.val, ok
}

// len returns how many keys the table holds.
func (t *lru[V]) len() int { return len(t.index) }

// unlink takes entry i out of the recency list.
func (t *lru[V]) unlink(i int32) {
	e := &t.entries[i]
	if e.prev >= 0 {
		t.entries[e.prev].next = e.next
	} else {
		t.head = e.next
	}
	if e.next >= 0 {
		t.entries[e.next].prev = e.prev
	} else {
		t.tail = e.prev
	}
	e.prev, e.next = -1, -1
}

// pushFront makes entry i the most recently used.
func (t *lru[V]) pushFront(i int32) {
	e := &t.entries[i]
	e.prev, e.next = -1, t.head
	if t.head >= 0 {
		t.entries[t.head].prev = i
	}
	t.head = i
	if t.tail < 0 {
		t.tail = i
	}
}

package edge

import (
	"bytes"
	"crypto/sha256"
	"net/netip"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The guard: the limits the doors apply once they know who is calling.
// Each method returns how long the client must wait, zero when it may go
// on; with Config.RateLimits off every wait is zero. Signed-out requests
// count against their client address (AddressWait), feed fetches against
// their feed (FeedWait), signed-in ones against their user (UserWait). Only
// failures count against the brakes: failed authentications
// (SignInFailed) and failed feed lookups (FeedLookupFailed), each in a
// table of its own. A valid key or feed token is checked first and never
// braked, so one guesser behind an office's NAT locks nobody out.

// AddressWait counts a signed-out request against its client address
// (PerAddress).
func (e *Edge) AddressWait(c *fiber.Ctx) time.Duration {
	if e.perAddress == nil {
		return 0
	}
	return e.perAddress.take(brakeKey(e.clientAddr(c)), e.now())
}

// FeedWait counts a fetch of the feed with token against the feed
// (PerFeed). The table is keyed by a hash of the token, never the token.
func (e *Edge) FeedWait(c *fiber.Ctx, token string) time.Duration {
	if e.perFeed == nil {
		return 0
	}
	sum := sha256.Sum256([]byte(token))
	return e.perFeed.take(string(sum[:16]), e.now())
}

// UserWait counts a signed-in request (an API key's, a session's) against
// its user (PerKey); the request's log line names the user.
func (e *Edge) UserWait(c *fiber.Ctx, userID string) time.Duration {
	if s := stateOf(c); s != nil {
		s.user = userID
	}
	if e.perKey == nil {
		return 0
	}
	return e.perKey.take(userID, e.now())
}

// SignInFailed counts a failed authentication (a wrong API key, a failed
// sign-in) against the client address; past FailuresAllowed in a
// FailureWindow it returns the wait before the next attempt.
func (e *Edge) SignInFailed(c *fiber.Ctx) time.Duration {
	if e.brake == nil {
		return 0
	}
	return e.brake.fail(brakeKey(e.clientAddr(c)), e.now())
}

// FeedLookupFailed counts a feed token that names no live feed (unknown or
// revoked) against the client address, in a brake of its own: guessing
// feed tokens slows neither the address's sign-ins nor its other requests.
// Past FailuresAllowed in a FailureWindow it returns the wait before the
// next failed lookup would be answered.
func (e *Edge) FeedLookupFailed(c *fiber.Ctx) time.Duration {
	if e.feedBrake == nil {
		return 0
	}
	return e.feedBrake.fail(brakeKey(e.clientAddr(c)), e.now())
}

// clientAddr returns the address of the client. The peer is the client
// unless it is a trusted proxy; then X-Forwarded-For is read from the right
// (the entries each proxy appended), skipping trusted proxies, and the
// first address that is not one is the client. Entries further left were
// written by the client itself and are never believed. An entry that is
// not an address ends the walk at the last proxy read.
func (e *Edge) clientAddr(c *fiber.Ctx) netip.Addr {
	addr, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	addr = addr.Unmap()
	if !e.trusted(addr) {
		return addr
	}
	lines := c.Request().Header.PeekAll(fiber.HeaderXForwardedFor)
	for i := len(lines) - 1; i >= 0; i-- {
		entries := bytes.Split(lines[i], []byte(","))
		for j := len(entries) - 1; j >= 0; j-- {
			hop, err := netip.ParseAddr(string(bytes.TrimSpace(entries[j])))
			if err != nil {
				return addr
			}
			addr = hop.Unmap()
			if !e.trusted(addr) {
				return addr
			}
		}
	}
	return addr
}

// trusted reports whether addr is one of the configured proxies.
func (e *Edge) trusted(addr netip.Addr) bool {
	for _, p := range e.proxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// brakeKey is what the brake and the per-address limit count under: an
// IPv4 address, or the /64 of an IPv6 address (one subscriber holds a
// whole /64, so keying on full IPv6 addresses would give them 2^64 fresh
// starts).
func brakeKey(addr netip.Addr) string {
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

// The brakes' limit (see SignInFailed and FeedLookupFailed), the same for
// both, each counted in its own table.
const (
	// FailuresAllowed is how many failed authentications, or failed feed
	// lookups, an address may make in a FailureWindow before the next is
	// refused (429).
	FailuresAllowed = 20
	// FailureWindow is the brake's window: fixed, from an address's first
	// failure.
	FailureWindow = time.Minute
)

// maxTracked is how many keys each brake and each rate limit track at most.
const maxTracked = 1 << 16

// failureLimiter counts failures (authentications, feed lookups) per
// address in fixed windows. It lives in each process: a brake on guessing
// keys and tokens, not shared state. A nil limiter limits nothing
// (TOLK_RATE_LIMITS=off).
//
// It tracks at most maxTracked addresses in an lru table: a new address
// past that takes the least recently failed one's entry, so every call is
// constant time under the lock, with no scan and, once the table is full,
// no allocation. An address with 130-bit API keys to guess gains nothing
// from being forgotten.
type failureLimiter struct {
	mu      sync.Mutex
	allowed int
	window  time.Duration
	table   lru[failureCount]
}

// failureCount is one address's failures in its current window.
type failureCount struct {
	n     int
	reset time.Time // when the window ends
}

func newFailureLimiter(allowed int, window time.Duration) *failureLimiter {
	return &failureLimiter{allowed: allowed, window: window, table: newLRU[failureCount]()}
}

// fail counts one failure for key and returns how long key must wait: 0
// while it is within the limit, the rest of its window once it is past.
func (l *failureLimiter) fail(key string, now time.Time) time.Duration {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.table.get(key)
	if !ok || !now.Before(e.reset) {
		*e = failureCount{reset: now.Add(l.window)}
	}
	e.n++
	if e.n > l.allowed {
		return e.reset.Sub(now)
	}
	return 0
}

// len returns how many addresses the limiter tracks.
func (l *failureLimiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.table.len()
}

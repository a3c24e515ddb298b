package api

import (
	"bytes"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

const localUser = "user"

// caller returns the authenticated user of the request.
func caller(c *fiber.Ctx) (data.User, bool) {
	u, ok := c.Locals(localUser).(data.User)
	return u, ok
}

// authenticate resolves "Authorization: Bearer <key>" to a user through
// app.Authenticate. The key is always checked first: a valid key passes
// whatever others have failed from the same address. Only failures count
// towards the brake, and only failures are braked: past the limit, a failed
// attempt is answered 429 with Retry-After instead of 401. A valid key's
// requests count against its own rate limit (Config.PerKey), keyed by its
// user, and nothing else.
func (s *Server) authenticate(c *fiber.Ctx) error {
	scheme, key, ok := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
	key = strings.TrimSpace(key)
	if !ok || !strings.EqualFold(scheme, "Bearer") || key == "" {
		return s.refuse(c, "send an API key as Authorization: Bearer <key>")
	}
	u, err := s.app.Authenticate(c.UserContext(), key)
	if errors.Is(err, app.ErrUnauthenticated) {
		return s.refuse(c, "the API key is not valid")
	}
	if err != nil {
		return err
	}
	c.Locals(localUser, u)
	if wait := s.perKey.take(u.ID, s.now()); wait > 0 {
		return rateLimited(c, wait, "too many requests with this API key; retry after the time in Retry-After")
	}
	return c.Next()
}

// refuse counts a failed authentication against the client's address and
// answers it: 401 with detail, or 429 once the address is over the limit.
func (s *Server) refuse(c *fiber.Ctx, detail string) error {
	if wait := s.limiter.fail(brakeKey(s.clientAddr(c)), s.now()); wait > 0 {
		return rateLimited(c, wait, "too many failed authentications from this address; retry later")
	}
	return newError(http.StatusUnauthorized, "unauthenticated", "%s", detail)
}

// clientAddr returns the address of the client. The peer is the client
// unless it is a trusted proxy; then X-Forwarded-For is read from the right
// (the entries each proxy appended), skipping trusted proxies, and the
// first address that is not one is the client. Entries further left were
// written by the client itself and are never believed. An entry that is
// not an address ends the walk at the last proxy read.
func (s *Server) clientAddr(c *fiber.Ctx) netip.Addr {
	addr, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	addr = addr.Unmap()
	if !s.trusted(addr) {
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
			if !s.trusted(addr) {
				return addr
			}
		}
	}
	return addr
}

// trusted reports whether addr is one of the configured proxies.
func (s *Server) trusted(addr netip.Addr) bool {
	for _, p := range s.proxies {
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

// The brake: failed authentications allowed per address per window before
// 429; and how many keys the brake and each rate limit track at most.
const (
	failuresAllowed = 20
	failureWindow   = time.Minute
	maxTracked      = 1 << 16
)

// failureLimiter counts failed authentications per address in fixed
// windows. It lives in each process: a brake on guessing keys, not shared
// state. A nil limiter limits nothing (TOLK_RATE_LIMITS=off).
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

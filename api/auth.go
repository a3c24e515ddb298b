package api

import (
	"errors"
	"math"
	"net/http"
	"strconv"
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
// app.Authenticate. Addresses that fail too often get 429 with Retry-After
// until their window ends.
func (s *Server) authenticate(c *fiber.Ctx) error {
	ip := c.IP()
	if wait := s.limiter.blocked(ip, s.now()); wait > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		return newError(http.StatusTooManyRequests, "rate_limited", "too many failed authentications from this address; retry later")
	}
	scheme, key, ok := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(key) == "" {
		s.limiter.fail(ip, s.now())
		return newError(http.StatusUnauthorized, "unauthenticated", "send an API key as Authorization: Bearer <key>")
	}
	u, err := s.app.Authenticate(c.UserContext(), strings.TrimSpace(key))
	if errors.Is(err, app.ErrUnauthenticated) {
		s.limiter.fail(ip, s.now())
		return newError(http.StatusUnauthorized, "unauthenticated", "the API key is not valid")
	}
	if err != nil {
		return err
	}
	c.Locals(localUser, u)
	return c.Next()
}

// Failed authentications allowed per address per window before 429.
const (
	failuresAllowed = 20
	failureWindow   = time.Minute
)

// failureLimiter counts failed authentications per client address in fixed
// windows. It lives in each process: a brake on guessing keys, not shared
// state. A nil limiter limits nothing (TOLK_RATE_LIMITS=off).
type failureLimiter struct {
	mu      sync.Mutex
	allowed int
	window  time.Duration
	counts  map[string]*failureCount
}

type failureCount struct {
	n     int
	reset time.Time
}

func newFailureLimiter(allowed int, window time.Duration) *failureLimiter {
	return &failureLimiter{allowed: allowed, window: window, counts: map[string]*failureCount{}}
}

// blocked returns how long ip must wait, or 0 when it may try.
func (l *failureLimiter) blocked(ip string, now time.Time) time.Duration {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fc, ok := l.counts[ip]
	if !ok || !now.Before(fc.reset) {
		return 0
	}
	if fc.n >= l.allowed {
		return fc.reset.Sub(now)
	}
	return 0
}

// fail counts one failure for ip.
func (l *failureLimiter) fail(ip string, now time.Time) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.counts) > 100_000 { // forget expired windows rather than grow without bound
		for k, fc := range l.counts {
			if !now.Before(fc.reset) {
				delete(l.counts, k)
			}
		}
	}
	fc, ok := l.counts[ip]
	if !ok || !now.Before(fc.reset) {
		fc = &failureCount{reset: now.Add(l.window)}
		l.counts[ip] = fc
	}
	fc.n++
}

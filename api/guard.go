package api

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// limitAddress counts a request outside /v1 (health, the contract; not
// feeds) against its client address, through the Guard: 429 past the
// limit. A path the API does not own is left to the edge (see owned).
func (s *Server) limitAddress(c *fiber.Ctx) error {
	if !owned(c.Path()) {
		return c.Next()
	}
	if wait := s.guard.AddressWait(c); wait > 0 {
		return rateLimited(c, wait, "too many requests from this address; retry after the time in Retry-After")
	}
	return c.Next()
}

// brakeFeedMisses runs every request under /feeds and counts its failure,
// a feed token that names no live feed (unknown or revoked) or a path that
// names no feed (any 404), against the client's address in the brake on
// failed feed lookups, through the Guard: past it, the miss is answered 429
// instead of 404. The token is always looked up first and a valid one is
// never braked, so a guesser behind an office's NAT stops nobody's
// calendar; nor does it count against the address's other requests
// (health, sign-in), as feeds once did.
func (s *Server) brakeFeedMisses(c *fiber.Ctx) error {
	err := c.Next()
	if err == nil || !owned(c.Path()) {
		return err
	}
	if p, _ := toProblem(err); p.Status != http.StatusNotFound {
		return err
	}
	if wait := s.guard.FeedLookupFailed(c); wait > 0 {
		return rateLimited(c, wait, "too many requests for feeds that do not exist from this address; retry after the time in Retry-After")
	}
	return err
}

// owned reports whether the API owns path (see Prefixes) as the edge
// decides it, whatever the case. Fiber runs a middleware used on "/feeds"
// for "/feedsX" too: a path another door answers, which must not get the
// API's refusals (the pages would answer one as a 500).
func owned(path string) bool {
	for _, p := range prefixes {
		if len(path) >= len(p) && strings.EqualFold(path[:len(p)], p) && (len(path) == len(p) || path[len(p)] == '/') {
			return true
		}
	}
	return false
}

// rateLimited answers a request refused by a limit: 429 rate_limited,
// with Retry-After in whole seconds (at least 1).
func rateLimited(c *fiber.Ctx, wait time.Duration, detail string) error {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	return newError(http.StatusTooManyRequests, "rate_limited", "%s", detail)
}

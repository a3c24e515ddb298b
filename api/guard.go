package api

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
)

// limitAddress counts a request outside /v1 (feeds, health, the contract)
// against its client address, through the Guard: 429 past the limit.
func (s *Server) limitAddress(c *fiber.Ctx) error {
	if wait := s.guard.AddressWait(c); wait > 0 {
		return rateLimited(c, wait, "too many requests from this address; retry after the time in Retry-After")
	}
	return c.Next()
}

// rateLimited answers a request refused by a limit: 429 rate_limited,
// with Retry-After in whole seconds (at least 1).
func rateLimited(c *fiber.Ctx, wait time.Duration, detail string) error {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	return newError(http.StatusTooManyRequests, "rate_limited", "%s", detail)
}

package api

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Guard is what the API's edge lends the web pages mounted beside it
// (Config.Pages): the same rate limits and failed-sign-in brake, so a key
// guessed through the sign-in form is braked like one guessed through /v1.
// Each method returns how long the client must wait, zero when it may go
// on; with rate limits off every wait is zero.
type Guard interface {
	// AddressWait counts a signed-out request against its client address.
	AddressWait(c *fiber.Ctx) time.Duration
	// UserWait counts a signed-in request against its user (the per-key limit).
	UserWait(c *fiber.Ctx, userID string) time.Duration
	// SignInFailed counts a failed sign-in against the client address;
	// past the brake's limit it returns the wait before the next attempt.
	SignInFailed(c *fiber.Ctx) time.Duration
	// RequestID returns the request's ID (shown on error pages).
	RequestID(c *fiber.Ctx) string
}

// AddressWait implements Guard.
func (s *Server) AddressWait(c *fiber.Ctx) time.Duration {
	if s.perAddress == nil {
		return 0
	}
	return s.perAddress.take(brakeKey(s.clientAddr(c)), s.now())
}

// UserWait implements Guard.
func (s *Server) UserWait(c *fiber.Ctx, userID string) time.Duration {
	if s.perKey == nil {
		return 0
	}
	return s.perKey.take(userID, s.now())
}

// SignInFailed implements Guard.
func (s *Server) SignInFailed(c *fiber.Ctx) time.Duration {
	if s.limiter == nil {
		return 0
	}
	return s.limiter.fail(brakeKey(s.clientAddr(c)), s.now())
}

// RequestID implements Guard.
func (s *Server) RequestID(c *fiber.Ctx) string { return requestID(c) }

// apiPath reports whether the API owns path (Fiber routes without regard
// to case, so this does too). Every other path is the web pages'.
func apiPath(path string) bool {
	p := strings.ToLower(path)
	switch {
	case p == "/v1", strings.HasPrefix(p, "/v1/"), strings.HasPrefix(p, "/feeds/"):
		return true
	case p == "/healthz", p == "/readyz", p == "/openapi.yaml":
		return true
	}
	return false
}

package api

import (
	"net/http"
	"strings"

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
// requests count against its own rate limit (the edge's per-key limit),
// keyed by its user, and nothing else. Both are applied through the Guard.
func (s *Server) authenticate(c *fiber.Ctx) error {
	scheme, key, ok := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
	key = strings.TrimSpace(key)
	if !ok || !strings.EqualFold(scheme, "Bearer") || key == "" {
		return s.refuse(c, "send an API key as Authorization: Bearer <key>")
	}
	u, err := s.app.Authenticate(c.UserContext(), key)
	if app.Classify(err).Kind == app.KindUnauthenticated {
		return s.refuse(c, "the API key is not valid")
	}
	if err != nil {
		return err
	}
	c.Locals(localUser, u)
	if wait := s.guard.UserWait(c, u.ID); wait > 0 {
		return rateLimited(c, wait, "too many requests with this API key; retry after the time in Retry-After")
	}
	return c.Next()
}

// refuse counts a failed authentication against the client's address and
// answers it: 401 with detail, or 429 once the address is over the limit.
func (s *Server) refuse(c *fiber.Ctx, detail string) error {
	if wait := s.guard.SignInFailed(c); wait > 0 {
		return rateLimited(c, wait, "too many failed authentications from this address; retry later")
	}
	return newError(http.StatusUnauthorized, "unauthenticated", "%s", detail)
}

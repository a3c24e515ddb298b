package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// contentSecurityPolicy lets a page load only its own stylesheet, script
// and images, post forms only to itself, and be framed by nobody.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// request is one page request: the Fiber context and, on signed-in pages,
// the user and their session's token.
type request struct {
	c     *fiber.Ctx
	user  data.User
	token string
}

// ctx returns the request's context (with the server's deadline).
func (r *request) ctx() context.Context { return r.c.UserContext() }

// is reports whether the user holds one of roles.
func (r *request) is(roles ...data.Role) bool {
	for _, role := range roles {
		if r.user.Role == role {
			return true
		}
	}
	return false
}

// handler is a page handler; an error it returns is rendered as an error
// page (see fail).
type handler func(r *request) error

// setPageHeaders replaces the API's headers with a page's: HTML under the
// pages' policy, never cached (every page is personal).
func setPageHeaders(c *fiber.Ctx) {
	h := &c.Response().Header
	h.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
	h.Set(fiber.HeaderCacheControl, "no-store")
	h.Set(fiber.HeaderReferrerPolicy, "same-origin")
}

// open wraps a page a signed-out visitor may see (sign-in): counted against
// the client's address; a post must come from this site.
func (p *Pages) open(h handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		setPageHeaders(c)
		r := &request{c: c}
		if wait := p.guard.AddressWait(c); wait > 0 {
			return p.tooMany(r, wait)
		}
		// A signed-out post (sign-in) has no session to hold a CSRF token:
		// it must say where it comes from, by Origin or Sec-Fetch-Site,
		// which every browser of the last years sends on a post.
		if c.Method() == fiber.MethodPost && (!p.sameOrigin(c) || (c.Get(fiber.HeaderOrigin) == "" && c.Get("Sec-Fetch-Site") == "")) {
			return p.fail(r, errCrossSite)
		}
		return p.run(r, h)
	}
}

// signedIn wraps a page for signed-in users. A signed-out visitor is sent
// to sign in (and brought back afterwards to the page they asked for, when
// it was a GET); a post must come from this site and carry the session's
// CSRF token.
func (p *Pages) signedIn(h handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		setPageHeaders(c)
		r := &request{c: c, token: c.Cookies(p.cookieName())}
		u, _, err := p.app.SessionUser(c.UserContext(), r.token)
		if errors.Is(err, app.ErrUnauthenticated) {
			if wait := p.guard.AddressWait(c); wait > 0 {
				return p.tooMany(r, wait)
			}
			r.token = ""
			next := ""
			if c.Method() == fiber.MethodGet {
				next = c.OriginalURL()
			}
			return c.Redirect(signInURL(next), http.StatusSeeOther)
		}
		if err != nil {
			r.token = ""
			return p.fail(r, err)
		}
		r.user = u
		if wait := p.guard.UserWait(c, u.ID); wait > 0 {
			return p.tooMany(r, wait)
		}
		if c.Method() == fiber.MethodPost {
			if !p.sameOrigin(c) {
				return p.fail(r, errCrossSite)
			}
			if subtle.ConstantTimeCompare([]byte(c.FormValue("_csrf")), []byte(csrfToken(r.token))) != 1 {
				return p.fail(r, errBadCSRF)
			}
		}
		return p.run(r, h)
	}
}

// run calls h and renders its error, if any, as an error page.
func (p *Pages) run(r *request, h handler) error {
	if err := h(r); err != nil {
		return p.fail(r, err)
	}
	return nil
}

// signInURL is the sign-in page, with where to go afterwards when that is
// a page of this site.
func signInURL(next string) string {
	if next == "" || next == "/" || !localPath(next) {
		return "/sign-in"
	}
	return "/sign-in?next=" + url.QueryEscape(next)
}

// localPath reports whether next is a path on this site, so redirecting
// to it cannot leave the site: it starts with one "/", and holds no
// backslash and no control character anywhere (browsers drop tabs and
// newlines from a URL and read "\\" as "/", so "/\t/evil" and "/\\evil"
// would become "//evil", another site), and parses as a bare path.
func localPath(next string) bool {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || len(next) > 1024 {
		return false
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return false
		}
	}
	u, err := url.Parse(next)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil
}

// sameOrigin reports whether a state-changing request comes from a page of
// this site: its Origin, when sent, is this site's; without Origin, the
// browser's Sec-Fetch-Site must not say cross-site. A browser sends one or
// the other on every cross-site post, so a forged form is refused before
// its CSRF token is even looked at.
func (p *Pages) sameOrigin(c *fiber.Ctx) bool {
	if origin := c.Get(fiber.HeaderOrigin); origin != "" {
		return origin == c.BaseURL() || origin == p.baseURL
	}
	site := c.Get("Sec-Fetch-Site")
	return site == "" || site == "same-origin" || site == "none"
}

// Errors the pages raise themselves.
var (
	errCrossSite = &pageError{status: http.StatusForbidden, title: "This request came from another site",
		detail: "tolk only accepts forms sent from its own pages. Go back to tolk and try again."}
	errBadCSRF = &pageError{status: http.StatusForbidden, title: "This form has expired",
		detail: "The form was sent without its security token, or from a session that has ended. Open the page again and resend it."}
	errNotFound = &pageError{status: http.StatusNotFound, title: "Page not found",
		detail: "If you typed the address, check it is correct. If you followed a link, the record may belong to another organisation."}
)

// pageError is an error page's status and words.
type pageError struct {
	status        int
	title, detail string
}

func (e *pageError) Error() string { return e.title }

// notFound answers every path no page has.
func (p *Pages) notFound(r *request) error { return errNotFound }

// tooMany answers a client over a rate limit: 429 with Retry-After.
func (p *Pages) tooMany(r *request, wait time.Duration) error {
	r.c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(wait.Round(time.Second)/time.Second))))
	return p.fail(r, &pageError{status: http.StatusTooManyRequests, title: "Too many requests",
		detail: "Wait a minute, then try again."})
}

// fail renders err as an error page with the status the API would answer.
// Internal errors are logged with the request ID; the page shows the ID,
// never the error.
func (p *Pages) fail(r *request, err error) error {
	pe := toPageError(err)
	if pe.status >= 500 {
		p.log.ErrorContext(r.ctx(), "page failed", "request_id", p.guard.RequestID(r.c), "route", r.c.Route().Path, "error", err.Error())
	}
	r.c.Status(pe.status)
	return p.render(r, "error", pe.title, map[string]any{"Detail": pe.detail, "Status": pe.status, "RequestID": p.guard.RequestID(r.c)})
}

// toPageError maps an error to its page, as the API's error table maps it
// to a problem.
func toPageError(err error) *pageError {
	var (
		pe         *pageError
		forbidden  *app.ForbiddenError
		state      *app.StateError
		transition *data.TransitionError
	)
	switch {
	case errors.As(err, &pe):
		return pe
	case errors.As(err, &forbidden):
		return &pageError{status: http.StatusForbidden, title: "You cannot do this", detail: "Your role does not allow it: " + forbidden.Reason + "."}
	case errors.As(err, &state):
		return &pageError{status: http.StatusConflict, title: "This booking cannot change now", detail: state.Reason + "."}
	case errors.As(err, &transition):
		return &pageError{status: http.StatusConflict, title: "This change is not allowed now", detail: transition.Error() + "."}
	case errors.Is(err, data.ErrDuplicate):
		return &pageError{status: http.StatusConflict, title: "This already exists", detail: "A record with the same unique value already exists. Nothing was changed."}
	case errors.Is(err, data.ErrNotFound):
		return errNotFound
	case errors.Is(err, data.ErrInvalid), isValidation(err):
		return &pageError{status: http.StatusBadRequest, title: "This address is not right",
			detail: "Part of the address (a page link or a filter) is not one tolk made. Go back and follow the links on the page."}
	case errors.Is(err, app.ErrStale), errors.Is(err, data.ErrConflict):
		return &pageError{status: http.StatusConflict, title: "Someone else changed this record", detail: "Open it again to see their change, then make yours."}
	case errors.Is(err, data.ErrUnavailable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, data.ErrClosed):
		return &pageError{status: http.StatusServiceUnavailable, title: "tolk cannot reach its records just now", detail: "Nothing was changed. Try again in a minute."}
	case errors.Is(err, context.Canceled):
		return &pageError{status: http.StatusServiceUnavailable, title: "The request was cancelled", detail: "Nothing was changed. Try again."}
	}
	return &pageError{status: http.StatusInternalServerError, title: "Sorry, something went wrong", detail: "Nothing you can do will fix this. Quote the reference below if you report it."}
}

// isValidation reports whether err is a validation failure from the data
// layer that no form on the page shows (a cursor or filter in the query).
func isValidation(err error) bool {
	_, ok := errors.AsType[*data.ValidationError](err)
	return ok
}

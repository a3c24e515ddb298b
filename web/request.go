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

// ctx returns the request's context (with the edge's deadline, cancelled
// at shutdown).
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

// setPageHeaders replaces the edge's headers with a page's: HTML under the
// pages' policy, never cached (every page is personal). A page whose
// address holds a single-use link's token sends no Referer at all, not
// even to this site: the token goes nowhere but to its own page.
func setPageHeaders(c *fiber.Ctx) {
	h := &c.Response().Header
	h.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
	h.Set(fiber.HeaderCacheControl, "no-store")
	if linkPath(c.Path()) {
		h.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	} else {
		h.Set(fiber.HeaderReferrerPolicy, "same-origin")
	}
}

// linkPrefixes are the paths under which a single-use link's token is the
// last segment: an invitation's answer page and a sign-in link.
var linkPrefixes = []string{"/respond/", "/sign-in/link/"}

// linkPath reports whether path holds a link's token. Routes match without
// regard to case, so the prefixes are compared so too.
func linkPath(path string) bool {
	for _, prefix := range linkPrefixes {
		if len(path) > len(prefix) && strings.EqualFold(path[:len(prefix)], prefix) {
			return true
		}
	}
	return false
}

// open wraps a page a signed-out visitor may see (sign-in, a link's
// page): counted against the client's address; a post must come from this
// site.
func (p *Pages) open(h handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		setPageHeaders(c)
		r := &request{c: c}
		if wait := p.guard.AddressWait(c); wait > 0 {
			return p.tooMany(r, wait)
		}
		if c.Method() == fiber.MethodPost && !p.signedOutPostFromHere(c) {
			return p.fail(r, errCrossSite)
		}
		return p.run(r, h)
	}
}

// signedOutPostFromHere reports whether a signed-out post (sign-in, asking
// for a sign-in link, answering an invitation by its link) comes from a
// page of this site. It has no session to hold a CSRF token, so it must
// say where it comes from, by Origin or Sec-Fetch-Site, which every
// browser of the last years sends on a post.
//
// A link's page sends no Referer (see setPageHeaders), and by the Fetch
// standard a page under Referrer-Policy no-referrer posts with Origin
// "null": there, Sec-Fetch-Site decides when the browser sends it, and a
// browser that sends neither is let through. That loses nothing: such a
// post carries no cookie and no session, only the token in its address,
// and whoever holds the token can answer with it from anywhere; the check
// only keeps another site's page from posting a token it has seen.
func (p *Pages) signedOutPostFromHere(c *fiber.Ctx) bool {
	origin, site := c.Get(fiber.HeaderOrigin), c.Get("Sec-Fetch-Site")
	if origin == "null" && linkPath(c.Path()) {
		return site == "" || site == "same-origin"
	}
	return p.sameOrigin(c) && (origin != "" || site != "")
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
		if app.Classify(err).Kind == app.KindUnauthenticated {
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

// notFound answers a path no page has.
func (p *Pages) notFound(r *request) error { return errNotFound }

// Answer answers err, raised on a page's path, as a page. A path no page
// has, or a method its page lacks (the router's 404 and 405), is a signed-out
// visitor's sign-in page or a signed-in one's "page not found"; any other
// error (one a page did not render itself) is its error page. It makes the
// pages an edge.Door.
func (p *Pages) Answer(c *fiber.Ctx, err error) error {
	if fe, ok := errors.AsType[*fiber.Error](err); ok && (fe.Code == http.StatusNotFound || fe.Code == http.StatusMethodNotAllowed) {
		c.Response().Header.Del(fiber.HeaderAllow)
		return p.signedIn(p.notFound)(c)
	}
	setPageHeaders(c)
	return p.fail(&request{c: c}, err)
}

// Refused answers a form too large for the service (413) with a page, not
// the edge's problem: nothing was read of it, so nothing was saved, and
// the browser's Back still holds what was typed. It makes the pages an
// edge.Refuser.
func (p *Pages) Refused(c *fiber.Ctx, status int) error {
	setPageHeaders(c)
	return p.fail(&request{c: c}, &pageError{status: status, title: "What you sent is too large",
		detail: "Nothing was saved: the form was larger than tolk accepts. Go back (what you typed is still there), " +
			"shorten the longest text, and send it again."})
}

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

// toPageError maps an error to its page: the pages' own refusals (a
// *pageError) as they are, everything else by the kind app.Classify gives
// it, with the status the API answers for that kind.
func toPageError(err error) *pageError {
	if pe, ok := errors.AsType[*pageError](err); ok {
		return pe
	}
	f := app.Classify(err)
	switch f.Kind {
	case app.KindInvalid:
		return &pageError{status: http.StatusBadRequest, title: "This address is not right",
			detail: "Part of the address (a page link or a filter) is not one tolk made. Go back and follow the links on the page."}
	case app.KindUnauthenticated:
		return &pageError{status: http.StatusUnauthorized, title: "Sign in again", detail: "Your session has ended. Sign in, then open the page again."}
	case app.KindForbidden:
		return &pageError{status: http.StatusForbidden, title: "You cannot do this", detail: "Your role does not allow it: " + f.Message + "."}
	case app.KindNotFound:
		return errNotFound
	case app.KindConflict:
		switch f.Code {
		case "duplicate":
			return &pageError{status: http.StatusConflict, title: "This already exists", detail: "A record with the same unique value already exists. Nothing was changed."}
		case "version_conflict":
			return &pageError{status: http.StatusConflict, title: "Someone else changed this record", detail: "Open it again to see their change, then make yours."}
		case "booking_conflict":
			return &pageError{status: http.StatusConflict, title: "The interpreter is already booked then", detail: sentence(f.Message)}
		case "invalid_transition":
			return &pageError{status: http.StatusConflict, title: "This change is not allowed now", detail: sentence(f.Message)}
		}
		return &pageError{status: http.StatusConflict, title: "This booking cannot change now", detail: sentence(f.Message)}
	case app.KindStale:
		return &pageError{status: http.StatusConflict, title: "Someone else changed this record", detail: "Open it again to see their change, then make yours."}
	case app.KindUnprocessable:
		if f.Code == "idempotency_key_reused" {
			return &pageError{status: http.StatusUnprocessableEntity, title: "This form was already used",
				detail: "This form already made a booking, with other details. Open the results again to book afresh."}
		}
		return &pageError{status: http.StatusUnprocessableEntity, title: "This cannot be done", detail: sentence(f.Message)}
	case app.KindGone:
		return &pageError{status: http.StatusGone, title: "This link no longer works", detail: sentence(f.Message)}
	case app.KindUnavailable:
		if f.Code == "cancelled" {
			return &pageError{status: http.StatusServiceUnavailable, title: "The request was cancelled", detail: "Nothing was changed. Try again."}
		}
		return &pageError{status: http.StatusServiceUnavailable, title: "tolk cannot reach its records just now", detail: "Nothing was changed. Try again in a minute."}
	}
	return &pageError{status: http.StatusInternalServerError, title: "Sorry, something went wrong", detail: "Nothing you can do will fix this. Quote the reference below if you report it."}
}

// sentence makes a message of the app a sentence: capitalised, with a full stop.
func sentence(msg string) string {
	if msg == "" {
		return ""
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// cookieName is the session cookie's name: __Host- behind TLS, so no
// other host or path can set or read it.
func (p *Pages) cookieName() string {
	if p.secure {
		return "__Host-tolk_session"
	}
	return "tolk_session"
}

// csrfToken is the CSRF token of a session: derived from its secret token,
// so it needs no storage and no page of another site can know it.
func csrfToken(sessionToken string) string {
	if sessionToken == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("tolk csrf\x00" + sessionToken))
	return hex.EncodeToString(sum[:16])
}

// setSessionCookie gives the browser its session token: HttpOnly (no
// script reads it), SameSite=Lax (no other site's post carries it), Secure
// behind TLS, and no Max-Age, so it ends with the browser; the store ends
// it anyway after the idle or absolute timeout.
func (p *Pages) setSessionCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{Name: p.cookieName(), Value: token, Path: "/", HTTPOnly: true, Secure: p.secure,
		SameSite: fiber.CookieSameSiteLaxMode, SessionOnly: true})
}

func (p *Pages) clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: p.cookieName(), Value: "", Path: "/", HTTPOnly: true, Secure: p.secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(0, 0), MaxAge: -1})
}

type signInView struct {
	Next string
	OIDC bool
	// Failed says why a sign-in with the provider or a link was refused.
	Failed string
	// Email is the sign-in link form's address, after an error.
	Email string
}

// LinkLife is how long a sign-in link works, in words.
func (signInView) LinkLife() string { return linkLife }

// signInPage shows the sign-in form: the API key, and the organisation's
// identity provider where one is configured. A visitor already signed in
// goes home.
func (p *Pages) signInPage(r *request) error {
	if _, _, err := p.app.SessionUser(r.ctx(), r.c.Cookies(p.cookieName())); err == nil {
		return r.c.Redirect("/", http.StatusSeeOther)
	}
	next := r.c.Query("next")
	if !localPath(next) {
		next = ""
	}
	return p.render(r, "signin", "Sign in", signInView{Next: next, OIDC: p.oidc != nil, Failed: signInFailure(r.c.Query("failed"))})
}

// signInFailure is what the sign-in page says for the code a refused
// sign-in redirects with (/sign-in?failed=code), or "".
func signInFailure(code string) string {
	if code == "link" {
		return "That sign-in link has been used or has run out: each link works once, for " + linkLife + ". Ask for a new one below."
	}
	return oidcFailures[code]
}

// signIn checks the API key typed into the form and opens a session. A
// wrong key counts against the client's address as it does on the API.
func (p *Pages) signIn(r *request) error {
	key := strings.TrimSpace(r.c.FormValue("apiKey"))
	next := r.c.FormValue("next")
	view := signInView{Next: next, OIDC: p.oidc != nil}
	if key == "" {
		return p.renderForm(r, "signin", "Sign in", view, fieldErrors{{Field: "apiKey", Message: "Enter your API key"}})
	}
	in, err := p.app.SignInWithKey(r.ctx(), key)
	if app.Classify(err).Kind == app.KindUnauthenticated {
		// A valid key always signs in, whatever others have failed from
		// the same address (an office behind one address); failures are
		// braked, and a braked failure is not audited again: the brake
		// answers it, and a guesser cannot flood the audit log.
		if wait := p.guard.SignInFailed(r.c); wait > 0 {
			return p.tooMany(r, wait)
		}
		p.app.AuditFailedSignIn(r.ctx(), app.SignInKey)
		r.c.Status(http.StatusUnauthorized)
		return p.renderForm(r, "signin", "Sign in", view, fieldErrors{{Field: "apiKey", Message: "That key is not valid. Check it and try again, or ask your admin for a new one"}})
	}
	if err != nil {
		return err
	}
	return p.startSession(r, in, next)
}

// sendSignInLink emails a single-use sign-in link to the interpreter whose
// email this is. The answer is the same whoever the email belongs to, or
// nobody, so the form tells nobody who is an interpreter. Beside the
// address's rate limit of every signed-out page, each request counts
// towards the failed-sign-in brake, as a wrong key does: each may send an
// email, and a script must not fill an inbox from one address.
func (p *Pages) sendSignInLink(r *request) error {
	email := data.NormalizeEmail(r.c.FormValue("email"))
	view := signInView{OIDC: p.oidc != nil, Email: email}
	if email == "" {
		return p.renderForm(r, "signin", "Sign in", view, fieldErrors{{Field: "email", Message: "Enter your email address"}})
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > data.MaxEmailLength {
		return p.renderForm(r, "signin", "Sign in", view, fieldErrors{{Field: "email",
			Message: "Enter an email address in the correct format, like name@example.com"}})
	}
	if wait := p.guard.SignInFailed(r.c); wait > 0 {
		return p.tooMany(r, wait)
	}
	if err := p.app.SendSignInLink(r.ctx(), email); err != nil {
		return err
	}
	return r.c.Redirect("/sign-in?notice=link-sent", http.StatusSeeOther)
}

// signInWithLink signs in the holder of a sign-in link from their email,
// opening their session as a key does, and goes home. A link that was
// used, has run out or names nothing leads back to the sign-in page, which
// says so; it counts towards the failed-sign-in brake as a wrong key does.
func (p *Pages) signInWithLink(r *request) error {
	in, err := p.app.SignInWithLink(r.ctx(), r.c.Params("token"))
	if app.Classify(err).Kind == app.KindUnauthenticated {
		if wait := p.guard.SignInFailed(r.c); wait > 0 {
			return p.tooMany(r, wait)
		}
		return r.c.Redirect("/sign-in?failed=link", http.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	return p.startSession(r, in, "/")
}

// startSession sets the new session's cookie and goes where the visitor
// was going.
func (p *Pages) startSession(r *request, in app.SignedIn, next string) error {
	p.setSessionCookie(r.c, in.Token)
	p.log.InfoContext(r.ctx(), "signed in", "user_id", in.User.ID, "method", in.Session.Method)
	if !localPath(next) {
		next = "/"
	}
	return r.c.Redirect(next, http.StatusSeeOther)
}

// signOut ends the session in the store and clears the cookie.
func (p *Pages) signOut(r *request) error {
	if err := p.app.SignOut(r.ctx(), r.token); err != nil {
		return err
	}
	p.clearSessionCookie(r.c)
	return r.c.Redirect("/sign-in?notice=signed-out", http.StatusSeeOther)
}

// asset serves an embedded stylesheet or script. Assets hold nothing
// personal: browsers may keep them a day.
func (p *Pages) asset(c *fiber.Ctx) error {
	name := c.Params("name")
	b, err := assetFS.ReadFile("assets/" + name)
	if err != nil || strings.Contains(name, "/") {
		return c.Status(http.StatusNotFound).SendString("no such asset")
	}
	switch {
	case strings.HasSuffix(name, ".css"):
		c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	case strings.HasSuffix(name, ".js"):
		c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".svg"):
		c.Set(fiber.HeaderContentType, "image/svg+xml")
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return c.Send(b)
}

// favicon answers browsers that ask for /favicon.ico whatever the page's
// <link rel="icon"> says, without a session lookup: the icon is an asset.
func (p *Pages) favicon(c *fiber.Ctx) error {
	return c.Redirect("/assets/favicon.svg", http.StatusMovedPermanently)
}

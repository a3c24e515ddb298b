// Package web is tolk's HTML front door: server-rendered pages for social
// workers, coordinators, admins and interpreters (their invitations,
// bookings, hours and credentials, laid out for a phone first) over the
// same app calls as the JSON API, so every rule (roles, organisations,
// audit, hard rules) is the API's own.
// Pages are html/template with contextual escaping; templates and assets
// are embedded, so the binary serves them with nothing else installed.
// Every page works without JavaScript; the one script file is a small
// enhancement under a strict Content-Security-Policy (no inline script or
// style). Sessions live in the store (package app); state-changing requests
// carry a CSRF token and are refused from another origin.
package web

import (
	"embed"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Guard is what the edge lends the pages: the rate limits and the
// failed-sign-in brake it applies to the API too, so a key guessed through
// the sign-in form is braked like one guessed through /v1, and the
// request's ID. Each Wait and the brake return how long the client must
// wait, zero when it may go on.
type Guard interface {
	// AddressWait counts a signed-out request against its client address.
	AddressWait(c *fiber.Ctx) time.Duration
	// UserWait counts a signed-in request against its user.
	UserWait(c *fiber.Ctx, userID string) time.Duration
	// SignInFailed counts a failed sign-in against the client address and
	// returns the wait once the address is past the brake.
	SignInFailed(c *fiber.Ctx) time.Duration
	// RequestID returns the request's ID, shown on error pages.
	RequestID(c *fiber.Ctx) string
}

// Config is what the pages need.
type Config struct {
	App *app.App
	// Guard is the edge's: required.
	Guard  Guard
	Logger *slog.Logger
	// BaseURL is the service's public address. Cookies are Secure (and
	// named __Host-) when it is https; feed links are built on it.
	BaseURL string
	// OIDC, when set, offers sign-in with the organisation's identity
	// provider beside the API key.
	OIDC *OIDCConfig
	// Now is the clock; tests set it. Defaults to time.Now.
	Now func() time.Time
}

// Pages serves the web pages. It is an edge.Door owning every path the
// API does not: mount it on the edge.
type Pages struct {
	app     *app.App
	log     *slog.Logger
	baseURL string
	secure  bool
	now     func() time.Time
	oidc    *oidcClient
	views   views
	guard   Guard
}

// New returns the pages, with every template parsed (an error names the
// broken one). Config.Guard is required.
func New(cfg Config) (*Pages, error) {
	if cfg.Guard == nil {
		return nil, errors.New("web: Config.Guard is required")
	}
	p := &Pages{app: cfg.App, guard: cfg.Guard, log: cfg.Logger, baseURL: strings.TrimRight(cfg.BaseURL, "/"), now: cfg.Now}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.baseURL == "" {
		p.baseURL = "http://localhost:8080"
	}
	if u, err := url.Parse(p.baseURL); err == nil && u.Scheme == "https" {
		p.secure = true
	}
	v, err := parseViews()
	if err != nil {
		return nil, err
	}
	p.views = v
	if cfg.OIDC != nil {
		p.oidc = newOIDCClient(*cfg.OIDC, p.baseURL)
	}
	return p, nil
}

// Prefixes returns none: the pages own every path another door (the
// API) does not.
func (p *Pages) Prefixes() []string { return nil }

// Routes adds every page's route to r. A path no page has is answered by
// Answer: a signed-out visitor's sign-in page or a signed-in one's "page
// not found".
func (p *Pages) Routes(r fiber.Router) {
	r.Get("/assets/:name", p.asset)
	r.Get("/favicon.ico", p.favicon)

	r.Get("/sign-in", p.open(p.signInPage))
	r.Post("/sign-in", p.open(p.signIn))
	r.Get("/sign-in/oidc", p.open(p.oidcStart))
	r.Get("/sign-in/oidc/callback", p.open(p.oidcCallback))
	r.Post("/sign-in/link", p.open(p.sendSignInLink))
	r.Get("/sign-in/link/:token", p.open(p.signInWithLink))
	r.Post("/sign-out", p.signedIn(p.signOut))

	r.Get("/", p.signedIn(p.home))
	r.Get("/cases/new", p.signedIn(p.newCase))
	r.Post("/cases", p.signedIn(p.createCase))
	r.Get("/cases/:id", p.signedIn(p.showCase))
	r.Get("/cases/:id/edit", p.signedIn(p.editCase))
	r.Post("/cases/:id", p.signedIn(p.updateCase))
	r.Post("/cases/:id/close", p.signedIn(p.closeCase))
	r.Post("/cases/:id/reopen", p.signedIn(p.reopenCase))
	r.Get("/cases/:id/matches", p.signedIn(p.matches))
	r.Post("/bookings", p.signedIn(p.createBooking))
	r.Get("/bookings/:id", p.signedIn(p.showBooking))
	r.Get("/bookings/:id/invite.ics", p.signedIn(p.bookingInvite))
	r.Post("/bookings/:id/reschedule", p.signedIn(p.rescheduleBooking))
	r.Post("/bookings/:id/cancel", p.signedIn(p.cancelBooking))
	r.Post("/bookings/:id/dismiss", p.signedIn(p.dismissWithdrawal))
	r.Post("/bookings/:id/outcome", p.signedIn(p.recordOutcome))
	r.Post("/offers", p.signedIn(p.createOffer))
	r.Get("/offers/:id", p.signedIn(p.showOffer))
	r.Post("/offers/:id/cancel", p.signedIn(p.cancelOffer))
	r.Post("/transfers/:id/accept", p.signedIn(p.acceptTransfer))
	r.Post("/transfers/:id/decline", p.signedIn(p.declineTransfer))
	r.Post("/transfers/:id/withdraw", p.signedIn(p.withdrawTransfer))
	r.Post("/cases/:id/transfers", p.signedIn(p.sendTransfer))
	r.Get("/subscriptions", p.signedIn(p.subscriptions))
	r.Post("/subscriptions", p.signedIn(p.createSubscription))
	r.Post("/subscriptions/:id/revoke", p.signedIn(p.revokeSubscription))
	r.Get("/reports", p.signedIn(p.reportsPage))
	r.Get("/reports/unmet-need.csv", p.signedIn(p.unmetNeedCSV))
	r.Get("/reports/bookings.csv", p.signedIn(p.bookingsCSV))

	p.mountCoordinator(r)
	p.mountInterpreter(r)
}

// mountInterpreter adds the interpreter's own pages: their invitations
// (their home page is the list), bookings, hours and credentials. Their
// addresses name no interpreter: each is always the user's own. An
// invitation is also answered through the single-use link of its email,
// without signing in (/respond/{token}).
func (p *Pages) mountInterpreter(r fiber.Router) {
	r.Get("/respond/:token", p.open(p.respondPage))
	r.Post("/respond/:token", p.open(p.respond))
	r.Get("/invitations/:id", p.signedIn(p.showInvitation))
	r.Post("/invitations/:id/accept", p.signedIn(p.acceptInvitation))
	r.Post("/invitations/:id/decline", p.signedIn(p.declineInvitation))
	r.Get("/my/bookings", p.signedIn(p.myBookings))
	r.Get("/my/bookings/:id", p.signedIn(p.myBooking))
	r.Get("/my/bookings/:id/invite.ics", p.signedIn(p.myBookingInvite))
	r.Post("/my/bookings/:id/wellbeing", p.signedIn(p.markDistressing))
	r.Get("/my/hours", p.signedIn(p.hours))
	r.Post("/my/hours", p.signedIn(p.saveHours))
	r.Post("/my/hours/away", p.signedIn(p.addAway))
	r.Post("/my/hours/away/remove", p.signedIn(p.removeAway))
	r.Get("/my/credentials", p.signedIn(p.credentials))
}

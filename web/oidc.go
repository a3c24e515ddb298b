package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/oauth2"

	"github.com/tolk/tolk/app"
)

// OIDCConfig configures sign-in with an OpenID Connect provider.
type OIDCConfig struct {
	Issuer, ClientID, ClientSecret string
}

// String describes the configuration without its secret.
func (c OIDCConfig) String() string { return "issuer=" + c.Issuer + " client=" + c.ClientID }

// LogValue logs the configuration without its secret.
func (c OIDCConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("issuer", c.Issuer), slog.String("client_id", c.ClientID))
}

const (
	// oidcCookie holds a sign-in's state, nonce, PKCE verifier and the page
	// to go to afterwards, from the redirect to the provider to its answer.
	oidcCookie     = "tolk_oidc"
	oidcCookiePath = "/sign-in/oidc"
	// oidcCallbackPath is the redirect URL's path: admins register
	// {base URL}/sign-in/oidc/callback with their provider.
	oidcCallbackPath = "/sign-in/oidc/callback"
	// oidcSignInTime is how long a visitor has at the provider.
	oidcSignInTime = 10 * time.Minute
	// oidcDiscoveryTimeout bounds fetching the provider's configuration.
	oidcDiscoveryTimeout = 5 * time.Second
	// oidcHTTPTimeout bounds every other call to the provider (the code
	// exchange, its signing keys).
	oidcHTTPTimeout = 10 * time.Second
)

// oidcClient signs visitors in with the organisation's OpenID Connect
// provider. It discovers the provider on the first sign-in, not at
// start-up, so a provider that is down delays no start and fails only the
// sign-ins made while it is down; a failed discovery is tried again on
// the next sign-in.
type oidcClient struct {
	cfg         OIDCConfig
	redirectURL string
	http        *http.Client
	// discovering is held by the one request discovering the provider;
	// the others wait for it, or for their own deadline.
	discovering chan struct{}
	discovered  atomic.Pointer[oidcProvider]
}

// oidcProvider is a discovered provider: its endpoints, and the verifier
// of its ID tokens (issuer, audience, expiry, signature by its keys).
type oidcProvider struct {
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func newOIDCClient(cfg OIDCConfig, baseURL string) *oidcClient {
	return &oidcClient{
		cfg: cfg, redirectURL: baseURL + oidcCallbackPath,
		http:        &http.Client{Timeout: oidcHTTPTimeout},
		discovering: make(chan struct{}, 1),
	}
}

// provider returns the discovered provider, discovering it first if no
// sign-in has yet.
func (o *oidcClient) provider(ctx context.Context) (*oidcProvider, error) {
	if p := o.discovered.Load(); p != nil {
		return p, nil
	}
	select {
	case o.discovering <- struct{}{}:
		defer func() { <-o.discovering }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if p := o.discovered.Load(); p != nil {
		return p, nil // another request discovered it meanwhile
	}
	ctx, cancel := context.WithTimeout(ctx, oidcDiscoveryTimeout)
	defer cancel()
	// The provider keeps the client (not the context) for fetching its keys.
	found, err := oidc.NewProvider(oidc.ClientContext(ctx, o.http), o.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discovering %s: %w", o.cfg.Issuer, err)
	}
	p := &oidcProvider{
		oauth: oauth2.Config{
			ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, Endpoint: found.Endpoint(),
			RedirectURL: o.redirectURL, Scopes: []string{oidc.ScopeOpenID, "email", "profile"},
		},
		verifier: found.Verifier(&oidc.Config{ClientID: o.cfg.ClientID}),
	}
	o.discovered.Store(p)
	return p, nil
}

// oidcFailures are the messages the sign-in page shows for the codes a
// refused provider sign-in redirects with (/sign-in?failed=code). The
// log has the same code, and never the email or a token.
var oidcFailures = map[string]string{
	"unavailable": "tolk could not reach your organisation's sign-in service. Try again in a minute, or sign in with your API key.",
	"expired":     "Signing in took too long, or was started in another browser. Try again.",
	"state":       "tolk could not confirm that this sign-in was started here. Try again.",
	"refused":     "Your organisation's sign-in service did not sign you in. Try again, or ask your admin for help.",
	"exchange":    "tolk could not finish signing you in with your organisation's sign-in service. Try again, or ask your admin for help.",
	"token":       "tolk could not confirm who you are from your organisation's sign-in service. Ask your admin to check how tolk is set up.",
	"unverified":  "Your organisation's account did not confirm your email address, so tolk cannot tell who you are. Ask your admin for help.",
	"unknown":     "There is no tolk account for your email address. Ask your admin to add you, or sign in with your API key.",
}

// oidcState is what the tolk_oidc cookie carries from oidcStart to
// oidcCallback.
type oidcState struct {
	State, Nonce, Verifier, Next string
}

func (s oidcState) encode() string {
	v := url.Values{"state": {s.State}, "nonce": {s.Nonce}, "verifier": {s.Verifier}, "next": {s.Next}}
	return base64.RawURLEncoding.EncodeToString([]byte(v.Encode()))
}

func decodeOIDCState(cookie string) (oidcState, bool) {
	b, err := base64.RawURLEncoding.DecodeString(cookie)
	if err != nil {
		return oidcState{}, false
	}
	v, err := url.ParseQuery(string(b))
	if err != nil {
		return oidcState{}, false
	}
	s := oidcState{State: v.Get("state"), Nonce: v.Get("nonce"), Verifier: v.Get("verifier"), Next: v.Get("next")}
	return s, s.State != "" && s.Nonce != "" && s.Verifier != ""
}

// setOIDCCookie keeps a sign-in's state for oidcSignInTime: HttpOnly,
// SameSite=Lax (the provider's redirect back is a top-level GET, which
// carries it), Secure behind TLS, sent only to /sign-in/oidc.
func (p *Pages) setOIDCCookie(c *fiber.Ctx, value string, maxAge int) {
	c.Cookie(&fiber.Cookie{Name: oidcCookie, Value: value, Path: oidcCookiePath, HTTPOnly: true, Secure: p.secure,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: maxAge})
}

// oidcStart sends the visitor to the provider: a fresh state, nonce and
// PKCE verifier go into the tolk_oidc cookie, the state, nonce and the
// verifier's challenge into the provider's address.
func (p *Pages) oidcStart(r *request) error {
	if p.oidc == nil {
		return errNotFound
	}
	next := r.c.Query("next")
	if !localPath(next) {
		next = ""
	}
	prov, err := p.oidc.provider(r.ctx())
	if err != nil {
		// The issuer's address and the reason hold nothing personal, and
		// the admin needs them to fix the configuration.
		p.log.WarnContext(r.ctx(), "oidc sign-in refused", "code", "unavailable", "request_id", p.guard.RequestID(r.c), "error", err.Error())
		return r.c.Redirect(oidcFailedURL("unavailable", next), http.StatusSeeOther)
	}
	st := oidcState{State: rand.Text(), Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier(), Next: next}
	p.setOIDCCookie(r.c, st.encode(), int(oidcSignInTime/time.Second))
	return r.c.Redirect(prov.oauth.AuthCodeURL(st.State, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier)), http.StatusSeeOther)
}

// oidcCallback finishes a sign-in when the provider sends the visitor
// back: the state must be the cookie's; the code is exchanged with the
// PKCE verifier; the ID token must be the provider's, for this client,
// unexpired and carry the cookie's nonce and a verified email; that email
// must be a tolk user's. The tolk_oidc cookie is spent either way.
func (p *Pages) oidcCallback(r *request) error {
	if p.oidc == nil {
		return errNotFound
	}
	st, ok := decodeOIDCState(r.c.Cookies(oidcCookie))
	p.setOIDCCookie(r.c, "", -1)
	if !ok {
		return p.oidcRefused(r, "expired", "", "no sign-in cookie")
	}
	if subtle.ConstantTimeCompare([]byte(r.c.Query("state")), []byte(st.State)) != 1 {
		return p.oidcRefused(r, "state", st.Next, "state differs from the cookie's")
	}
	if perr := r.c.Query("error"); perr != "" {
		return p.oidcRefused(r, "refused", st.Next, "provider error "+oauthErrorCode(perr))
	}
	prov, err := p.oidc.provider(r.ctx())
	if err != nil {
		return p.oidcRefused(r, "unavailable", st.Next, err.Error())
	}
	ctx := oidc.ClientContext(r.ctx(), p.oidc.http)
	tok, err := prov.oauth.Exchange(ctx, r.c.Query("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		reason := "exchange failed"
		if re, ok := errors.AsType[*oauth2.RetrieveError](err); ok && re.Response != nil {
			reason = fmt.Sprintf("token endpoint answered %d %s", re.Response.StatusCode, oauthErrorCode(re.ErrorCode))
		}
		return p.oidcRefused(r, "exchange", st.Next, reason)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return p.oidcRefused(r, "token", st.Next, "no id_token")
	}
	id, err := prov.verifier.Verify(ctx, raw)
	if err != nil {
		return p.oidcRefused(r, "token", st.Next, idTokenReason(err))
	}
	if subtle.ConstantTimeCompare([]byte(id.Nonce), []byte(st.Nonce)) != 1 {
		return p.oidcRefused(r, "token", st.Next, "nonce differs from the cookie's")
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"`
		// EmailDomainOwnerVerified is Entra ID's optional claim xms_edov:
		// Entra sends no email_verified, but with xms_edov true the email's
		// domain is one the tenant has verified it owns.
		EmailDomainOwnerVerified any `json:"xms_edov"`
	}
	if err := id.Claims(&claims); err != nil {
		return p.oidcRefused(r, "token", st.Next, "unreadable claims")
	}
	verified, _ := claims.EmailVerified.(bool)
	if edov, _ := claims.EmailDomainOwnerVerified.(bool); claims.EmailVerified == nil && edov {
		verified = true
	}
	if !verified || claims.Email == "" {
		return p.oidcRefused(r, "unverified", st.Next, "email missing or not verified")
	}
	in, err := p.app.SignInWithEmail(r.ctx(), claims.Email)
	if app.Classify(err).Kind == app.KindUnauthenticated {
		if wait := p.guard.SignInFailed(r.c); wait > 0 {
			return p.tooMany(r, wait)
		}
		return p.oidcRefused(r, "unknown", st.Next, "no user has the email")
	}
	if err != nil {
		return err
	}
	return p.startSession(r, in, st.Next)
}

// oidcRefused logs a refused sign-in by its code and reason (neither
// holds the email or a token) and sends the visitor back to the sign-in
// page, which says what went wrong.
func (p *Pages) oidcRefused(r *request, code, next, reason string) error {
	p.log.WarnContext(r.ctx(), "oidc sign-in refused", "code", code, "reason", reason, "request_id", p.guard.RequestID(r.c))
	return r.c.Redirect(oidcFailedURL(code, next), http.StatusSeeOther)
}

// oidcFailedURL is the sign-in page showing a failure, keeping where the
// visitor was going.
func oidcFailedURL(code, next string) string {
	u := "/sign-in?failed=" + url.QueryEscape(code)
	if next != "" && next != "/" && localPath(next) {
		u += "&next=" + url.QueryEscape(next)
	}
	return u
}

// oauthErrorCode returns an OAuth error code fit for the log: RFC 6749's
// codes are short words of lower-case letters and underscores; anything
// else, which a visitor may have typed into the address, is "other".
func oauthErrorCode(code string) string {
	if code == "" || len(code) > 40 {
		return "other"
	}
	for _, r := range code {
		if (r < 'a' || r > 'z') && r != '_' {
			return "other"
		}
	}
	return code
}

// idTokenReason names why an ID token failed verification, for the log,
// without quoting the token.
func idTokenReason(err error) string {
	if _, ok := errors.AsType[*oidc.TokenExpiredError](err); ok {
		return "id token expired"
	}
	return "id token failed verification (signature, issuer or audience)"
}

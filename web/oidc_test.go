package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tolk/tolk/api"
	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
	"github.com/tolk/tolk/edge"
)

const (
	oidcClientID = "tolk-test"
	oidcSecret   = "s3cret-for-tests"
	oidcEmail    = "ada.okafor@council.example"
	oidcUserName = "Ada Okafor"
)

// oidcTestProvider is an OpenID provider: discovery, a JWKS with a key made
// for the test, an authorize endpoint that signs anybody in at once, and a
// token endpoint that checks the client secret and the PKCE verifier and
// returns a signed ID token. claims, when set, edits the next ID token;
// tamperState makes the authorize endpoint send back another state.
type oidcTestProvider struct {
	t   *testing.T
	srv *httptest.Server
	key *rsa.PrivateKey

	mu          sync.Mutex
	grants      map[string]oidcGrant // by code
	claims      func(map[string]any)
	tamperState bool
}

// oidcGrant is what an issued code stands for.
type oidcGrant struct {
	nonce, challenge, redirectURI string
}

// newOIDCTestProvider returns a provider that is not yet serving; start it.
func newOIDCTestProvider(t *testing.T) *oidcTestProvider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &oidcTestProvider{t: t, key: key, grants: map[string]oidcGrant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	p.srv = httptest.NewUnstartedServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// start serves the provider on ln.
func (p *oidcTestProvider) start(ln net.Listener) {
	p.srv.Listener.Close()
	p.srv.Listener = ln
	p.srv.Start()
}

func (p *oidcTestProvider) set(claims func(map[string]any), tamperState bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.claims, p.tamperState = claims, tamperState
}

func oidcWriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (p *oidcTestProvider) discovery(w http.ResponseWriter, r *http.Request) {
	oidcWriteJSON(w, http.StatusOK, map[string]any{
		"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize", "token_endpoint": p.srv.URL + "/token",
		"jwks_uri": p.srv.URL + "/jwks", "response_types_supported": []string{"code"},
		"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
	})
}

func (p *oidcTestProvider) jwks(w http.ResponseWriter, r *http.Request) {
	oidcWriteJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &p.key.PublicKey, KeyID: "test-key", Algorithm: string(jose.RS256), Use: "sig"},
	}})
}

func (p *oidcTestProvider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	scopes := strings.Fields(q.Get("scope"))
	switch {
	case q.Get("response_type") != "code", q.Get("client_id") != oidcClientID,
		q.Get("code_challenge_method") != "S256", q.Get("code_challenge") == "", q.Get("nonce") == "", q.Get("state") == "",
		!slices.Contains(scopes, "openid"), !slices.Contains(scopes, "email"), !slices.Contains(scopes, "profile"):
		p.t.Errorf("authorize request: %s", r.URL.RawQuery)
		http.Error(w, "bad authorize request", http.StatusBadRequest)
		return
	}
	code := rand.Text()
	state := q.Get("state")
	p.mu.Lock()
	p.grants[code] = oidcGrant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirectURI: q.Get("redirect_uri")}
	if p.tamperState {
		state = rand.Text()
	}
	p.mu.Unlock()
	back := q.Get("redirect_uri") + "?" + url.Values{"code": {code}, "state": {state}}.Encode()
	http.Redirect(w, r, back, http.StatusFound)
}

func (p *oidcTestProvider) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if id != oidcClientID || secret != oidcSecret {
		oidcWriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	p.mu.Lock()
	g, ok := p.grants[r.PostFormValue("code")]
	delete(p.grants, r.PostFormValue("code"))
	edit := p.claims
	p.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	if !ok || r.PostFormValue("grant_type") != "authorization_code" || r.PostFormValue("redirect_uri") != g.redirectURI ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		oidcWriteJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	now := time.Now()
	claims := map[string]any{
		"iss": p.srv.URL, "sub": "provider-user-1", "aud": oidcClientID, "exp": now.Add(5 * time.Minute).Unix(), "iat": now.Unix(),
		"nonce": g.nonce, "email": "Ada.Okafor@Council.example", "email_verified": true, "name": oidcUserName,
	}
	if edit != nil {
		edit(claims)
	}
	oidcWriteJSON(w, http.StatusOK, map[string]any{"access_token": rand.Text(), "token_type": "Bearer", "expires_in": 300,
		"id_token": p.sign(claims)})
}

// sign returns claims as a JWT signed with the provider's key.
func (p *oidcTestProvider) sign(claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: p.key, KeyID: "test-key"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		p.t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		p.t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		p.t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		p.t.Fatal(err)
	}
	return raw
}

// oidcLog is the server's log, written by its goroutines.
type oidcLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *oidcLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *oidcLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// oidcSite is tolk's server, built as cmd/tolk builds it, on a bolt store,
// with a social worker whose email the provider vouches for.
type oidcSite struct {
	base     string
	app      *app.App
	admin    data.User
	user     data.User
	provider *oidcTestProvider
	log      *oidcLog
}

// oidcSiteOptions change a test site: down leaves the provider's address
// unanswered until startProvider is called; https gives tolk an https base
// URL (it still serves plain HTTP, so the flow cannot be followed).
type oidcSiteOptions struct {
	down, https bool
}

// newOIDCSite starts tolk and, unless o.down, the provider; startProvider
// starts a provider that was down.
func newOIDCSite(t *testing.T, o oidcSiteOptions) (s *oidcSite, startProvider func()) {
	t.Helper()
	ctx := t.Context()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "tolk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close(ctx) })

	provLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + provLn.Addr().String()
	prov := newOIDCTestProvider(t)
	startProvider = func() { prov.start(provLn) }
	if o.down {
		addr := provLn.Addr().String()
		provLn.Close() // nothing listens there until startProvider
		startProvider = func() {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			prov.start(ln)
		}
	} else {
		startProvider()
	}

	s = &oidcSite{provider: prov, log: &oidcLog{}}
	log := slog.New(slog.NewJSONHandler(s.log, nil))
	s.app = app.New(app.Config{Store: store, Logger: log})
	const bootstrapKey = "bootstrap-key-for-the-oidc-tests-0123456789"
	if err := s.app.EnsureBootstrapAdmin(ctx, bootstrapKey); err != nil {
		t.Fatal(err)
	}
	if s.admin, err = s.app.Authenticate(ctx, bootstrapKey); err != nil {
		t.Fatal(err)
	}
	if s.user, _, err = s.app.CreateUser(ctx, s.admin, app.NewUser{Name: oidcUserName, Email: oidcEmail, Role: data.RoleSocialWorker}); err != nil {
		t.Fatal(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.base = "http://" + ln.Addr().String()
	baseURL := s.base
	if o.https {
		baseURL = "https://" + ln.Addr().String()
	}
	server := edge.New(edge.Config{Logger: log, RateLimits: true})
	pages, err := New(Config{App: s.app, Guard: server, Logger: log, BaseURL: baseURL,
		OIDC: &OIDCConfig{Issuer: issuer, ClientID: oidcClientID, ClientSecret: oidcSecret}})
	if err != nil {
		t.Fatal(err)
	}
	server.Mount(api.New(api.Config{App: s.app, Guard: server, Logger: log, BaseURL: baseURL}))
	server.Mount(pages)
	go server.Serve(ln)
	t.Cleanup(func() { server.Shutdown(context.WithoutCancel(t.Context())) })
	t.Cleanup(func() {
		if strings.Contains(strings.ToLower(s.log.String()), oidcEmail) {
			t.Errorf("the log holds the email:\n%s", s.log)
		}
	})
	return s, startProvider
}

// signIn follows the whole flow from the sign-in button, with a browser
// of its own, and returns that browser, where it landed and the page.
func (s *oidcSite) signIn(t *testing.T, next string) (*http.Client, *url.URL, string) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	browser := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	start := s.base + "/sign-in/oidc"
	if next != "" {
		start += "?next=" + url.QueryEscape(next)
	}
	res, err := browser.Get(start)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("landed on %s with %d:\n%s", res.Request.URL, res.StatusCode, body)
	}
	return browser, res.Request.URL, string(body)
}

// wantRefused checks the visitor landed on the sign-in page saying why.
func (s *oidcSite) wantRefused(t *testing.T, code string, landed *url.URL, page string) {
	t.Helper()
	if landed.Path != "/sign-in" || landed.Query().Get("failed") != code {
		t.Errorf("landed on %s, want /sign-in?failed=%s", landed, code)
	}
	if want := template.HTMLEscapeString(oidcFailures[code]); want == "" || !strings.Contains(page, want) {
		t.Errorf("the sign-in page does not say %q:\n%s", oidcFailures[code], page)
	}
	if strings.Contains(page, oidcUserName) {
		t.Errorf("a refused visitor sees the user's name")
	}
}

// actions returns the audit actions recorded about entity.
func (s *oidcSite) actions(t *testing.T, entity string) []string {
	t.Helper()
	page, err := s.app.ListAudit(t.Context(), s.admin, app.AuditFilter{EntityID: entity, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range page.Items {
		out = append(out, string(e.Action))
	}
	return out
}

func TestOIDCSignIn(t *testing.T) {
	s, _ := newOIDCSite(t, oidcSiteOptions{})
	browser, landed, page := s.signIn(t, "")
	if landed.String() != s.base+"/" {
		t.Errorf("landed on %s, want %s/", landed, s.base)
	}
	if !strings.Contains(page, oidcUserName) {
		t.Errorf("the home page does not name the user:\n%s", page)
	}
	if got := s.actions(t, s.user.ID); !slices.Contains(got, "session.started.oidc") {
		t.Errorf("audit of the user: %v, want session.started.oidc", got)
	}
	base, _ := url.Parse(s.base + "/sign-in/oidc/callback")
	for _, c := range browser.Jar.Cookies(base) {
		if c.Name == oidcCookie {
			t.Errorf("the tolk_oidc cookie outlives the sign-in")
		}
	}
	// Signed in: a page asked for afterwards is served, not sign-in.
	res, err := browser.Get(s.base + "/subscriptions")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/subscriptions" {
		t.Errorf("after signing in, /subscriptions landed on %s", res.Request.URL)
	}
}

// An admin revoking a user's key ends their access through the identity
// provider too, and their open sessions; a new key restores it.
func TestOIDCSignInAfterKeyRevoked(t *testing.T) {
	s, _ := newOIDCSite(t, oidcSiteOptions{})
	browser, _, _ := s.signIn(t, "")
	if err := s.app.RevokeKey(t.Context(), s.admin, s.user.ID); err != nil {
		t.Fatal(err)
	}
	res, err := browser.Get(s.base + "/subscriptions")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/sign-in" {
		t.Errorf("the session outlived the revocation: /subscriptions landed on %s", res.Request.URL)
	}
	_, landed, page := s.signIn(t, "/subscriptions")
	s.wantRefused(t, "unknown", landed, page)
	if _, err := s.app.IssueKey(t.Context(), s.admin, s.user.ID); err != nil {
		t.Fatal(err)
	}
	if _, landed, _ := s.signIn(t, "/subscriptions"); landed.Path != "/subscriptions" {
		t.Errorf("after a new key, sign-in landed on %s", landed)
	}
}

// Entra ID sends no email_verified; its optional claim xms_edov says the
// email's domain is verified by the tenant, and is taken instead.
func TestOIDCSignInEntraDomainOwnerVerified(t *testing.T) {
	s, _ := newOIDCSite(t, oidcSiteOptions{})
	s.provider.set(func(c map[string]any) { delete(c, "email_verified"); c["xms_edov"] = true }, false)
	if _, landed, _ := s.signIn(t, "/subscriptions"); landed.Path != "/subscriptions" {
		t.Errorf("with xms_edov true, landed on %s, want /subscriptions", landed)
	}
}

func TestOIDCSignInKeepsNext(t *testing.T) {
	s, _ := newOIDCSite(t, oidcSiteOptions{})
	if _, landed, _ := s.signIn(t, "/subscriptions"); landed.Path != "/subscriptions" {
		t.Errorf("landed on %s, want /subscriptions", landed)
	}
	if _, landed, _ := s.signIn(t, "//evil.example/x"); landed.String() != s.base+"/" {
		t.Errorf("with next=//evil.example/x, landed on %s, want %s/", landed, s.base)
	}
}

func TestOIDCRefused(t *testing.T) {
	for _, tc := range []struct {
		name        string
		claims      func(map[string]any)
		tamperState bool
		code        string
	}{
		{name: "unknown email", claims: func(c map[string]any) { c["email"] = "nobody@elsewhere.example" }, code: "unknown"},
		{name: "email not verified", claims: func(c map[string]any) { c["email_verified"] = false }, code: "unverified"},
		{name: "email_verified missing", claims: func(c map[string]any) { delete(c, "email_verified") }, code: "unverified"},
		{name: "email_verified a string", claims: func(c map[string]any) { c["email_verified"] = "true" }, code: "unverified"},
		{name: "no email", claims: func(c map[string]any) { delete(c, "email") }, code: "unverified"},
		{name: "Entra xms_edov false", claims: func(c map[string]any) { delete(c, "email_verified"); c["xms_edov"] = false }, code: "unverified"},
		{name: "xms_edov does not overrule email_verified false", claims: func(c map[string]any) { c["email_verified"] = false; c["xms_edov"] = true }, code: "unverified"},
		{name: "tampered state", tamperState: true, code: "state"},
		{name: "wrong nonce", claims: func(c map[string]any) { c["nonce"] = "another-nonce" }, code: "token"},
		{name: "another audience", claims: func(c map[string]any) { c["aud"] = "another-client" }, code: "token"},
		{name: "another issuer", claims: func(c map[string]any) { c["iss"] = "https://issuer.elsewhere.example" }, code: "token"},
		{name: "expired", claims: func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }, code: "token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newOIDCSite(t, oidcSiteOptions{})
			s.provider.set(tc.claims, tc.tamperState)
			browser, landed, page := s.signIn(t, "/subscriptions")
			s.wantRefused(t, tc.code, landed, page)
			if landed.Query().Get("next") != "/subscriptions" {
				t.Errorf("landed on %s, which forgets next=/subscriptions", landed)
			}
			if got := s.actions(t, s.user.ID); slices.Contains(got, "session.started.oidc") {
				t.Errorf("audit of the user: %v, want no session", got)
			}
			res, err := browser.Get(s.base + "/")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.Request.URL.Path != "/sign-in" {
				t.Errorf("a refused visitor opened / and landed on %s", res.Request.URL)
			}
			if !strings.Contains(s.log.String(), `"code":"`+tc.code+`"`) {
				t.Errorf("the log has no code %s:\n%s", tc.code, s.log)
			}
			if tc.code == "unknown" {
				if got := s.actions(t, "unknown"); !slices.Contains(got, "signin.failed.oidc") {
					t.Errorf("audit of unknown users: %v, want signin.failed.oidc", got)
				}
			}
		})
	}
}

func TestOIDCProviderDownAtFirstSignIn(t *testing.T) {
	s, startProvider := newOIDCSite(t, oidcSiteOptions{down: true})
	_, landed, page := s.signIn(t, "")
	s.wantRefused(t, "unavailable", landed, page)

	startProvider()
	_, landed, page = s.signIn(t, "")
	if landed.String() != s.base+"/" || !strings.Contains(page, oidcUserName) {
		t.Errorf("once the provider is up, sign-in landed on %s:\n%s", landed, page)
	}
}

func TestOIDCCallbackWithoutStart(t *testing.T) {
	s, _ := newOIDCSite(t, oidcSiteOptions{})
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	res, err := browser.Get(s.base + "/sign-in/oidc/callback?code=x&state=y")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	s.wantRefused(t, "expired", res.Request.URL, string(body))
}

func TestOIDCStartCookieAndRedirect(t *testing.T) {
	for _, https := range []bool{false, true} {
		s, _ := newOIDCSite(t, oidcSiteOptions{https: https})
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := noFollow.Get(s.base + "/sign-in/oidc?next=%2Fsubscriptions")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		to, err := url.Parse(res.Header.Get("Location"))
		if err != nil || res.StatusCode != http.StatusSeeOther || to.Host != s.provider.srv.Listener.Addr().String() || to.Path != "/authorize" {
			t.Fatalf("https=%t: %d to %s, want 303 to the provider's /authorize", https, res.StatusCode, res.Header.Get("Location"))
		}
		q := to.Query()
		scheme := map[bool]string{false: "http://", true: "https://"}[https]
		if want := scheme + strings.TrimPrefix(s.base, "http://") + "/sign-in/oidc/callback"; q.Get("redirect_uri") != want {
			t.Errorf("https=%t: redirect_uri %q, want %q", https, q.Get("redirect_uri"), want)
		}
		if q.Get("scope") != "openid email profile" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" ||
			q.Get("state") == "" || q.Get("nonce") == "" || q.Get("client_id") != oidcClientID {
			t.Errorf("https=%t: authorize query %s", https, to.RawQuery)
		}
		var cookie *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == oidcCookie {
				cookie = c
			}
		}
		switch {
		case cookie == nil:
			t.Fatalf("https=%t: no %s cookie", https, oidcCookie)
		case !cookie.HttpOnly, cookie.SameSite != http.SameSiteLaxMode, cookie.Path != "/sign-in/oidc",
			cookie.MaxAge != 600, cookie.Secure != https:
			t.Errorf("https=%t: cookie %s", https, cookie)
		}
		st, ok := decodeOIDCState(cookie.Value)
		if !ok || st.State != q.Get("state") || st.Next != "/subscriptions" || strings.Contains(to.RawQuery, st.Verifier) {
			t.Errorf("https=%t: the cookie holds %+v for the query %s", https, st, to.RawQuery)
		}
	}
}

func TestOIDCUnknownEmailIsBraked(t *testing.T) {
	s, _ := newOIDCSite(t, oidcSiteOptions{})
	s.provider.set(func(c map[string]any) { c["email"] = "nobody@elsewhere.example" }, false)
	for attempt := 1; attempt <= 30; attempt++ {
		jar, _ := cookiejar.New(nil)
		res, err := (&http.Client{Jar: jar}).Get(s.base + "/sign-in/oidc")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusTooManyRequests {
			if attempt < 5 || res.Request.URL.Path != "/sign-in/oidc/callback" || res.Header.Get("Retry-After") == "" {
				t.Errorf("attempt %d braked at %s (Retry-After %q)", attempt, res.Request.URL.Path, res.Header.Get("Retry-After"))
			}
			return
		}
	}
	t.Error("30 sign-ins with an unknown email, and none braked")
}

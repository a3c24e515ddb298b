package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// relayURL is an SMTP URL for port on 127.0.0.1, with the test account
// when withUser.
func relayURL(scheme string, port int, query string, withUser bool) string {
	u := url.URL{Scheme: scheme, Host: fmt.Sprintf("127.0.0.1:%d", port), RawQuery: query}
	if withUser {
		u.User = url.UserPassword(testUser, testPassword)
	}
	return u.String()
}

// newTestSender is New with the test clock and the test certificate
// trusted.
func newTestSender(t *testing.T, rawURL string, timeout time.Duration) Sender {
	t.Helper()
	s, err := New(Config{URL: rawURL, From: testFrom, Timeout: timeout, roots: testRoots(), now: fixedClock})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// TestSMTPDelivers sends real SMTP to an in-process server in each
// security mode: the server receives exactly Compose's bytes, from the
// sender to the recipient, and a password only when the URL has one, over
// TLS unless the URL said tls=none.
func TestSMTPDelivers(t *testing.T) {
	tests := []struct {
		name     string
		server   serverOptions
		scheme   string
		query    string
		withUser bool
		wantTLS  bool
		wantMech string
	}{
		{"no TLS, no auth", serverOptions{}, "smtp", "tls=none", false, false, ""},
		{"no TLS, auth as said", serverOptions{mechs: []string{"PLAIN"}, insecureAuth: true}, "smtp", "tls=none", true, false, "PLAIN"},
		{"STARTTLS, no auth", serverOptions{tls: "starttls"}, "smtp", "", false, true, ""},
		{"STARTTLS, PLAIN", serverOptions{tls: "starttls", mechs: []string{"PLAIN", "LOGIN"}}, "smtp", "", true, true, "PLAIN"},
		{"STARTTLS, LOGIN", serverOptions{tls: "starttls", mechs: []string{"CRAM-MD5", "LOGIN"}}, "smtp", "", true, true, "LOGIN"},
		{"implicit TLS, PLAIN", serverOptions{tls: "implicit", mechs: []string{"PLAIN"}}, "smtps", "", true, true, "PLAIN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, tt.server)
			s := newTestSender(t, relayURL(tt.scheme, srv.port, tt.query, tt.withUser), 5*time.Second)
			messages := []data.Message{requestMessage(t), plainMessage()}
			for _, m := range messages {
				if err := s.Send(t.Context(), m); err != nil {
					t.Fatalf("Send %s: %v", m.Kind, err)
				}
			}
			got := srv.received()
			if len(got) != len(messages) {
				t.Fatalf("the server received %d messages, want %d", len(got), len(messages))
			}
			for i, m := range messages {
				want := compose(t, m)
				if !bytes.Equal(withoutReceived(got[i].data), want) {
					t.Errorf("message %d differs from Compose's:\n%s", i, cmp.Diff(string(want), string(got[i].data)))
				}
				if got[i].from != "tolk@council.example" || !cmp.Equal(got[i].to, []string{m.To}) {
					t.Errorf("envelope from %q to %q", got[i].from, got[i].to)
				}
				if got[i].tls != tt.wantTLS {
					t.Errorf("message %d over TLS: %v, want %v", i, got[i].tls, tt.wantTLS)
				}
			}
			auths := srv.authAttempts()
			if tt.wantMech == "" {
				if len(auths) != 0 {
					t.Errorf("authenticated without a user in the URL: %+v", auths)
				}
				return
			}
			if len(auths) != len(messages) {
				t.Fatalf("%d AUTH exchanges, want one per message", len(auths))
			}
			for _, a := range auths {
				if a.mech != tt.wantMech || a.user != testUser || a.password != testPassword || a.tls != tt.wantTLS {
					t.Errorf("AUTH %s as %q, password right: %v, over TLS: %v; want %s over TLS: %v",
						a.mech, a.user, a.password == testPassword, a.tls, tt.wantMech, tt.wantTLS)
				}
			}
		})
	}
}

// TestSMTPConcurrentSends: one Sender delivers from many goroutines at
// once, each message on its own connection.
func TestSMTPConcurrentSends(t *testing.T) {
	srv := startServer(t, serverOptions{tls: "starttls", mechs: []string{"PLAIN"}})
	s := newTestSender(t, relayURL("smtp", srv.port, "", true), 5*time.Second)
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() { errs <- s.Send(t.Context(), plainMessage()) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	want := compose(t, plainMessage())
	got := srv.received()
	if len(got) != n {
		t.Fatalf("the server received %d messages, want %d", len(got), n)
	}
	for _, r := range got {
		if !bytes.Equal(r.data, want) {
			t.Error("a message differs from Compose's")
		}
	}
}

// TestSMTPRefusals: what goes wrong gives a *Refusal, temporary for 4xx
// replies and for every failure to connect, secure or authenticate,
// permanent for a 5xx reply to the message; no password is sent without
// TLS, and none appears in an error.
func TestSMTPRefusals(t *testing.T) {
	smtpErr := func(code int, msg string) *smtp.SMTPError {
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: msg}
	}
	tests := []struct {
		name      string
		url       func(t *testing.T) (string, *testServer)
		untrusted bool // trust no test certificate
		cancel    bool // Send with a cancelled context
		temporary bool
		code      int
		reason    string
	}{{
		name: "greeting 421",
		url: func(t *testing.T) (string, *testServer) {
			return relayURL("smtp", rawServer(t, "421 4.3.2 Service not available, closing channel\r\n"), "tls=none", false), nil
		},
		temporary: true, code: 421, reason: "connect: 421",
	}, {
		name: "MAIL 421",
		url: func(t *testing.T) (string, *testServer) {
			srv := startServer(t, serverOptions{mailErr: smtpErr(421, "Too busy, try later")})
			return relayURL("smtp", srv.port, "tls=none", false), srv
		},
		temporary: true, code: 421, reason: "MAIL FROM: 421",
	}, {
		name: "RCPT 451 greylisted",
		url: func(t *testing.T) (string, *testServer) {
			srv := startServer(t, serverOptions{rcptErr: smtpErr(451, "Greylisted, try again in 5 minutes")})
			return relayURL("smtp", srv.port, "tls=none", false), srv
		},
		temporary: true, code: 451, reason: "RCPT TO: 451",
	}, {
		name: "RCPT 550",
		url: func(t *testing.T) (string, *testServer) {
			srv := startServer(t, serverOptions{tls: "starttls", rcptErr: smtpErr(550, "No such user here")})
			return relayURL("smtp", srv.port, "", false), srv
		},
		temporary: false, code: 550, reason: "RCPT TO: 550",
	}, {
		name: "DATA 554",
		url: func(t *testing.T) (string, *testServer) {
			srv := startServer(t, serverOptions{dataErr: smtpErr(554, "Message refused as spam")})
			return relayURL("smtp", srv.port, "tls=none", false), srv
		},
		temporary: false, code: 554, reason: "end of message: 554",
	}, {
		name: "closed port",
		url: func(t *testing.T) (string, *testServer) {
			return relayURL("smtp", closedPort(t), "", true), nil
		},
		temporary: true, reason: "connection refused",
	}, {
		name: "no greeting: timeout",
		url: func(t *testing.T) (string, *testServer) {
			return relayURL("smtp", rawServer(t, ""), "", true), nil
		},
		temporary: true, reason: "connect: ",
	}, {
		name: "cancelled",
		url: func(t *testing.T) (string, *testServer) {
			srv := startServer(t, serverOptions{})
			return relayURL("smtp", srv.port, "tls=none", false), srv
		},
		cancel:    true,
		temporary: true, reason: "cancelled",
	}, {
		name: "STARTTLS not offered: no password in clear",
		url: func(t *testing.T) (string, *testServer) {
			srv := startServer(t, serverOptions{mechs: []string{"PLAIN", "LOGIN"}, insecureAuth: true})
			return relayURL("smtp", srv.port, "", true), srv
		},
		temporary: true, reason: "STARTTLS",
	}, {
		name: "untrusted certificate",
		url: func(t *testing.T) (string, *testServer) {
			srv := startServer(t, serverOptions{tls: "starttls", mechs: []string{"PLAIN"}})
			return relayURL("smtp", srv.port, "", true), srv
		},
		untrusted: true,
		temporary: true, reason: "certificate",
	}, {
		name: "implicit TLS to a plain server",
		url: func(t *testing.T) (string, *testServer) {
			srv := startServer(t, serverOptions{mechs: []string{"PLAIN"}, insecureAuth: true})
			return relayURL("smtps", srv.port, "", true), srv
		},
		temporary: true, reason: "connect: ",
	}, {
		name: "wrong password",
		url: func(t *testing.T) (string, *testServer) {
			srv := startServer(t, serverOptions{tls: "starttls", mechs: []string{"PLAIN"}})
			u := relayURL("smtp", srv.port, "", false)
			return strings.Replace(u, "smtp://", "smtp://"+testUser+":wrong@", 1), srv
		},
		temporary: true, code: 535, reason: "535",
	}, {
		name: "neither PLAIN nor LOGIN",
		url: func(t *testing.T) (string, *testServer) {
			srv := startServer(t, serverOptions{tls: "starttls", mechs: []string{"CRAM-MD5"}})
			return relayURL("smtp", srv.port, "", true), srv
		},
		temporary: true, reason: "neither PLAIN nor LOGIN",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rawURL, srv := tt.url(t)
			cfg := Config{URL: rawURL, From: testFrom, Timeout: 2 * time.Second, roots: testRoots(), now: fixedClock}
			if tt.untrusted {
				cfg.roots = nil
			}
			if tt.name == "no greeting: timeout" {
				cfg.Timeout = 300 * time.Millisecond
			}
			s, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			if tt.cancel {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				cancel()
			}
			start := time.Now()
			err = s.Send(ctx, plainMessage())
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Send took %v", d)
			}
			t.Logf("%v", err)
			r, ok := errors.AsType[*Refusal](err)
			if !ok {
				t.Fatalf("Send = %v, want a *Refusal", err)
			}
			if r.Temporary != tt.temporary || r.Code != tt.code || !strings.Contains(r.Reason, tt.reason) {
				t.Errorf("Refusal{Temporary: %v, Code: %d, Reason: %q}, want {%v, %d, containing %q}",
					r.Temporary, r.Code, r.Reason, tt.temporary, tt.code, tt.reason)
			}
			if tt.cancel && !errors.Is(err, context.Canceled) {
				t.Errorf("a cancelled Send's error %v is not context.Canceled", err)
			}
			if r.Reason != reason(r.Reason) || r.Reason == "" {
				t.Errorf("Reason %q is not one short line", r.Reason)
			}
			for _, secret := range []string{testPassword, url.QueryEscape(testPassword), "s3cret"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error names the password: %v", err)
				}
			}
			if srv != nil {
				if got := srv.received(); len(got) != 0 {
					t.Errorf("the server received %d messages", len(got))
				}
				for _, a := range srv.authAttempts() {
					if !a.tls {
						t.Errorf("a password was sent without TLS (%s)", a.mech)
					}
				}
				if tt.reason == "STARTTLS" || tt.reason == "certificate" || strings.Contains(tt.name, "neither") {
					if a := srv.authAttempts(); len(a) != 0 {
						t.Errorf("AUTH was attempted: %+v", a)
					}
				}
			}
		})
	}
}

func TestParseURL(t *testing.T) {
	valid := []struct {
		url  string
		want relay
	}{
		{"smtp://relay.example", relay{scheme: "smtp", host: "relay.example", port: 587, security: startTLS}},
		{"smtp://relay.example:2525/?tls=starttls", relay{scheme: "smtp", host: "relay.example", port: 2525, security: startTLS}},
		{"smtp://apikey:hunter2@smtp.office365.example:587", relay{
			scheme: "smtp", host: "smtp.office365.example", port: 587, security: startTLS, user: "apikey", password: "hunter2",
		}},
		{"smtps://u%40council.example:p%40ss%3Aw@relay.example", relay{
			scheme: "smtps", host: "relay.example", port: 465, security: implicitTLS, user: "u@council.example", password: "p@ss:w",
		}},
		{"smtps://relay.example:2465?tls=implicit", relay{scheme: "smtps", host: "relay.example", port: 2465, security: implicitTLS}},
		{"SMTP://127.0.0.1?tls=none", relay{scheme: "smtp", host: "127.0.0.1", port: 25, security: noTLS}},
		{"smtp://[::1]:26?tls=none", relay{scheme: "smtp", host: "::1", port: 26, security: noTLS}},
	}
	for _, tt := range valid {
		got, err := parseURL(tt.url)
		if err != nil {
			t.Errorf("parseURL(%q): %v", tt.url, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(relay{})); diff != "" {
			t.Errorf("parseURL(%q) (-want +got):\n%s", tt.url, diff)
		}
	}

	invalid := []struct{ url, says string }{
		{"http://relay.example", "scheme"},
		{"relay.example:587", "scheme"},
		{"smtp:relay.example", "needs a host"},
		{"smtp://", "needs a host"},
		{"smtp://u:hunter2@:587", "needs a host"},
		{"smtp://relay.example/inbox", "no path"},
		{"smtp://relay.example#x", "no path"},
		{"smtp://relay.example?tls=none&tls=none", "twice"},
		{"smtp://relay.example?starttls=1", "unknown"},
		{"smtp://relay.example?tls=yes", "unknown"},
		{"smtps://relay.example?tls=none", "contradicts"},
		{"smtps://relay.example?tls=starttls", "contradicts"},
		{"smtp://relay.example:0", "port"},
		{"smtp://relay.example:99999", "port"},
		{"smtp://relay.example:abc", "does not parse"},
		{"smtp://apikey@relay.example", "both a user and a password"},
		{"smtp://:hunter2@relay.example", "both a user and a password"},
		{"smtp://apikey:hun%zzter2@relay.example", "does not parse"},
		{"smtp://apikey:hunter2@relay.example:99999", "port"},
		{"smtp://apikey:hunter2@relay example", "does not parse"},
	}
	for _, tt := range invalid {
		_, err := parseURL(tt.url)
		if err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("parseURL(%q) = %v, want an error saying %q", tt.url, err, tt.says)
			continue
		}
		for _, secret := range []string{"hunter2", "hun", "%zz"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("parseURL(%q): %q repeats the password", tt.url, err)
			}
		}
	}
}

func TestNewSMTP(t *testing.T) {
	wheres := map[string]string{
		"smtp://apikey:hunter2@relay.example:587":      "smtp://relay.example:587 with STARTTLS and authentication",
		"smtp://relay.example":                         "smtp://relay.example:587 with STARTTLS",
		"smtps://apikey:hunter2@relay.example":         "smtps://relay.example:465 with implicit TLS and authentication",
		"smtp://localhost?tls=none":                    "smtp://localhost:25 without TLS",
		"smtp://apikey:hunter2@[2001:db8::1]?tls=none": "smtp://[2001:db8::1]:25 without TLS and authentication",
	}
	for u, want := range wheres {
		s, err := New(Config{URL: u})
		if err != nil {
			t.Errorf("New(%q): %v", u, err)
			continue
		}
		if got := s.Where(); got != want {
			t.Errorf("Where() = %q, want %q", got, want)
		}
	}

	for _, cfg := range []Config{
		{URL: "smtp://relay.example", From: "not an address"},
		{URL: "smtp://relay.example", From: "tolk@council.example\r\nBcc: x@example.org"},
		{URL: "smtp://relay.example", From: "tolk@[127.0.0.1]"},
		{URL: "smtp://relay.example", From: "tölk@council.example"},
		{URL: "smtp://relay.example", Timeout: -time.Second},
		{URL: "ftp://apikey:hunter2@relay.example"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted it", cfg)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("New: %q names the password", err)
		}
	}
}

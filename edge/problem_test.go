package edge

import (
	"strings"
	"testing"
	"time"
)

// TestHTTPLayerAnswersAreProblems: what the HTTP layer refuses before any
// handler runs (headers too large, a request line that is not HTTP, a
// request not received in time) is answered as problem+json with a request
// ID, and logged under that ID.
func TestHTTPLayerAnswersAreProblems(t *testing.T) {
	addr, logs := serveTCP(t, func(c *Config) { c.ReadTimeout = 300 * time.Millisecond })
	for _, tc := range []struct {
		name    string
		payload string
		status  int
		code    string
	}{
		{"headers too large", "GET /healthz HTTP/1.1\r\nHost: tolk\r\nX-Big: " + strings.Repeat("a", 16<<10) + "\r\n\r\n", 431, "headers_too_large"},
		{"a garbage request line", "\x16\x03\x01\x02\x00 not http at all\r\n\r\n", 400, "bad_request"},
		{"no request line at all", "HELLO\r\n\r\n", 400, "bad_request"},
		{"an unknown method", "BREW /pot HTTP/1.1\r\nHost: tolk\r\nConnection: close\r\n\r\n", 501, "not_implemented"},
		{"headers never finished", "GET /healthz HTTP/1.1\r\nHost: tolk\r\n", 408, "request_timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, _ := exchange(t, addr, []byte(tc.payload))
			got := responses(t, raw)
			if len(got) != 1 {
				t.Fatalf("%d responses, want 1:\n%q", len(got), raw)
			}
			id := wireProblem(t, got[0], tc.status, tc.code)
			wantLogged(t, logs, id, tc.status)
			if strings.Contains(logs.String(), "not http at all") || strings.Contains(logs.String(), "aaaaaaaa") {
				t.Error("the log holds bytes of the refused request")
			}
		})
	}
}

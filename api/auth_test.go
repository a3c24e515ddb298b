package api

import (
	"fmt"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/edge"
)

// failFrom sends one request with a wrong key, through a proxy that says
// the client is xff when xff is not empty, and returns the status.
func (h *harness) failFrom(xff string, i int) response {
	h.t.Helper()
	headers := []string{"Authorization", "Bearer wrong-" + strconv.Itoa(i)}
	if xff != "" {
		headers = append(headers, "X-Forwarded-For", xff)
	}
	return h.do("", "GET", "/v1/me", nil, headers...)
}

// TestBrakeNeverRefusesAValidKey: behind one NAT or proxy address, a
// guesser's failures brake further failures from that address (429 with
// Retry-After), but a colleague's valid key still works. When the window
// ends, failures are answered 401 again.
func TestBrakeNeverRefusesAValidKey(t *testing.T) {
	h := newHarness(t, func(c *edge.Config) { c.RateLimits = true })
	for i := range edge.FailuresAllowed {
		if r := h.failFrom("", i); r.status != 401 {
			t.Fatalf("failure %d: status %d", i, r.status)
		}
	}
	r := h.failFrom("", 99)
	h.wantProblem(r, 429, "rate_limited")
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Errorf("Retry-After = %q", r.header.Get("Retry-After"))
	}
	for range 3 {
		if r := h.do(data.RoleAdmin, "GET", "/v1/me", nil); r.status != 200 {
			t.Fatalf("a valid key from the braked address: %d %s", r.status, r.body)
		}
	}
	h.wantProblem(h.failFrom("", 100), 429, "rate_limited")
	h.now = h.now.Add(edge.FailureWindow + time.Second)
	h.wantProblem(h.failFrom("", 101), 401, "unauthenticated")
}

// TestBrakeGroupsIPv6By64: one IPv6 client holds a /64, so its failures
// count together however it varies the low bits; the next /64 is another client.
func TestBrakeGroupsIPv6By64(t *testing.T) {
	h := newHarness(t, func(c *edge.Config) {
		c.RateLimits = true
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")} // app.Test's remote address
	})
	for i := range edge.FailuresAllowed {
		if r := h.failFrom(fmt.Sprintf("2001:db8:1:2:%x::%x", i, i+1), i); r.status != 401 {
			t.Fatalf("failure %d: status %d", i, r.status)
		}
	}
	h.wantProblem(h.failFrom("2001:db8:1:2:ffff:ffff:ffff:ffff", 98), 429, "rate_limited")
	h.wantProblem(h.failFrom("2001:db8:1:3::1", 99), 401, "unauthenticated")
	// An IPv4 address stands alone: its neighbour is not braked.
	for i := range edge.FailuresAllowed + 1 {
		h.failFrom("203.0.113.7", i)
	}
	h.wantProblem(h.failFrom("203.0.113.7", 0), 429, "rate_limited")
	h.wantProblem(h.failFrom("203.0.113.8", 0), 401, "unauthenticated")
}

// TestBrakeUsesTheClientAddressOnlyFromTrustedProxies: X-Forwarded-For is
// believed only from a configured proxy, and then only its rightmost
// untrusted entry (a client may put anything on the left).
func TestBrakeUsesTheClientAddressOnlyFromTrustedProxies(t *testing.T) {
	// No proxy trusted: the header is ignored, every failure is the remote address's.
	h := newHarness(t, func(c *edge.Config) { c.RateLimits = true })
	for i := range edge.FailuresAllowed {
		h.failFrom("198.51.100."+strconv.Itoa(i), i)
	}
	h.wantProblem(h.failFrom("198.51.100.250", 0), 429, "rate_limited")

	// The remote address is a trusted proxy: the client is the entry it added.
	h = newHarness(t, func(c *edge.Config) {
		c.RateLimits = true
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32"), netip.MustParsePrefix("10.0.0.0/8")}
	})
	for i := range edge.FailuresAllowed {
		// A guesser forging the leftmost entry does not escape the brake.
		h.failFrom("192.0.2."+strconv.Itoa(i)+", 203.0.113.9, 10.1.2.3", i)
	}
	h.wantProblem(h.failFrom("192.0.2.200, 203.0.113.9", 0), 429, "rate_limited")
	h.wantProblem(h.failFrom("203.0.113.10", 0), 401, "unauthenticated")
}

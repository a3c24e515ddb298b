package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/edge"
)

// TestTrustedProxiesConfig: TOLK_TRUSTED_PROXIES is a comma-separated list
// of addresses and CIDR ranges; a bad entry stops the start with an error
// naming the variable and the entry.
func TestTrustedProxiesConfig(t *testing.T) {
	env := map[string]string{"TOLK_TRUSTED_PROXIES": " 10.0.0.0/8, 192.0.2.1 ,2001:db8::/32,::ffff:198.51.100.7"}
	cfg, err := parseConfig([]string{"serve"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32"),
		netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("198.51.100.7/32"),
	}
	if !slices.Equal(cfg.TrustedProxies, want) {
		t.Errorf("TrustedProxies = %v, want %v", cfg.TrustedProxies, want)
	}
	var buf bytes.Buffer
	slogJSON(&buf, cfg)
	if !strings.Contains(buf.String(), "10.0.0.0/8") {
		t.Errorf("the configuration log does not show the trusted proxies: %s", buf.String())
	}
	if cfg, err := parseConfig([]string{"serve"}, func(string) string { return "" }, io.Discard); err != nil || len(cfg.TrustedProxies) != 0 {
		t.Errorf("unset: %v, %v", cfg.TrustedProxies, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "10.0.0.1,,10.0.0.2", "10.0.0.300", "10.0.0.1/8"} {
		_, err := parseConfig([]string{"serve"}, func(k string) string {
			if k == "TOLK_TRUSTED_PROXIES" {
				return bad
			}
			return ""
		}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "TOLK_TRUSTED_PROXIES") {
			t.Errorf("%q: error %v, want one naming TOLK_TRUSTED_PROXIES", bad, err)
		}
	}
}

// TestServeBehindAProxy: through run, the brake keys on the address a
// trusted proxy (TOLK_TRUSTED_PROXIES) forwards, and an oversized body sent
// without Expect: 100-continue draws the 413 problem, not a reset.
func TestServeBehindAProxy(t *testing.T) {
	in := start(t, map[string]string{"TOLK_DB": t.TempDir() + "/tolk.db", "TOLK_TRUSTED_PROXIES": "127.0.0.1"})
	fail := func(client string) int {
		req, _ := http.NewRequest("GET", in.base+"/v1/me", nil)
		req.Header.Set("Authorization", "Bearer wrong")
		req.Header.Set("X-Forwarded-For", client)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for range 20 {
		fail("203.0.113.1")
	}
	if got := fail("203.0.113.1"); got != 429 {
		t.Errorf("the guessing client: %d, want 429", got)
	}
	if got := fail("203.0.113.2"); got != 401 {
		t.Errorf("another client behind the same proxy: %d, want 401", got)
	}

	conn, err := net.Dial("tcp", strings.TrimPrefix(in.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.(*net.TCPConn).SetWriteBuffer(32 << 10)
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	body := bytes.Repeat([]byte("x"), 2_000_000)
	head := "POST /v1/cases HTTP/1.1\r\nHost: tolk\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	if _, err := conn.Write(append([]byte(head), body...)); err != nil {
		t.Fatalf("writing 2 MB: %v", err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 413 || res.Header.Get("Content-Type") != "application/problem+json" || res.Header.Get("X-Request-ID") == "" {
		t.Errorf("%d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("X-Request-ID"))
	}
}

// TestRateLimitConfig: TOLK_RATE_LIMIT_PER_KEY, _PER_ADDRESS and _PER_FEED
// take "N/s|m|h" with an optional "burst=B" (default: ten seconds' worth);
// unset, they are edge's defaults; a bad value stops the start with an
// error naming the variable. The configuration log shows them.
func TestRateLimitConfig(t *testing.T) {
	env := map[string]string{"TOLK_RATE_LIMIT_PER_KEY": "1200/m", "TOLK_RATE_LIMIT_PER_FEED": " 30/h  burst=5 "}
	cfg, err := parseConfig([]string{"serve"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := (edge.Rate{N: 1200, Per: time.Minute, Burst: 200}); cfg.PerKey != want {
		t.Errorf("PerKey = %+v, want %+v", cfg.PerKey, want)
	}
	if cfg.PerAddress != edge.DefaultPerAddress {
		t.Errorf("PerAddress = %+v, want the default %+v", cfg.PerAddress, edge.DefaultPerAddress)
	}
	if want := (edge.Rate{N: 30, Per: time.Hour, Burst: 5}); cfg.PerFeed != want {
		t.Errorf("PerFeed = %+v, want %+v", cfg.PerFeed, want)
	}
	var buf bytes.Buffer
	slogJSON(&buf, cfg)
	for _, want := range []string{`"rate_limit_per_key":"1200/m burst=200"`, `"rate_limit_per_address":"600/m burst=100"`, `"rate_limit_per_feed":"30/h burst=5"`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("the configuration log lacks %s: %s", want, buf.String())
		}
	}
	for in, want := range map[string]edge.Rate{
		"600/m":                   edge.DefaultPerKey,
		"60/m burst=20":           edge.DefaultPerFeed,
		"10/s":                    {N: 10, Per: time.Second, Burst: 100},
		"1/h":                     {N: 1, Per: time.Hour, Burst: 1},
		"6/m burst=1":             {N: 6, Per: time.Minute, Burst: 1},
		"1000000/s burst=1000000": {N: 1_000_000, Per: time.Second, Burst: 1_000_000},
	} {
		if got, err := edge.ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, name := range []string{"TOLK_RATE_LIMIT_PER_KEY", "TOLK_RATE_LIMIT_PER_ADDRESS", "TOLK_RATE_LIMIT_PER_FEED"} {
		for _, bad := range []string{"600", "600/d", "0/m", "-1/m", "x/m", "600/m burst=0", "600/m burst", "600/m burst=5 more", "600/m/s", "2000000/s"} {
			_, err := parseConfig([]string{"serve"}, func(k string) string {
				if k == name {
					return bad
				}
				return ""
			}, io.Discard)
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s=%q: error %v, want one naming the variable", name, bad, err)
			}
		}
	}
}

// TestServeRateLimitsAndHeaders: through run, TOLK_RATE_LIMIT_PER_ADDRESS
// is in force (429 rate_limited with Retry-After) and every answer carries
// the security headers; TOLK_RATE_LIMITS=off lifts the limits.
func TestServeRateLimitsAndHeaders(t *testing.T) {
	get := func(base string) *http.Response {
		res, err := http.Get(base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	// start's own readiness probe spends the first of the three.
	in := start(t, map[string]string{"TOLK_DB": t.TempDir() + "/tolk.db", "TOLK_RATE_LIMIT_PER_ADDRESS": "3/h burst=3"})
	for range 2 {
		if res := get(in.base); res.StatusCode != 200 {
			t.Fatalf("within the burst: %d", res.StatusCode)
		}
	}
	res := get(in.base)
	if retry, _ := strconv.Atoi(res.Header.Get("Retry-After")); res.StatusCode != 429 || retry < 1190 || retry > 1200 {
		t.Errorf("over the limit: %d, Retry-After %q; want 429 and about 1200", res.StatusCode, res.Header.Get("Retry-After"))
	}
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "X-Frame-Options": "DENY",
		"Referrer-Policy": "no-referrer", "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}

	off := start(t, map[string]string{"TOLK_DB": t.TempDir() + "/tolk.db", "TOLK_RATE_LIMITS": "off", "TOLK_RATE_LIMIT_PER_ADDRESS": "3/h burst=3"})
	for i := range 10 {
		if res := get(off.base); res.StatusCode != 200 {
			t.Fatalf("request %d with TOLK_RATE_LIMITS=off: %d", i, res.StatusCode)
		}
	}
}

// TestMatchTurnsConfig: matches are worked out as many at once as the
// process has CPUs with the embedded store, four times that with
// MongoDB, or TOLK_MATCH_TURNS; a value that is not a whole number from 1
// to 1024 stops the service naming the variable.
func TestMatchTurnsConfig(t *testing.T) {
	parse := func(env map[string]string) (config, error) {
		return parseConfig([]string{"serve"}, func(k string) string { return env[k] }, io.Discard)
	}
	cpus := runtime.GOMAXPROCS(0)
	for _, c := range []struct {
		env  map[string]string
		want int
	}{
		{nil, cpus},
		{map[string]string{"TOLK_MONGODB_URI": "mongodb://db.invalid"}, 4 * cpus},
		{map[string]string{"TOLK_MATCH_TURNS": "3"}, 3},
	} {
		cfg, err := parse(c.env)
		if err != nil || cfg.MatchTurns != c.want {
			t.Errorf("%v: %d turns, %v; want %d", c.env, cfg.MatchTurns, err, c.want)
		}
	}
	var buf bytes.Buffer
	cfg, _ := parse(map[string]string{"TOLK_MATCH_TURNS": "3"})
	slogJSON(&buf, cfg)
	if !strings.Contains(buf.String(), `"match_turns":3`) {
		t.Errorf("the configuration log lacks the turns: %s", buf.String())
	}
	for _, bad := range []string{"0", "-1", "two", "1025", "2.5"} {
		if _, err := parse(map[string]string{"TOLK_MATCH_TURNS": bad}); err == nil || !strings.Contains(err.Error(), "TOLK_MATCH_TURNS") {
			t.Errorf("TOLK_MATCH_TURNS=%q: error %v, want one naming the variable", bad, err)
		}
	}
}

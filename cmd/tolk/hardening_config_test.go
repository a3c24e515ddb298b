package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
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

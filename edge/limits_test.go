package edge

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHeaderAndQueryLimits over the wire: the request line and headers
// together are bounded by 4 KiB (431), the request target by 2 KiB (414),
// each a problem+json with the security headers; a request within both
// is served.
func TestHeaderAndQueryLimits(t *testing.T) {
	addr, logs := serveTCP(t)
	for _, tc := range []struct {
		name, payload string
		status        int
		code          string
	}{
		{"an 8 KB query", "GET /v1/bookings?cursor=" + strings.Repeat("q", 8<<10) + " HTTP/1.1\r\nHost: tolk\r\n\r\n", 431, "headers_too_large"},
		{"a 3 KB query", "GET /v1/bookings?cursor=" + strings.Repeat("q", 3<<10) + " HTTP/1.1\r\nHost: tolk\r\nConnection: close\r\n\r\n", 414, "uri_too_long"},
		{"5 KB of headers", "GET /healthz HTTP/1.1\r\nHost: tolk\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("p", 93)+"\r\n", 50) + "\r\n", 431, "headers_too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, _ := exchange(t, addr, []byte(tc.payload))
			got := responses(t, raw)
			if len(got) != 1 {
				t.Fatalf("%d responses, want 1:\n%q", len(got), raw)
			}
			id := wireProblem(t, got[0], tc.status, tc.code)
			wantSecurityHeaders(t, tc.name, got[0].Header, "no-store")
			wantLogged(t, logs, id, tc.status)
		})
	}
	raw, _ := exchange(t, addr, []byte("GET /healthz?q="+strings.Repeat("q", 1<<10)+" HTTP/1.1\r\nHost: tolk\r\nConnection: close\r\n\r\n"))
	if got := responses(t, raw); len(got) != 1 || got[0].StatusCode != 200 {
		t.Errorf("a 1 KB query: %q", raw)
	}
}

// TestURITooLong: a request target over MaxURIBytes is a 414 problem,
// before any door sees it; one of exactly MaxURIBytes passes.
func TestURITooLong(t *testing.T) {
	e := newTestEdge(t)
	res := get(t, e, "GET", "/v1/bookings?cursor="+strings.Repeat("a", MaxURIBytes))
	wireProblem(t, res, 414, "uri_too_long")
	wantSecurityHeaders(t, "414", res.Header, "no-store")
	if res := get(t, e, "GET", "/healthz?q="+strings.Repeat("a", MaxURIBytes-len("/healthz?q="))); res.StatusCode != 200 {
		t.Errorf("a URI of exactly %d bytes: %d", MaxURIBytes, res.StatusCode)
	}
}

// TestOversizedBodyWithoutExpectGets413: a client that sends a 2 MB body
// without Expect: 100-continue, and reads only once it has written it all
// (as Python's urllib and requests do), gets the 413 problem, not a reset.
func TestOversizedBodyWithoutExpectGets413(t *testing.T) {
	addr, logs := serveTCP(t)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// On loopback the kernel's buffers would swallow 2 MB whole; keep the
	// client's small, so that most of the body is still on its way when
	// the server answers, as over a real network.
	if err := conn.(*net.TCPConn).SetWriteBuffer(32 << 10); err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	body := bytes.Repeat([]byte(`{"name":"x"}`), 2_000_000/12)
	head := "POST /v1/interpreters HTTP/1.1\r\nHost: tolk\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	if _, err := conn.Write(append([]byte(head), body...)); err != nil {
		t.Fatalf("writing the 2 MB body: %v (the server reset the connection before answering)", err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	defer res.Body.Close()
	id := wireProblem(t, res, 413, "body_too_large")
	wantLogged(t, logs, id, 413)
}

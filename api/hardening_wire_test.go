package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests talk to a real listener over raw TCP: what they probe (framing,
// bodies the service refuses unread, answers from the HTTP layer itself)
// never reaches a handler driven through app.Test.

// syncBuffer is a log sink the server's goroutines and the test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveTCP serves h's API on 127.0.0.1 as cmd/tolk does, logging into the
// returned buffer, and returns the address.
func serveTCP(t *testing.T, opts ...func(*Config)) (addr string, logs *syncBuffer) {
	t.Helper()
	logs = &syncBuffer{}
	opts = append(opts, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(logs, nil)) })
	h := newHarness(t, opts...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- Serve(h.app, ln) }()
	t.Cleanup(func() {
		if err := h.app.ShutdownWithTimeout(10 * time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		<-served
	})
	return ln.Addr().String(), logs
}

// exchange writes payload on a new connection, then reads until the server
// closes it or 2 s pass. closed reports whether the server closed it.
func exchange(t *testing.T, addr string, payload []byte) (answer []byte, closed bool) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write(payload); err != nil {
		t.Fatalf("write: %v", err)
	}
	answer, err = io.ReadAll(conn)
	var ne net.Error
	return answer, err == nil || !(errors.As(err, &ne) && ne.Timeout())
}

// responses parses every HTTP response in raw, in order.
func responses(t *testing.T, raw []byte) []*http.Response {
	t.Helper()
	var out []*http.Response
	br := bufio.NewReader(bytes.NewReader(raw))
	for {
		if _, err := br.Peek(1); err != nil {
			return out
		}
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d does not parse: %v\n%q", len(out)+1, err, raw)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body = io.NopCloser(bytes.NewReader(body))
		out = append(out, res)
	}
}

// wireProblem checks that res is a problem+json answer with the status and
// code, carrying one request ID in X-Request-ID and requestId, and returns that ID.
func wireProblem(t *testing.T, res *http.Response, status int, code string) string {
	t.Helper()
	if res.StatusCode != status {
		t.Errorf("status = %d, want %d", res.StatusCode, status)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var p Problem
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
		t.Fatalf("body is not a problem: %v", err)
	}
	if p.Status != status || p.Code != code || p.Detail == "" {
		t.Errorf("problem = %+v, want status %d code %s with a detail", p, status, code)
	}
	id := res.Header.Get("X-Request-ID")
	if id == "" || p.RequestID != id {
		t.Errorf("X-Request-ID %q, requestId %q: want the same ID in both", id, p.RequestID)
	}
	return id
}

// wantLogged checks that the log has a line for request id with status.
func wantLogged(t *testing.T, logs *syncBuffer, id string, status int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		for line := range strings.Lines(logs.String()) {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil && rec["request_id"] == id && rec["status"] == float64(status) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Errorf("no log line with request_id %q and status %d in:\n%s", id, status, logs.String())
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAmbiguousFramingIsRefused: a request framed two ways (two
// Content-Lengths, or Content-Length with Transfer-Encoding) is answered
// with one 400 and the connection closed (RFC 9112 §6.3), so the request
// hidden in its body never runs.
func TestAmbiguousFramingIsRefused(t *testing.T) {
	addr, logs := serveTCP(t)
	const hidden = "GET /healthz HTTP/1.1\r\nHost: tolk\r\n\r\n"
	chunkedThenHidden := "0\r\n\r\n" + hidden
	for _, tc := range []struct{ name, payload string }{
		{"two Content-Lengths, the last hiding a request",
			"POST /healthz HTTP/1.1\r\nHost: tolk\r\nContent-Length: " + strconv.Itoa(len(hidden)) + "\r\nContent-Length: 0\r\n\r\n" + hidden},
		{"two equal Content-Lengths",
			"POST /healthz HTTP/1.1\r\nHost: tolk\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n" + hidden},
		{"Content-Length then Transfer-Encoding",
			"POST /healthz HTTP/1.1\r\nHost: tolk\r\nContent-Length: " + strconv.Itoa(len(chunkedThenHidden)) + "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkedThenHidden},
		{"Transfer-Encoding then Content-Length",
			"POST /healthz HTTP/1.1\r\nHost: tolk\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n" + chunkedThenHidden},
		{"an unknown Transfer-Encoding beside Content-Length",
			"POST /healthz HTTP/1.1\r\nHost: tolk\r\nTransfer-Encoding: xchunked\r\nContent-Length: 3\r\n\r\n" + chunkedThenHidden},
		{"Transfer-Encoding given twice",
			"POST /healthz HTTP/1.1\r\nHost: tolk\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkedThenHidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, closed := exchange(t, addr, []byte(tc.payload))
			got := responses(t, raw)
			if len(got) != 1 {
				t.Fatalf("%d responses, want exactly 1 (a second one ran the hidden request):\n%s", len(got), raw)
			}
			id := wireProblem(t, got[0], 400, "bad_request")
			if !closed {
				t.Error("the connection stayed open after an ambiguously framed request")
			}
			wantLogged(t, logs, id, 400)
		})
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

package edge

import (
	"strconv"
	"testing"
)

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

// TestFoldedHeadersAreRefused: a header line folded onto the next (obs-fold:
// a line that begins with a space or tab) is answered with one 400 and the
// connection closed (RFC 9112 §5.2), whatever the header: a folded
// Transfer-Encoding or Content-Length would otherwise frame the body one
// way here and another way behind a proxy that reads the fold differently,
// so the body never reaches a handler.
func TestFoldedHeadersAreRefused(t *testing.T) {
	addr, logs := serveTCP(t)
	const chunked = "5\r\nhello\r\n0\r\n\r\n"
	for _, tc := range []struct{ name, payload string }{
		{"Transfer-Encoding folded onto the next line",
			"POST /v1/me HTTP/1.1\r\nHost: tolk\r\nTransfer-Encoding:\r\n chunked\r\n\r\n" + chunked},
		{"Transfer-Encoding folded with a tab",
			"POST /v1/me HTTP/1.1\r\nHost: tolk\r\nTransfer-Encoding:\r\n\tchunked\r\n\r\n" + chunked},
		{"Content-Length folded onto the next line",
			"POST /v1/me HTTP/1.1\r\nHost: tolk\r\nContent-Length:\r\n 5\r\n\r\nhello"},
		{"another header folded, before a body",
			"POST /v1/me HTTP/1.1\r\nHost: tolk\r\nX-Note: first\r\n second\r\nContent-Length: 5\r\n\r\nhello"},
		{"another header folded, no body",
			"GET /healthz HTTP/1.1\r\nHost: tolk\r\nUser-Agent: probe\r\n  continued\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, closed := exchange(t, addr, []byte(tc.payload))
			got := responses(t, raw)
			if len(got) != 1 {
				t.Fatalf("%d responses, want exactly 1:\n%s", len(got), raw)
			}
			id := wireProblem(t, got[0], 400, "bad_request")
			wantSecurityHeaders(t, tc.name, got[0].Header, "no-store")
			if !closed {
				t.Error("the connection stayed open after a folded header")
			}
			wantLogged(t, logs, id, 400)
		})
	}
	// Spaces and tabs inside a value, and a value that begins with one, are
	// no fold.
	raw, _ := exchange(t, addr, []byte("POST /v1/me HTTP/1.1\r\nHost: tolk\r\nX-Note:\t a \tb\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"))
	if got := responses(t, raw); len(got) != 1 || got[0].StatusCode != 200 {
		t.Errorf("a request with spaces inside a value:\n%s", raw)
	}
}

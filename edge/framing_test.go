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

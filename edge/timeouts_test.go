package edge

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// trickle writes payload on conn one byte every gap until it is written
// or a write fails, and reports on done when it stops.
func trickle(conn net.Conn, payload string, gap time.Duration) (done <-chan struct{}) {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		tick := time.NewTicker(gap)
		defer tick.Stop()
		for i := range len(payload) {
			if _, err := conn.Write([]byte{payload[i]}); err != nil {
				return
			}
			<-tick.C
		}
	}()
	return ch
}

// readAnswer reads from conn until the server closes it or limit passes,
// and returns what it read, how long that took and whether the server
// closed the connection.
func readAnswer(t *testing.T, conn net.Conn, limit time.Duration) (answer []byte, took time.Duration, closed bool) {
	t.Helper()
	start := time.Now()
	conn.SetReadDeadline(start.Add(limit))
	answer, err := io.ReadAll(conn)
	ne, isNet := err.(net.Error)
	return answer, time.Since(start), !(isNet && ne.Timeout())
}

// TestSlowlorisIsCutOff: a client that opens a connection and sends its
// headers a byte at a time, each byte well inside any per-byte timeout
// but the whole far slower than HeaderTimeout, is answered 408 and
// disconnected once HeaderTimeout has passed: the trickle does not renew
// the deadline, so it cannot hold a connection open.
func TestSlowlorisIsCutOff(t *testing.T) {
	addr, logs := serveTCP(t, func(c *Config) { c.HeaderTimeout = 200 * time.Millisecond })
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// 60 bytes at one per 30 ms: 1.8 s to send, nine times the timeout.
	headers := "GET /healthz HTTP/1.1\r\nHost: tolk\r\nX-Slow: " + strings.Repeat("s", 20) + "\r\n\r\n"
	done := trickle(conn, headers, 30*time.Millisecond)
	answer, took, closed := readAnswer(t, conn, 5*time.Second)
	if !closed {
		t.Fatal("the server still held the slow connection after 5 s")
	}
	if took > time.Second {
		t.Errorf("cut off after %v, want about 200 ms", took)
	}
	got := responses(t, answer)
	if len(got) != 1 {
		t.Fatalf("%d responses, want one 408:\n%q", len(got), answer)
	}
	id := wireProblem(t, got[0], 408, "request_timeout")
	wantSecurityHeaders(t, "408", got[0].Header, "no-store")
	wantLogged(t, logs, id, 408)
	conn.Close()
	<-done
}

// TestSlowBodyIsCutOff: a request's body gets its own ReadTimeout from the
// end of its headers. A body that arrives after HeaderTimeout but within
// ReadTimeout is read; one trickled slower than ReadTimeout draws a 408
// and the connection is closed.
func TestSlowBodyIsCutOff(t *testing.T) {
	addr, _ := serveTCP(t, func(c *Config) {
		c.HeaderTimeout = 200 * time.Millisecond
		c.ReadTimeout = 600 * time.Millisecond
	})
	head := "POST /v1/me HTTP/1.1\r\nHost: tolk\r\nContent-Type: application/json\r\nContent-Length: 40\r\nConnection: close\r\n\r\n"
	body := `{"note":"` + strings.Repeat("b", 29) + `"}`

	late, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	late.Write([]byte(head))
	time.Sleep(300 * time.Millisecond) // past HeaderTimeout, within ReadTimeout
	late.Write([]byte(body))
	answer, _, _ := readAnswer(t, late, 3*time.Second)
	if got := responses(t, answer); len(got) != 1 || got[0].StatusCode == 408 {
		t.Errorf("a body sent within ReadTimeout: %q", answer)
	}

	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	slow.Write([]byte(head))
	done := trickle(slow, body, 50*time.Millisecond) // 2 s for 40 bytes
	answer, took, closed := readAnswer(t, slow, 5*time.Second)
	if !closed || took > 1500*time.Millisecond {
		t.Errorf("a trickled body: closed %v after %v, want closed after about 600 ms", closed, took)
	}
	if got := responses(t, answer); len(got) != 1 || got[0].StatusCode != 408 {
		t.Errorf("a trickled body: %q, want one 408", answer)
	}
	slow.Close()
	<-done
}

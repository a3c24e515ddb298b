package edge

import (
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Bounds of a lingering close: beyond them the connection is closed even
// if the client is still sending.
const (
	lingerBytes = 8 << 20
	lingerTime  = 5 * time.Second
)

// lingerListener hands out connections that can close lingeringly.
type lingerListener struct{ net.Listener }

// Accept wraps the next connection in a *lingerConn.
func (l lingerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &lingerConn{Conn: c}, nil
}

// lingerConn is a connection that, once marked by lingerOnClose, drains
// what the client is still sending before it closes.
type lingerConn struct {
	net.Conn
	linger atomic.Bool
}

// Close closes the connection, lingering first if it is marked: it ends
// the write side (the answer is complete), then discards what arrives for
// up to lingerTime or lingerBytes, or until the client closes its side.
func (c *lingerConn) Close() error {
	if c.linger.Swap(false) {
		if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
		c.Conn.SetReadDeadline(time.Now().Add(lingerTime))
		io.CopyN(io.Discard, c.Conn, lingerBytes)
	}
	return c.Conn.Close()
}

// lingerOnClose marks the request's connection to linger when the server
// closes it. It does nothing to a connection Serve did not accept (app.Test).
func lingerOnClose(c *fiber.Ctx) {
	if lc, ok := c.Context().Conn().(*lingerConn); ok {
		lc.linger.Store(true)
	}
}

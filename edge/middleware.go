package edge

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// state is what the edge keeps of a request, in its locals: its ID, and
// the user a door said it is from (see UserWait). One value a request, so
// naming the user costs no allocation.
type state struct {
	id, user string
}

// localState is the key of a request's *state in its locals.
const localState = "edge.state"

// stateOf returns the request's state, nil before it has an ID.
func stateOf(c *fiber.Ctx) *state {
	s, _ := c.Locals(localState).(*state)
	return s
}

// RequestID returns the request's ID (the X-Request-ID of its answer), or
// "" before one is given. Problems and error pages show it; the log has it.
func (e *Edge) RequestID(c *fiber.Ctx) string { return requestID(c) }

func requestID(c *fiber.Ctx) string {
	if s := stateOf(c); s != nil {
		return s.id
	}
	return ""
}

// giveRequestID gives the request a fresh ID, shown as X-Request-ID.
func giveRequestID(c *fiber.Ctx) string {
	var b [requestIDLen]byte
	appendRequestID(b[:0])
	s := &state{id: string(b[:])}
	c.Locals(localState, s)
	c.Response().Header.SetCanonical(headerRequestID, b[:])
	return s.id
}

// headerRequestID is X-Request-ID, canonical, as the headers are set.
var headerRequestID = []byte("X-Request-Id")

// Request IDs are 20 characters of base32: ten drawn at random once per
// process (50 bits, so two instances' IDs do not collide) and ten counting
// the process's requests. They tie a client's report to the log; they are
// no secret and grant nothing. Minting one costs an atomic add, not a read
// of the system's random source.
var (
	requestIDPrefix = rand.Text()[:10]
	requestCount    atomic.Uint64
)

// base32 is the alphabet of rand.Text, so every ID reads alike.
const base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// requestIDLen is the length of every request ID.
const requestIDLen = 20

// newRequestID returns the process's next request ID.
func newRequestID() string {
	var b [requestIDLen]byte
	return string(appendRequestID(b[:0]))
}

// appendRequestID appends the process's next request ID to b.
func appendRequestID(b []byte) []byte {
	b = append(b, requestIDPrefix...)
	n := requestCount.Add(1)
	var count [requestIDLen - 10]byte
	for i := len(count) - 1; i >= 0; i-- {
		count[i] = base32[n&31]
		n >>= 5
	}
	return append(b, count[:]...)
}

// observe is the first middleware of every request. It gives the request
// an ID (X-Request-ID on the answer), the security headers, and a context
// derived from the edge's base context, ending after the request timeout
// or at Shutdown. Before any door sees the request it refuses ambiguous
// framing and folded headers (400) and an over-long request target (414).
// An error raised after it (a handler's, a panic turned into one by
// recover, the router's 404 or 405) is answered by the door owning the
// path (see answer). Last,
// it writes the request's one log line: IDs, route, status and duration,
// never bodies, paths, query strings or names (the route is the pattern, so
// a feed's token stays out of the log).
func (e *Edge) observe(c *fiber.Ctx) error {
	e.inFlight.Add(1)
	defer e.inFlight.Add(-1)
	start := time.Now()
	id := giveRequestID(c)
	setSecurityHeaders(c)
	ctx := newRequestContext(e.base, start.Add(e.timeout)) // no timer unless waited on
	defer ctx.end()
	c.SetUserContext(ctx)
	err := refuseFraming(c)
	if err == nil {
		err = c.Next()
	}
	if err != nil {
		e.answer(c, err)
	}
	e.logRequest(ctx, c, id, start)
	return nil
}

// refuseFraming refuses what no door should see: a request whose length
// is framed two ways or whose headers are folded (its connection is then
// closed: its body may have been read another way), and a request target
// over MaxURIBytes.
func refuseFraming(c *fiber.Ctx) error {
	raw := c.Request().Header.RawHeaders()
	if ambiguousFraming(raw) {
		c.Context().SetConnectionClose()
		lingerOnClose(c)
		return &refusal{http.StatusBadRequest, "bad_request", "the request's length is framed two ways (Content-Length twice, or with Transfer-Encoding); send one"}
	}
	if foldedHeader(raw) {
		c.Context().SetConnectionClose()
		lingerOnClose(c)
		return &refusal{http.StatusBadRequest, "bad_request", "a header line is folded onto the next (obs-fold, RFC 9112 section 5.2); send each header on one line"}
	}
	if len(c.Request().RequestURI()) > MaxURIBytes {
		return &refusal{http.StatusRequestURITooLong, "uri_too_long", fmt.Sprintf("the request's path and query are longer than %d bytes", MaxURIBytes)}
	}
	return nil
}

// logPanic logs a panic recover caught, with the request's ID and the
// stack; recover then turns it into an error, answered as a 500.
func (e *Edge) logPanic(c *fiber.Ctx, r any) {
	e.log.ErrorContext(c.UserContext(), "panic", slog.String("request_id", requestID(c)),
		slog.String("panic", fmt.Sprint(r)), slog.String("stack", string(debug.Stack())))
}

// logRequest writes a request's one log line: its ID, method, route
// pattern (never the path: a feed's token is in it), status, duration and
// the user a door said it is from (see UserWait). The line is at info, or
// at warn when the service failed to answer (5xx): a logger at warn
// (TOLK_LOG_LEVEL=warn) keeps the failures and drops the rest, clients'
// mistakes included, so a flood of them cannot fill the disk. The
// attributes stay on the stack: a line costs no allocation of its own
// before the handler's, and none at all when its level is off. The record
// is made here and handed to the handler, as LogAttrs would, but without
// the caller's program counter: LogAttrs walks the stack for it on every
// line (runtime.Callers, about 3% of a feed poll's CPU), for a source
// nobody logs (it would name this function).
func (e *Edge) logRequest(ctx context.Context, c *fiber.Ctx, id string, start time.Time) {
	status := c.Response().StatusCode()
	level := slog.LevelInfo
	if status >= http.StatusInternalServerError {
		level = slog.LevelWarn
	}
	if !e.log.Enabled(ctx, level) {
		return
	}
	var attrs [6]slog.Attr
	attrs[0] = slog.String("request_id", id)
	attrs[1] = slog.String("method", c.Method())
	attrs[2] = slog.String("route", c.Route().Path)
	attrs[3] = slog.Int("status", status)
	attrs[4] = slog.Int64("duration_us", time.Since(start).Microseconds())
	n := 5
	if s := stateOf(c); s != nil && s.user != "" {
		attrs[5] = slog.String("user_id", s.user)
		n = 6
	}
	r := slog.NewRecord(time.Now(), level, "request", 0)
	r.AddAttrs(attrs[:n]...)
	_ = e.log.Handler().Handle(ctx, r) // as LogAttrs: a handler's error is not the request's
}

// The security headers of every answer. The API serves JSON and
// calendars, never HTML to render: nothing may load, frame or sniff it.
// The pages set their own policy.
const (
	contentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"
	referrerPolicy        = "no-referrer"
)

// setSecurityHeaders sets the headers every answer carries. Cache-Control
// is no-store: nearly every answer holds personal data, and an error is
// never worth keeping. A handler may set its own afterwards (a feed is
// private, max-age=900), except on an error answer: answer sets these again.
func setSecurityHeaders(c *fiber.Ctx) {
	h := &c.Response().Header
	for _, kv := range securityHeaders {
		h.SetCanonical(kv[0], kv[1])
	}
}

// securityHeaders are the names (canonical, so fasthttp need not
// normalise them for every answer) and values setSecurityHeaders sets.
var securityHeaders = [...][2][]byte{
	{[]byte(fiber.HeaderXContentTypeOptions), []byte("nosniff")},
	{[]byte(fiber.HeaderXFrameOptions), []byte("DENY")},
	{[]byte(fiber.HeaderReferrerPolicy), []byte(referrerPolicy)},
	{[]byte(fiber.HeaderContentSecurityPolicy), []byte(contentSecurityPolicy)},
	{[]byte(fiber.HeaderCacheControl), []byte("no-store")},
}

// answer answers err, raised while serving c, with the security headers
// set afresh: the edge's own refusals as problems, everything else by the
// door owning the path. With no door there (the rest unowned), a 404 or
// 405 from the router is the edge's problem, counted against the client's
// address like every signed-out request; a door that fails to answer gets
// a 500 problem and a log line.
func (e *Edge) answer(c *fiber.Ctx, err error) {
	setSecurityHeaders(c)
	if r, ok := err.(*refusal); ok {
		e.problem(c, r.status, r.code, r.detail)
		return
	}
	d := e.doorOf(c.Path())
	if d == nil {
		e.unowned(c, err)
		return
	}
	if aerr := d.Answer(c, err); aerr != nil {
		e.log.ErrorContext(c.UserContext(), "request failed", slog.String("request_id", requestID(c)),
			slog.String("route", c.Route().Path), slog.String("error", err.Error()), slog.String("answer_error", aerr.Error()))
		setSecurityHeaders(c)
		e.problem(c, http.StatusInternalServerError, "internal", "the service failed; quote the request ID if you report it")
	}
}

// unowned answers an error on a path no door owns.
func (e *Edge) unowned(c *fiber.Ctx, err error) {
	if wait := e.AddressWait(c); wait > 0 {
		setRetryAfter(c, wait)
		e.problem(c, http.StatusTooManyRequests, "rate_limited", "too many requests from this address; retry after the time in Retry-After")
		return
	}
	switch fe, _ := err.(*fiber.Error); {
	case fe != nil && fe.Code == http.StatusNotFound:
		e.problem(c, http.StatusNotFound, "not_found", "no such resource")
	case fe != nil && fe.Code == http.StatusMethodNotAllowed:
		e.problem(c, http.StatusMethodNotAllowed, "method_not_allowed", "the resource does not allow this method; Allow lists those it does")
	default:
		e.log.ErrorContext(c.UserContext(), "request failed", slog.String("request_id", requestID(c)),
			slog.String("route", c.Route().Path), slog.String("error", err.Error()))
		e.problem(c, http.StatusInternalServerError, "internal", "the service failed; quote the request ID if you report it")
	}
}

// ambiguousFraming reports whether a request's raw header block frames its
// body more than one way: Content-Length or Transfer-Encoding given twice,
// or both given. Such a request may smuggle a second one past a proxy that
// reads the framing differently; RFC 9112 §6.3 says to treat it as an error
// and close the connection. fasthttp refuses the duplicates itself but
// runs a request with both (by Transfer-Encoding), so the check stays.
func ambiguousFraming(raw []byte) bool {
	var lengths, encodings int
	for line := range bytes.Lines(raw) {
		name, _, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		switch name = bytes.TrimSpace(name); {
		case bytes.EqualFold(name, []byte(fiber.HeaderContentLength)):
			lengths++
		case bytes.EqualFold(name, []byte(fiber.HeaderTransferEncoding)):
			encodings++
		}
	}
	return lengths > 1 || encodings > 1 || (lengths > 0 && encodings > 0)
}

// foldedHeader reports whether a request's raw header block holds an
// obs-fold: a line beginning with a space or tab, which continues the
// header line before it. RFC 9112 §5.2 lets a server reject it (400) or
// replace each fold with a space, and requires rejecting it in front of a
// body. fasthttp replaces it, and so honours a Transfer-Encoding or
// Content-Length folded onto its next line, where a proxy in front may
// have read no framing at all; the edge rejects every fold instead. The
// raw block is the wire's, folds included (fasthttp sets the bytes aside
// before it joins the lines).
func foldedHeader(raw []byte) bool {
	for line := range bytes.Lines(raw) {
		if line[0] == ' ' || line[0] == '\t' {
			return true
		}
	}
	return false
}

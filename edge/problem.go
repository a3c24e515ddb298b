package edge

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// problem is the RFC 9457 problem details body of the edge's own answers,
// the same shape as the API's (api.Problem) without what only a door
// knows (field errors, reasons).
type problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Code      string `json:"code"`
	RequestID string `json:"requestId,omitempty"`
}

// problemTypeBase prefixes every problem's type, as the API's do.
const problemTypeBase = "urn:tolk:problem:"

// refusal is a request the edge refuses before any door sees it.
type refusal struct {
	status       int
	code, detail string
}

func (r *refusal) Error() string { return r.code + ": " + r.detail }

// problem answers status as a problem with code and detail and the
// request's ID.
func (e *Edge) problem(c *fiber.Ctx, status int, code, detail string) {
	c.Status(status)
	c.JSON(problem{Type: problemTypeBase + code, Title: http.StatusText(status), Status: status, Detail: detail,
		Code: code, RequestID: requestID(c)}, "application/problem+json")
}

// refusedCodes and refusedDetails are the codes and details of the
// answers the HTTP layer gives before any handler runs, by status. The
// details replace fasthttp's messages, which may quote the request.
var (
	refusedCodes = map[int]string{
		http.StatusBadRequest:                  "bad_request",
		http.StatusRequestTimeout:              "request_timeout",
		http.StatusRequestEntityTooLarge:       "body_too_large",
		http.StatusRequestHeaderFieldsTooLarge: "headers_too_large",
		http.StatusNotImplemented:              "not_implemented",
	}
	refusedDetails = map[int]string{
		http.StatusBadRequest:                  "the request is not well-formed HTTP/1.1",
		http.StatusRequestTimeout:              "the request did not arrive in time",
		http.StatusRequestEntityTooLarge:       "the request body is larger than the service accepts",
		http.StatusRequestHeaderFieldsTooLarge: "the request's headers are larger than the service accepts",
		http.StatusNotImplemented:              "the service does not implement this method",
	}
)

// refused is the Fiber app's error handler: it answers what the HTTP
// layer refused before any middleware ran (malformed, too large, too slow,
// an unknown method). A body too large on the paths of a door that is a
// Refuser (the pages) is that door's to answer. The request gets an ID, the security headers, a
// problem with a fixed detail and a log line of its own (ID, status, code:
// nothing of the request). A refusal after which fasthttp closes the
// connection with the body perhaps unread (400, 413, 431) closes it
// lingeringly (see Serve); a client too slow to send its request (408) is
// not waited for.
func (e *Edge) refused(c *fiber.Ctx, err error) error {
	status := http.StatusInternalServerError
	if fe, ok := errors.AsType[*fiber.Error](err); ok {
		status = fe.Code
	}
	code, known := refusedCodes[status]
	if !known {
		code = "http_" + strconv.Itoa(status)
	}
	detail := refusedDetails[status]
	if detail == "" {
		detail = http.StatusText(status)
	}
	id := requestID(c)
	if id == "" {
		id = giveRequestID(c)
	}
	setSecurityHeaders(c)
	e.log.LogAttrs(c.UserContext(), slog.LevelInfo, "request refused by the HTTP layer",
		slog.String("request_id", id), slog.Int("status", status), slog.String("code", code))
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusRequestHeaderFieldsTooLarge:
		lingerOnClose(c)
	}
	if status == http.StatusRequestEntityTooLarge { // the path was read: its door may answer
		if d, ok := e.doorOf(string(c.Request().URI().Path())).(Refuser); ok && d.Refused(c, status) == nil {
			return nil
		}
	}
	e.problem(c, status, code, detail)
	return nil
}

// refuseUnknownMethods answers a request whose method Fiber does not know
// (BREW, or a garbled request line that still parses) with a 501 problem,
// like the HTTP layer's other refusals. Fiber would answer it in plain
// text, without a request ID, before any middleware.
func (e *Edge) refuseUnknownMethods() {
	known := map[string]bool{}
	for _, m := range e.app.Config().RequestMethods {
		known[m] = true
	}
	handle := e.app.Server().Handler
	e.app.Server().Handler = func(rc *fasthttp.RequestCtx) {
		if known[string(rc.Method())] {
			handle(rc)
			return
		}
		c := e.app.AcquireCtx(rc)
		defer e.app.ReleaseCtx(c)
		e.refused(c, fiber.ErrNotImplemented)
	}
}

package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// problemTypeBase prefixes every problem's type with a stable URN.
const problemTypeBase = "urn:tolk:problem:"

// Problem is an RFC 9457 problem details body. Code is stable: clients
// branch on it, never on Title or Detail.
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail"`
	Code      string       `json:"code"`
	RequestID string       `json:"requestId,omitempty"`
	Errors    []fieldError `json:"errors,omitempty"`
	// Reasons lists every hard rule an interpreter fails (422 ineligible).
	Reasons []reasonView `json:"reasons,omitempty"`
	// Conflict names the booking in the way (409 booking_conflict).
	Conflict *conflictView `json:"conflict,omitempty"`
}

// conflictView names a booking that blocks another and its slot.
type conflictView struct {
	BookingID string    `json:"bookingId,omitempty"` // absent when another organisation's
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
}

// fieldError names one bad field by its JSON path, e.g. "languages[0].tag".
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// apiError is an error a handler returns to answer with a specific problem.
type apiError struct {
	status int
	code   string
	detail string
	fields []fieldError
	more   int // field errors found beyond those listed
}

// addField lists f, or counts it once data.MaxFieldErrors are listed.
func (e *apiError) addField(f fieldError) {
	if len(e.fields) >= data.MaxFieldErrors {
		e.more++
		return
	}
	e.fields = append(e.fields, f)
}

// problemFields is what a problem lists for e: its field errors and, when
// there were more, a last entry with no field counting them.
func (e *apiError) problemFields() []fieldError {
	if e.more == 0 {
		return e.fields
	}
	noun := "problems"
	if e.more == 1 {
		noun = "problem"
	}
	return append(e.fields[:len(e.fields):len(e.fields)], fieldError{Message: fmt.Sprintf("and %d more %s", e.more, noun)})
}

func (e *apiError) Error() string { return e.code + ": " + e.detail }

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, detail: fmt.Sprintf(format, args...)}
}

func validationFailed(fields ...fieldError) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "validation_failed", detail: "the request has invalid fields; see errors", fields: fields}
}

// statusCodes names the code of problems raised by Fiber itself.
var statusCodes = map[int]string{
	http.StatusBadRequest:                  "bad_request",
	http.StatusNotFound:                    "not_found",
	http.StatusMethodNotAllowed:            "method_not_allowed",
	http.StatusRequestTimeout:              "request_timeout",
	http.StatusRequestEntityTooLarge:       "body_too_large",
	http.StatusRequestHeaderFieldsTooLarge: "headers_too_large",
	http.StatusUnsupportedMediaType:        "unsupported_media_type",
	http.StatusTooManyRequests:             "rate_limited",
	http.StatusNotImplemented:              "not_implemented",
}

// toProblem is the one table from errors to HTTP problems.
func toProblem(err error) (p Problem, internal bool) {
	var (
		ae        *apiError
		fe        *fiber.Error
		tre       *data.TransitionError
		forbidden *app.ForbiddenError
		stale     *app.StaleError
		overlap   *data.OverlapError
		state     *app.StateError
		reused    *app.IdempotencyError
	)
	if invalid, ok := asInvalid(err); ok {
		err = invalid
	}
	if ip, ok := ineligibleProblem(err); ok {
		ip.Type, ip.Title = problemTypeBase+ip.Code, http.StatusText(ip.Status)
		return ip, false
	}
	switch {
	case errors.As(err, &ae):
		p = Problem{Status: ae.status, Code: ae.code, Detail: ae.detail, Errors: ae.problemFields()}
	case errors.As(err, &tre):
		p = Problem{Status: http.StatusConflict, Code: "invalid_transition", Detail: tre.Error()}
	case errors.As(err, &overlap):
		p = Problem{Status: http.StatusConflict, Code: "booking_conflict", Detail: overlap.Error(),
			Conflict: &conflictView{BookingID: overlap.Existing.ID, Start: overlap.Existing.Start, End: overlap.Existing.End}}
		if overlap.Existing.ID == "" { // another organisation's booking: the slot only
			p.Detail = fmt.Sprintf("the interpreter is booked from %s to %s", overlap.Existing.Start.UTC().Format(time.RFC3339), overlap.Existing.End.UTC().Format(time.RFC3339))
		}
	case errors.As(err, &state):
		p = Problem{Status: http.StatusConflict, Code: state.Code, Detail: state.Reason}
	case errors.As(err, &reused):
		p = Problem{Status: http.StatusUnprocessableEntity, Code: "idempotency_key_reused", Detail: reused.Reason}
	case errors.Is(err, app.ErrUnauthenticated):
		p = Problem{Status: http.StatusUnauthorized, Code: "unauthenticated", Detail: "send a valid API key as Authorization: Bearer <key>"}
	case errors.As(err, &forbidden):
		p = Problem{Status: http.StatusForbidden, Code: "forbidden", Detail: forbidden.Reason}
	case errors.As(err, &stale):
		p = Problem{Status: http.StatusPreconditionFailed, Code: "precondition_failed", Detail: stale.Error()}
	case errors.As(err, &fe):
		code, ok := statusCodes[fe.Code]
		if !ok {
			code = "http_" + fmt.Sprint(fe.Code)
		}
		detail := fe.Message
		switch fe.Code {
		case http.StatusNotFound:
			detail = "no such resource"
		case http.StatusRequestEntityTooLarge:
			detail = "the request body is larger than the service accepts"
		}
		p = Problem{Status: fe.Code, Code: code, Detail: detail}
	case errors.Is(err, data.ErrNotFound):
		p = Problem{Status: http.StatusNotFound, Code: "not_found", Detail: "no such resource"}
	case errors.Is(err, data.ErrDuplicate):
		p = Problem{Status: http.StatusConflict, Code: "duplicate", Detail: "a record with the same unique value already exists"}
	case errors.Is(err, data.ErrConflict):
		p = Problem{Status: http.StatusConflict, Code: "version_conflict", Detail: "the record changed since it was read"}
	case errors.Is(err, data.ErrUnavailable):
		p = Problem{Status: http.StatusServiceUnavailable, Code: "store_unavailable", Detail: "the store cannot be reached; retry"}
	case errors.Is(err, context.DeadlineExceeded):
		p = Problem{Status: http.StatusServiceUnavailable, Code: "timeout", Detail: "the store did not answer in time"}
	case errors.Is(err, context.Canceled):
		p = Problem{Status: http.StatusServiceUnavailable, Code: "cancelled", Detail: "the request was cancelled before it finished"}
	case errors.Is(err, data.ErrClosed):
		p = Problem{Status: http.StatusServiceUnavailable, Code: "unavailable", Detail: "the service is shutting down; retry"}
	default:
		p = Problem{Status: http.StatusInternalServerError, Code: "internal", Detail: "something went wrong; quote the request ID when reporting it"}
		internal = true
	}
	p.Type = problemTypeBase + p.Code
	p.Title = http.StatusText(p.Status)
	return p, internal
}

// asInvalid returns err as a validation_failed error when it is one: an
// apiError with that code, or a *data.ValidationError from an invariant check.
func asInvalid(err error) (*apiError, bool) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae, ae.code == "validation_failed"
	}
	var ve *data.ValidationError
	if errors.As(err, &ve) {
		invalid := validationFailed()
		invalid.more = ve.More
		for _, f := range ve.Errors {
			invalid.addField(fieldError{Field: f.Field, Message: f.Message})
		}
		return invalid, true
	}
	return nil, false
}

// refusedDetails are the details of the answers the HTTP layer gives
// before any handler runs, by status. They replace fasthttp's messages,
// which may quote the request.
var refusedDetails = map[int]string{
	http.StatusBadRequest:                  "the request is not well-formed HTTP/1.1",
	http.StatusRequestTimeout:              "the request did not arrive in time",
	http.StatusRequestEntityTooLarge:       "the request body is larger than the service accepts",
	http.StatusRequestHeaderFieldsTooLarge: "the request's headers are larger than the service accepts",
	http.StatusNotImplemented:              "the service does not implement this method",
}

// errorHandler answers every error, Fiber's own included, as problem+json.
// A 500 tells the client nothing internal; the log has the error and the
// request ID the response carries.
//
// A request the HTTP layer refused before any handler ran (malformed, too
// large, too slow, an unknown method) reaches here without an ID: it gets
// one, a fixed detail, and a log line of its own (ID, status, code: nothing
// of the request). A refusal after which fasthttp closes the connection
// with the body perhaps unread (400, 413, 431) closes it lingeringly (see
// Serve); a client too slow to send its request (408) is not waited for.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	refused := requestID(c) == ""
	if refused {
		giveRequestID(c)
	}
	p, internal := toProblem(err)
	p.RequestID = requestID(c)
	if refused {
		p.Detail = refusedDetails[p.Status]
		if p.Detail == "" {
			p.Detail = http.StatusText(p.Status)
		}
		internal = false
		s.log.LogAttrs(c.UserContext(), slog.LevelInfo, "request refused by the HTTP layer",
			slog.String("request_id", p.RequestID), slog.Int("status", p.Status), slog.String("code", p.Code))
		switch p.Status {
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusRequestHeaderFieldsTooLarge:
			lingerOnClose(c)
		}
	}
	if internal {
		s.log.ErrorContext(c.UserContext(), "request failed",
			slog.String("request_id", p.RequestID), slog.String("method", c.Method()),
			slog.String("route", c.Route().Path), slog.String("error", err.Error()))
	}
	if p.Status == http.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="tolk"`)
	}
	c.Status(p.Status)
	return c.JSON(p, "application/problem+json")
}

// ineligibleProblem answers an *app.IneligibleError: 422 with every reason.
func ineligibleProblem(err error) (Problem, bool) {
	var ie *app.IneligibleError
	if !errors.As(err, &ie) {
		return Problem{}, false
	}
	return Problem{Status: http.StatusUnprocessableEntity, Code: "ineligible",
		Detail: "the interpreter fails a hard rule for this interview; see reasons", Reasons: toReasonViews(ie.Reasons)}, true
}

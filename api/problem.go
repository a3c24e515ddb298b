package api

import (
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
	// Invitees lists each interpreter's failed rules when an offer could
	// ask none of them (422 ineligible).
	Invitees []inviteeView `json:"invitees,omitempty"`
	// Conflict names the booking in the way (409 booking_conflict).
	Conflict *conflictView `json:"conflict,omitempty"`
	// Existing names what the case already has for the slot (409
	// case_already_booked).
	Existing *existingView `json:"existing,omitempty"`
}

// existingView is a case's booking or open offer for an overlapping slot,
// with the interpreter it names.
type existingView struct {
	BookingID       string    `json:"bookingId,omitempty"`
	OfferID         string    `json:"offerId,omitempty"`
	InterpreterID   string    `json:"interpreterId,omitempty"`
	InterpreterName string    `json:"interpreterName,omitempty"`
	Start           time.Time `json:"start"`
	End             time.Time `json:"end"`
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

// httpError is a refusal of the API's HTTP layer, with its own status and
// code: a body in the wrong media type, a missing precondition header, a
// rate limit. Everything else a handler returns is the application's, and
// is classified by app.Classify.
type httpError struct {
	status int
	code   string
	detail string
}

func (e *httpError) Error() string { return e.code + ": " + e.detail }

func newError(status int, code, format string, args ...any) *httpError {
	return &httpError{status: status, code: code, detail: fmt.Sprintf(format, args...)}
}

// validationFailed is a validation error naming these fields, as the app's
// own invariant checks return them.
func validationFailed(fields ...fieldError) error {
	out := &data.ValidationError{}
	for _, f := range fields {
		out.Errors = append(out.Errors, data.FieldError{Field: f.Field, Message: f.Message})
	}
	return out
}

// statusOf is the one table from the kinds of app.Classify to HTTP status.
var statusOf = map[app.Kind]int{
	app.KindInternal:        http.StatusInternalServerError,
	app.KindInvalid:         http.StatusBadRequest,
	app.KindUnauthenticated: http.StatusUnauthorized,
	app.KindForbidden:       http.StatusForbidden,
	app.KindNotFound:        http.StatusNotFound,
	app.KindConflict:        http.StatusConflict,
	app.KindStale:           http.StatusPreconditionFailed,
	app.KindUnprocessable:   http.StatusUnprocessableEntity,
	app.KindUnavailable:     http.StatusServiceUnavailable,
	app.KindGone:            http.StatusGone,
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

// toProblem turns an error into its problem: the API's own refusals (an
// *httpError) and Fiber's (a *fiber.Error: 404, 405) by their status, everything else by the kind
// app.Classify gives it. internal reports a 500, whose cause is logged and
// never shown.
func toProblem(err error) (p Problem, internal bool) {
	if he, ok := errors.AsType[*httpError](err); ok {
		p = Problem{Status: he.status, Code: he.code, Detail: he.detail}
	} else if fe, ok := errors.AsType[*fiber.Error](err); ok {
		code, known := statusCodes[fe.Code]
		if !known {
			code = "http_" + fmt.Sprint(fe.Code)
		}
		detail := fe.Message
		switch fe.Code {
		case http.StatusNotFound:
			detail = "no such resource"
		case http.StatusMethodNotAllowed:
			detail = "the resource does not allow this method; Allow lists those it does"
		case http.StatusRequestEntityTooLarge:
			detail = "the request body is larger than the service accepts"
		}
		p = Problem{Status: fe.Code, Code: code, Detail: detail}
	} else {
		f := app.Classify(err)
		p = Problem{Status: statusOf[f.Kind], Code: f.Code, Detail: f.Message, Errors: problemFields(f), Reasons: toReasonViews(f.Reasons)}
		for _, inv := range f.Invitees {
			p.Invitees = append(p.Invitees, inviteeView{InterpreterID: inv.InterpreterID, Reasons: toReasonViews(inv.Reasons)})
		}
		if f.Conflict != nil {
			p.Conflict = &conflictView{BookingID: f.Conflict.ID, Start: f.Conflict.Start, End: f.Conflict.End}
		}
		if cb := f.CaseBooked; cb != nil {
			p.Existing = &existingView{BookingID: cb.BookingID, OfferID: cb.OfferID, InterpreterID: cb.InterpreterID,
				InterpreterName: cb.InterpreterName, Start: cb.Start.UTC(), End: cb.End.UTC()}
		}
		internal = f.Kind == app.KindInternal
	}
	p.Type = problemTypeBase + p.Code
	p.Title = http.StatusText(p.Status)
	return p, internal
}

// problemFields is what a problem lists for f: its field errors and, when
// there were more, a last entry with no field counting them.
func problemFields(f app.Failure) []fieldError {
	if len(f.Fields) == 0 && f.More == 0 {
		return nil
	}
	out := make([]fieldError, 0, len(f.Fields)+1)
	for _, fe := range f.Fields {
		out = append(out, fieldError{Field: fe.Field, Message: fe.Message})
	}
	if f.More > 0 {
		noun := "problems"
		if f.More == 1 {
			noun = "problem"
		}
		out = append(out, fieldError{Message: fmt.Sprintf("and %d more %s", f.More, noun)})
	}
	return out
}

// Answer answers err, raised on one of the API's paths, as problem+json
// (see toProblem): a handler's error, a refusal of the API's own, or the
// router's 404 (no such route) or 405 (the route has other methods, listed
// in the Allow header the router set). A 500 tells the client nothing
// internal; the log has the error and the request ID the answer carries.
// It makes the API an edge.Door.
func (s *Server) Answer(c *fiber.Ctx, err error) error {
	p, internal := toProblem(err)
	p.RequestID = s.guard.RequestID(c)
	if internal {
		s.log.ErrorContext(c.UserContext(), "request failed",
			slog.String("request_id", p.RequestID), slog.String("method", c.Method()),
			slog.String("route", c.Route().Path), slog.String("error", err.Error()))
	}
	if p.Status == http.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="tolk"`)
	}
	c.Status(p.Status)
	if err := writeJSON(c, p); err != nil {
		return err
	}
	c.Response().Header.SetContentType("application/problem+json")
	return nil
}

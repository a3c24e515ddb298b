package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// readInterpreterInput decodes and checks a create or update body, reporting
// shape and invariant errors together. It returns the input too, for its
// read-only fields.
func readInterpreterInput(c *fiber.Ctx) (interpreterInput, data.Interpreter, error) {
	var in interpreterInput
	if err := decodeJSON(c, &in); err != nil {
		return in, data.Interpreter{}, err
	}
	rec := in.toInterpreter()
	// The body carries no vetting; give the record a valid status so that
	// Validate judges only what the caller sent. The app sets the real one.
	rec.Vetting.Status = data.VettingPending
	return in, rec, mergeInvalid(validateStruct(&in), rec.Validate())
}

// setETag sends a record's version as its ETag, the value If-Match takes back.
func setETag(c *fiber.Ctx, version int64) {
	c.Set(fiber.HeaderETag, strconv.Quote(strconv.FormatInt(version, 10)))
}

// createInterpreter stores a new record awaiting vetting. Like every
// change of a record it answers the full record, which a client may PUT
// back (a reduced answer put back would drop the community links the
// matching rules need), so the app audits the coordinator's read of it
// with the change (app.ViewFull).
func (s *Server) createInterpreter(c *fiber.Ctx) error {
	_, rec, err := readInterpreterInput(c)
	if err != nil {
		return err
	}
	actor, _ := caller(c)
	in, err := s.app.CreateInterpreter(c.UserContext(), actor, rec, app.ViewFull)
	if err != nil {
		return err
	}
	setETag(c, in.Version)
	c.Location("/v1/interpreters/" + in.ID)
	return writeJSON(c.Status(http.StatusCreated), toInterpreterView(in))
}

// getInterpreter shows one record as the caller may see it.
func (s *Server) getInterpreter(c *fiber.Ctx) error {
	actor, _ := caller(c)
	in, err := s.app.GetInterpreter(c.UserContext(), actor, c.Params("id"))
	if err != nil {
		return err
	}
	setETag(c, in.Version)
	return writeJSON(c, toInterpreterView(in))
}

// headInterpreter answers HEAD of one record: GET's status and ETag,
// without the body and without the audited read a coordinator's GET is,
// since it discloses no field. Fiber would serve HEAD through GET's
// handler, writing an interpreter.read_sensitive entry for nothing shown.
// No Content-Length: the GET's would tell the length of the sensitive
// fields (RFC 9110 §9.3.2 lets a HEAD omit it).
func (s *Server) headInterpreter(c *fiber.Ctx) error {
	actor, _ := caller(c)
	version, err := s.app.InterpreterVersion(c.UserContext(), actor, c.Params("id"))
	if err != nil {
		return err
	}
	setETag(c, version)
	c.Response().Header.SetContentType(fiber.MIMEApplicationJSON)
	return nil
}

// listInterpreters pages through records in creation order.
func (s *Server) listInterpreters(c *fiber.Ctx) error {
	limit, err := queryInt(c, "limit", data.DefaultPageSize, 1, data.MaxPageSize)
	if err != nil {
		return err
	}
	sort := c.Query("sort")
	if sort != "" && sort != "created" && sort != "name" {
		return &data.ValidationError{Errors: []data.FieldError{{Field: "sort", Message: "must be created or name"}}}
	}
	actor, _ := caller(c)
	page, err := s.app.ListInterpreters(c.UserContext(), actor, app.InterpreterFilter{
		Language: c.Query("language"), Status: data.VettingStatus(c.Query("status")), Cursor: c.Query("cursor"), Limit: limit,
		Search: c.Query("search"), ByName: sort == "name",
	})
	if err != nil {
		return err
	}
	return writeJSON(c, toPageView(page, toInterpreterView))
}

// ifMatchVersion reads If-Match: "<version>" (428 when absent).
func ifMatchVersion(c *fiber.Ctx) (int64, error) {
	h := strings.TrimSpace(c.Get(fiber.HeaderIfMatch))
	if h == "" {
		return 0, newError(http.StatusPreconditionRequired, "precondition_required", `send If-Match: "<version>" with the version you read`)
	}
	h = strings.TrimPrefix(h, "W/")
	if uq, err := strconv.Unquote(h); err == nil {
		h = uq
	}
	v, err := strconv.ParseInt(h, 10, 64)
	if err != nil || v < 1 {
		return 0, validationFailed(fieldError{Field: "If-Match", Message: `must be a version in quotes, such as "3" (the ETag you read)`})
	}
	return v, nil
}

// updateInterpreter replaces a record's fields if the caller holds its
// current version. The body may be the representation GET returned: its
// read-only fields are ignored, but an id naming another record is refused.
// It answers the full record, its read audited with the change.
func (s *Server) updateInterpreter(c *fiber.Ctx) error {
	version, err := ifMatchVersion(c)
	if err != nil {
		return err
	}
	input, rec, err := readInterpreterInput(c)
	id := c.Params("id")
	if input.ID != "" && input.ID != id {
		err = mergeInvalid(err, validationFailed(fieldError{Field: "id", Message: "must be the ID in the path, or absent"}))
	}
	if err != nil {
		return err
	}
	actor, _ := caller(c)
	in, err := s.app.UpdateInterpreter(c.UserContext(), actor, id, version, rec, app.ViewFull)
	if err != nil {
		return err
	}
	setETag(c, in.Version)
	return writeJSON(c, toInterpreterView(in))
}

type vettingRequest struct {
	Decision string `json:"decision" validate:"required,decision"`
	Note     string `json:"note" validate:"notelen"`
	Confirm  bool   `json:"confirm"`
}

type vettingImpactView struct {
	Decision      data.Decision `json:"decision"`
	Gaps          []reasonView  `json:"gaps"`
	Bookings      int           `json:"bookings"`
	Organisations int           `json:"organisations"`
	Invitations   int           `json:"invitations"`
}

// vettingImpact says what a decision would do before it is made: what an
// approval would overlook, what a suspension or rejection would cancel.
func (s *Server) vettingImpact(c *fiber.Ctx) error {
	d := data.Decision(c.Query("decision"))
	actor, _ := caller(c)
	im, err := s.app.VettingImpact(c.UserContext(), actor, c.Params("id"), d)
	if err != nil {
		return err
	}
	v := vettingImpactView{Decision: d, Gaps: []reasonView{}, Bookings: im.Bookings.Total(), Organisations: im.Organisations(), Invitations: im.Invitations}
	for _, g := range im.Gaps {
		v.Gaps = append(v.Gaps, toReasonViews([]data.Reason{g.Reason()})...)
	}
	return writeJSON(c, v)
}

// decideVetting applies a coordinator's decision and answers the full
// record, its read audited with the decision.
func (s *Server) decideVetting(c *fiber.Ctx) error {
	var req vettingRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	actor, _ := caller(c)
	r, err := s.app.Decide(c.UserContext(), actor, c.Params("id"), app.VettingDecision{Decision: data.Decision(req.Decision), Note: req.Note, Confirm: req.Confirm}, app.ViewFull)
	if err != nil {
		return err
	}
	in := r.Interpreter
	c.Set("Tolk-Withdrawn-Bookings", strconv.Itoa(r.Bookings.Total()))
	c.Set("Tolk-Withdrawn-Invitations", strconv.Itoa(r.Invitations))
	setETag(c, in.Version)
	return writeJSON(c, toInterpreterView(in))
}

// withdrawBookings cancels the future bookings of a suspended or rejected
// interpreter that a vetting decision did not finish cancelling.
func (s *Server) withdrawBookings(c *fiber.Ctx) error {
	actor, _ := caller(c)
	w, err := s.app.WithdrawBookings(c.UserContext(), actor, c.Params("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.Map{"withdrawn": w.Total()})
}

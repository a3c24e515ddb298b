package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/data"
)

// readInterpreterInput decodes and checks a create or update body, reporting
// shape and invariant errors together.
func readInterpreterInput(c *fiber.Ctx) (data.Interpreter, error) {
	var in interpreterInput
	if err := decodeJSON(c, &in); err != nil {
		return data.Interpreter{}, err
	}
	rec := in.toInterpreter()
	// The body carries no vetting; give the record a valid status so that
	// Validate judges only what the caller sent. Callers set the real one.
	rec.Vetting.Status = data.VettingPending
	return rec, mergeInvalid(validateStruct(&in), rec.Validate())
}

func setETag(c *fiber.Ctx, in data.Interpreter) {
	c.Set(fiber.HeaderETag, strconv.Quote(strconv.FormatInt(in.Version, 10)))
}

// createInterpreter stores a new record awaiting vetting.
func (s *Server) createInterpreter(c *fiber.Ctx) error {
	rec, err := readInterpreterInput(c)
	if err != nil {
		return err
	}
	actor, _ := caller(c)
	now := data.Timestamp(s.now())
	rec.ID = data.NewID(now)
	rec.Version = 1
	rec.CreatedAt, rec.UpdatedAt = now, now
	rec.Vetting = data.Vetting{Status: data.VettingPending}
	if err := s.store.CreateInterpreter(c.UserContext(), rec); err != nil {
		return err
	}
	s.audit(c, actor, "interpreter.created", "interpreter", rec.ID)
	setETag(c, rec)
	c.Location("/v1/interpreters/" + rec.ID)
	return c.Status(http.StatusCreated).JSON(toInterpreterView(rec, true))
}

// getInterpreter shows coordinators the full record (an audited read of its
// sensitive fields) and social workers the reduced view.
func (s *Server) getInterpreter(c *fiber.Ctx) error {
	rec, err := s.store.Interpreter(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	u, _ := caller(c)
	full := u.Role == data.RoleCoordinator
	if full {
		if err := s.audit(c, u, "interpreter.read_sensitive", "interpreter", rec.ID); err != nil {
			return err
		}
	}
	setETag(c, rec)
	return c.JSON(toInterpreterView(rec, full))
}

// listInterpreters pages through records in creation order. Listings show
// every caller the reduced view; the full record is one audited GET away.
func (s *Server) listInterpreters(c *fiber.Ctx) error {
	limit, err := queryInt(c, "limit", 50, 1, data.MaxPageSize)
	if err != nil {
		return err
	}
	q := data.InterpreterQuery{After: c.Query("cursor"), Limit: limit}
	if lang := c.Query("language"); lang != "" {
		canonical, err := data.CanonicalLanguage(lang)
		if err != nil {
			return validationFailed(fieldError{Field: "language", Message: err.Error()})
		}
		q.LanguageKey = canonical
	}
	if st := c.Query("status"); st != "" {
		q.Status = data.VettingStatus(st)
		if !q.Status.Valid() {
			return validationFailed(fieldError{Field: "status", Message: "must be one of pending, approved, rejected, suspended"})
		}
	}
	page, err := s.store.ListInterpreters(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(toPageView(page, func(in data.Interpreter) interpreterView { return toInterpreterView(in, false) }))
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
		return 0, newError(http.StatusPreconditionFailed, "precondition_failed", "If-Match does not name a version of this record")
	}
	return v, nil
}

func stale(current int64) error {
	return newError(http.StatusPreconditionFailed, "precondition_failed", "the record is now at version %d; read it again and reapply your change", current)
}

// updateInterpreter replaces a record's fields if the caller holds its
// current version. Vetting changes only through the vetting endpoint.
func (s *Server) updateInterpreter(c *fiber.Ctx) error {
	version, err := ifMatchVersion(c)
	if err != nil {
		return err
	}
	rec, err := readInterpreterInput(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	cur, err := s.store.Interpreter(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	if cur.Version != version {
		return stale(cur.Version)
	}
	rec.ID, rec.Version, rec.CreatedAt, rec.Vetting = cur.ID, version, cur.CreatedAt, cur.Vetting
	rec.UpdatedAt = data.Timestamp(s.now())
	updated, err := s.store.UpdateInterpreter(ctx, rec)
	if errors.Is(err, data.ErrConflict) {
		return newError(http.StatusPreconditionFailed, "precondition_failed", "the record changed while you wrote; read it again and reapply your change")
	}
	if err != nil {
		return err
	}
	actor, _ := caller(c)
	s.audit(c, actor, "interpreter.updated", "interpreter", updated.ID)
	setETag(c, updated)
	return c.JSON(toInterpreterView(updated, true))
}

type vettingRequest struct {
	Decision string `json:"decision" validate:"required,oneof=approve reject suspend"`
	Note     string `json:"note" validate:"max=2000"`
}

// decideVetting applies a coordinator's decision. A decision is made on the
// record as it is now: when another write lands in between, it is re-read and
// the decision re-checked, a few times, before giving up with 409.
func (s *Server) decideVetting(c *fiber.Ctx) error {
	var req vettingRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	actor, _ := caller(c)
	ctx := c.UserContext()
	for range 3 {
		cur, err := s.store.Interpreter(ctx, c.Params("id"))
		if err != nil {
			return err
		}
		next, err := cur.Vetting.Decide(data.Decision(req.Decision), actor.ID, s.now(), req.Note)
		if err != nil {
			return err
		}
		cur.Vetting = next
		cur.UpdatedAt = data.Timestamp(s.now())
		updated, err := s.store.UpdateInterpreter(ctx, cur)
		if errors.Is(err, data.ErrConflict) {
			continue
		}
		if err != nil {
			return err
		}
		s.audit(c, actor, "interpreter.vetting."+req.Decision, "interpreter", updated.ID)
		setETag(c, updated)
		return c.JSON(toInterpreterView(updated, true))
	}
	return fmt.Errorf("vetting: %w", data.ErrConflict)
}

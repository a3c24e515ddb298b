package api

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/data"
)

// readCaseInput decodes and checks a case body, reporting shape and
// invariant errors together.
func readCaseInput(c *fiber.Ctx) (caseInput, data.Case, error) {
	var in caseInput
	if err := decodeJSON(c, &in); err != nil {
		return in, data.Case{}, err
	}
	rec := in.toCase()
	actor, _ := caller(c)
	rec.Organisation = actor.Organisation // the app sets it too; a case is the caller's organisation's
	return in, rec, mergeInvalid(validateStruct(&in), rec.Validate())
}

// createCase records a case in the caller's organisation.
func (s *Server) createCase(c *fiber.Ctx) error {
	_, rec, err := readCaseInput(c)
	if err != nil {
		return err
	}
	actor, _ := caller(c)
	cs, err := s.app.CreateCase(c.UserContext(), actor, rec)
	if err != nil {
		return err
	}
	setETag(c, cs.Version)
	c.Location("/v1/cases/" + cs.ID)
	return writeJSON(c.Status(http.StatusCreated), toCaseView(cs))
}

// getCase shows a case of the caller's organisation.
func (s *Server) getCase(c *fiber.Ctx) error {
	actor, _ := caller(c)
	cs, err := s.app.GetCase(c.UserContext(), actor, c.Params("id"))
	if err != nil {
		return err
	}
	setETag(c, cs.Version)
	return writeJSON(c, toCaseView(cs))
}

// updateCase replaces a case's fields if the caller holds its version.
func (s *Server) updateCase(c *fiber.Ctx) error {
	version, err := ifMatchVersion(c)
	if err != nil {
		return err
	}
	input, rec, err := readCaseInput(c)
	id := c.Params("id")
	if input.ID != "" && input.ID != id {
		err = mergeInvalid(err, validationFailed(fieldError{Field: "id", Message: "must be the ID in the path, or absent"}))
	}
	if err != nil {
		return err
	}
	actor, _ := caller(c)
	cs, err := s.app.UpdateCase(c.UserContext(), actor, id, version, rec)
	if err != nil {
		return err
	}
	setETag(c, cs.Version)
	return writeJSON(c, toCaseView(cs))
}

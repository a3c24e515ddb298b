package api

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// transferRequest is the body of POST /v1/cases/{id}/transfers.
type transferRequest struct {
	ToOrganisation string `json:"toOrganisation" validate:"required,organisationlen"`
	LegalBasis     string `json:"legalBasis" validate:"required,legalbasis"`
	CloseSending   bool   `json:"closeSending"`
}

// acceptTransferRequest is the optional body of POST
// /v1/transfers/{id}/accept: the receiving organisation's own reference
// for the new case.
type acceptTransferRequest struct {
	Reference string `json:"reference" validate:"referencelen"`
}

// declineTransferRequest is the body of POST /v1/transfers/{id}/decline:
// a code, never free text.
type declineTransferRequest struct {
	Reason string `json:"reason" validate:"required,transferdecline"`
}

// transferView is a transfer as a coordinator of either organisation sees
// it: of the child, only the languages and age band. The sending case's
// ID shows to the sender only, the new case's to the receiver only.
type transferView struct {
	ID               string               `json:"id"`
	CaseID           string               `json:"caseId,omitempty"`
	FromOrganisation string               `json:"fromOrganisation"`
	ToOrganisation   string               `json:"toOrganisation"`
	LegalBasis       data.LegalBasis      `json:"legalBasis"`
	CloseSending     bool                 `json:"closeSending"`
	Status           data.TransferStatus  `json:"status"`
	ChildLanguages   []childLanguageView  `json:"childLanguages"`
	ChildAgeBand     data.AgeBand         `json:"childAgeBand,omitempty"`
	DeclineReason    data.TransferDecline `json:"declineReason,omitempty"`
	NewCaseID        string               `json:"newCaseId,omitempty"`
	CreatedAt        time.Time            `json:"createdAt"`
	DecidedAt        *time.Time           `json:"decidedAt,omitempty"`
	Version          int64                `json:"version"`
}

func toTransferView(t data.Transfer, actor data.User) transferView {
	v := transferView{
		ID: t.ID, FromOrganisation: t.From, ToOrganisation: t.To, LegalBasis: t.LegalBasis, CloseSending: t.CloseSending,
		Status: t.Status, ChildLanguages: []childLanguageView{}, ChildAgeBand: t.AgeBand, DeclineReason: t.Decline,
		CreatedAt: t.CreatedAt, DecidedAt: when(t.DecidedAt), Version: t.Version,
	}
	for _, l := range t.Languages {
		v.ChildLanguages = append(v.ChildLanguages, childLanguageView{l})
	}
	if actor.Organisation == t.From {
		v.CaseID = t.CaseID
	}
	if actor.Organisation == t.To {
		v.NewCaseID = t.NewCaseID
	}
	return v
}

// requestTransfer sends a case of the caller's organisation to another.
func (s *Server) requestTransfer(c *fiber.Ctx) error {
	var req transferRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	actor, _ := caller(c)
	t, err := s.app.RequestTransfer(c.UserContext(), actor, c.Params("id"), app.NewTransfer{
		ToOrganisation: req.ToOrganisation, LegalBasis: data.LegalBasis(req.LegalBasis), CloseSending: req.CloseSending,
	})
	if err != nil {
		return err
	}
	c.Location("/v1/transfers/" + t.ID)
	return writeJSON(c.Status(http.StatusCreated), toTransferView(t, actor))
}

// listTransfers pages through the transfers sent to the caller's
// organisation (direction=incoming, the default) or by it (outgoing).
func (s *Server) listTransfers(c *fiber.Ctx) error {
	limit, err := queryInt(c, "limit", data.DefaultPageSize, 1, data.MaxPageSize)
	if err != nil {
		return err
	}
	var outgoing bool
	switch c.Query("direction") {
	case "", "incoming":
	case "outgoing":
		outgoing = true
	default:
		return validationFailed(fieldError{Field: "direction", Message: "must be one of incoming, outgoing"})
	}
	actor, _ := caller(c)
	page, err := s.app.ListTransfers(c.UserContext(), actor, app.TransferFilter{
		Outgoing: outgoing, Status: data.TransferStatus(c.Query("status")), Cursor: c.Query("cursor"), Limit: limit,
	})
	if err != nil {
		return err
	}
	return writeJSON(c, toPageView(page, func(t data.Transfer) transferView { return toTransferView(t, actor) }))
}

// getTransfer shows a transfer the caller's organisation sent or received.
func (s *Server) getTransfer(c *fiber.Ctx) error {
	actor, _ := caller(c)
	t, err := s.app.GetTransfer(c.UserContext(), actor, c.Params("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, toTransferView(t, actor))
}

// acceptedView is the answer to an acceptance: the new case's ID, and the
// transfer.
type acceptedView struct {
	CaseID   string       `json:"caseId"`
	Transfer transferView `json:"transfer"`
}

// acceptTransfer accepts a transfer into a new case of the caller's
// organisation.
func (s *Server) acceptTransfer(c *fiber.Ctx) error {
	var req acceptTransferRequest
	if len(c.Body()) > 0 {
		if err := decode(c, &req); err != nil {
			return err
		}
	}
	actor, _ := caller(c)
	t, nc, err := s.app.AcceptTransfer(c.UserContext(), actor, c.Params("id"), req.Reference)
	if err != nil {
		return err
	}
	c.Location("/v1/cases/" + nc.ID)
	return writeJSON(c, acceptedView{CaseID: nc.ID, Transfer: toTransferView(t, actor)})
}

// declineTransfer declines a transfer with a code.
func (s *Server) declineTransfer(c *fiber.Ctx) error {
	var req declineTransferRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	actor, _ := caller(c)
	t, err := s.app.DeclineTransfer(c.UserContext(), actor, c.Params("id"), data.TransferDecline(req.Reason))
	if err != nil {
		return err
	}
	return writeJSON(c, toTransferView(t, actor))
}

// withdrawTransfer takes back a pending transfer the caller's
// organisation sent. It takes no body.
func (s *Server) withdrawTransfer(c *fiber.Ctx) error {
	actor, _ := caller(c)
	t, err := s.app.WithdrawTransfer(c.UserContext(), actor, c.Params("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, toTransferView(t, actor))
}

package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
)

// retentionItemView is one record a retention run would act on or holds.
type retentionItemView struct {
	ID           string    `json:"id"`
	Organisation string    `json:"organisation"`
	Ended        time.Time `json:"ended"`
}

// retentionListView counts the records of one kind and lists the first.
type retentionListView struct {
	Count int                 `json:"count"`
	Items []retentionItemView `json:"items"`
}

// retentionClassView is one class of the policy.
type retentionClassView struct {
	Trigger string `json:"trigger"`
	Years   int    `json:"years"`
	Days    int    `json:"days,omitzero"`
	Action  string `json:"action"`
}

// retentionClassPlanView is what the next run would do with one class.
type retentionClassPlanView struct {
	Action string            `json:"action"`
	Cutoff *time.Time        `json:"cutoff"` // null for a class that keeps its records
	Due    retentionListView `json:"due"`
	Held   retentionListView `json:"held"`
}

// retentionPreviewView is what the next retention run would do:
// bookingsCutoff, anonymise and held repeat the bookings' class.
type retentionPreviewView struct {
	At             time.Time                         `json:"at"`
	Policy         map[string]retentionClassView     `json:"policy"`
	Classes        map[string]retentionClassPlanView `json:"classes"`
	BookingsCutoff time.Time                         `json:"bookingsCutoff"`
	Anonymise      retentionListView                 `json:"anonymise"`
	Held           retentionListView                 `json:"held"`
}

func toRetentionList(count int, items []app.RetentionItem) retentionListView {
	v := retentionListView{Count: count, Items: []retentionItemView{}}
	for _, i := range items {
		v.Items = append(v.Items, retentionItemView(i))
	}
	return v
}

// retentionPreview shows an admin what the next retention run would do.
func (s *Server) retentionPreview(c *fiber.Ctx) error {
	actor, _ := caller(c)
	plan, err := s.app.RetentionPreview(c.UserContext(), actor)
	if err != nil {
		return err
	}
	v := retentionPreviewView{
		At: plan.At, BookingsCutoff: plan.BookingsCutoff,
		Policy:    map[string]retentionClassView{},
		Classes:   map[string]retentionClassPlanView{},
		Anonymise: toRetentionList(plan.AnonymiseCount, plan.Anonymise),
		Held:      toRetentionList(plan.HeldCount, plan.Held),
	}
	for _, cp := range plan.Classes {
		cl := cp.Class
		v.Policy[string(cl.Name)] = retentionClassView{Trigger: cl.Trigger, Years: cl.Years, Days: cl.Days, Action: string(cl.Action)}
		view := retentionClassPlanView{Action: string(cl.Action), Due: toRetentionList(cp.DueCount, cp.Due), Held: toRetentionList(cp.HeldCount, cp.Held)}
		if !cp.Cutoff.IsZero() {
			view.Cutoff = &cp.Cutoff
		}
		v.Classes[string(cl.Name)] = view
	}
	return writeJSON(c, v)
}

// legalHoldRequest places or lifts a case's legal hold.
type legalHoldRequest struct {
	Hold *bool `json:"hold" validate:"required"`
}

// setLegalHold places or lifts a legal hold on a case (coordinator).
func (s *Server) setLegalHold(c *fiber.Ctx) error {
	var req legalHoldRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	actor, _ := caller(c)
	cs, err := s.app.SetLegalHold(c.UserContext(), actor, c.Params("id"), *req.Hold)
	if err != nil {
		return err
	}
	setETag(c, cs.Version)
	return writeJSON(c, toCaseView(cs))
}

// closeCase closes a case (social worker, coordinator).
func (s *Server) closeCase(c *fiber.Ctx) error { return s.caseState(c, true) }

// reopenCase reopens a closed case (social worker, coordinator).
func (s *Server) reopenCase(c *fiber.Ctx) error { return s.caseState(c, false) }

func (s *Server) caseState(c *fiber.Ctx, closed bool) error {
	actor, _ := caller(c)
	cs, err := s.app.CloseCase(c.UserContext(), actor, c.Params("id"), closed)
	if err != nil {
		return err
	}
	setETag(c, cs.Version)
	return writeJSON(c, toCaseView(cs))
}

// setInterpreterHold places or lifts a legal hold on an interpreter
// record (coordinator).
func (s *Server) setInterpreterHold(c *fiber.Ctx) error {
	var req legalHoldRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	actor, _ := caller(c)
	in, err := s.app.SetInterpreterHold(c.UserContext(), actor, c.Params("id"), *req.Hold)
	if err != nil {
		return err
	}
	setETag(c, in.Version)
	return writeJSON(c, toInterpreterView(in))
}

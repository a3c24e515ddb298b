package api

import (
	"time"

	"github.com/tolk/tolk/data"
)

// caseInput is the body of POST and PUT /v1/cases. There is no field for a
// child's name, by design. The read-only fields of the representation GET
// returns are accepted and ignored.
type caseInput struct {
	ID           string `json:"id" validate:"idlen"`
	Organisation any    `json:"organisation"`
	CreatedBy    any    `json:"createdBy"`
	Version      any    `json:"version"`
	CreatedAt    any    `json:"createdAt"`
	UpdatedAt    any    `json:"updatedAt"`
	LegalHold    any    `json:"legalHold"` // changed by PUT /v1/cases/{id}/legal-hold only
	State        any    `json:"state"`     // changed by POST /v1/cases/{id}/close and /reopen only
	ClosedAt     any    `json:"closedAt"`
	AnonymisedAt any    `json:"anonymisedAt"`
	// Changed only by a transfer (/v1/cases/{id}/transfers, /v1/transfers).
	TransferPending any `json:"transferPending"`
	TransferredTo   any `json:"transferredTo"`
	TransferredFrom any `json:"transferredFrom"`
	Continuity      any `json:"continuity"`

	Reference            string           `json:"reference" validate:"required,referencelen"`
	LinkedReferences     []string         `json:"linkedReferences" validate:"caselist,dive,required,referencelen"`
	Child                childInput       `json:"child"`
	ExcludedInterpreters []exclusionInput `json:"excludedInterpreters" validate:"caselist,dive"`
}

type childInput struct {
	Languages         []childLanguageInput `json:"languages" validate:"required,min=1,childlanguages,dive"`
	InterpreterGender genderWishInput      `json:"interpreterGender"`
	CommunityLinks    []linkInput          `json:"communityLinks" validate:"caselinks,dive"`
	AvoidOwnCommunity bool                 `json:"avoidOwnCommunity"`
	AgeBand           string               `json:"ageBand" validate:"omitempty,ageband"`
}

type childLanguageInput struct {
	Tag string `json:"tag" validate:"required,bcp47"`
}

type genderWishInput struct {
	Preference string `json:"preference" validate:"omitempty,genderpreference"`
	Required   bool   `json:"required"`
}

type exclusionInput struct {
	InterpreterID string `json:"interpreterId" validate:"required,idlen"`
	Reason        string `json:"reason" validate:"reasonlen"`
}

func (in caseInput) toCase() data.Case {
	c := data.Case{
		Reference: in.Reference, LinkedReferences: append([]string(nil), in.LinkedReferences...),
		Child: data.Child{
			InterpreterGender: data.GenderWish{Preference: data.Gender(in.Child.InterpreterGender.Preference), Required: in.Child.InterpreterGender.Required},
			AvoidOwnCommunity: in.Child.AvoidOwnCommunity, AgeBand: data.AgeBand(in.Child.AgeBand),
		},
	}
	for _, l := range in.Child.Languages {
		c.Child.Languages = append(c.Child.Languages, l.Tag)
	}
	for _, l := range in.Child.CommunityLinks {
		c.Child.CommunityLinks = append(c.Child.CommunityLinks, data.CommunityLink{Kind: data.CommunityLinkKind(l.Kind), Value: l.Value})
	}
	for _, e := range in.ExcludedInterpreters {
		c.ExcludedInterpreters = append(c.ExcludedInterpreters, data.CaseExclusion{InterpreterID: e.InterpreterID, Reason: e.Reason})
	}
	c.Normalize()
	return c
}

type caseView struct {
	ID                   string          `json:"id"`
	Organisation         string          `json:"organisation"`
	Reference            string          `json:"reference"`
	LinkedReferences     []string        `json:"linkedReferences"`
	Child                childView       `json:"child"`
	ExcludedInterpreters []exclusionView `json:"excludedInterpreters"`
	LegalHold            bool            `json:"legalHold"`
	State                data.CaseState  `json:"state"`
	ClosedAt             *time.Time      `json:"closedAt,omitempty"`
	AnonymisedAt         *time.Time      `json:"anonymisedAt,omitempty"`
	CreatedBy            string          `json:"createdBy"`
	Version              int64           `json:"version"`
	CreatedAt            time.Time       `json:"createdAt"`
	UpdatedAt            time.Time       `json:"updatedAt"`

	// TransferPending names the case's transfer awaiting an answer;
	// TransferredTo the organisation an accepted transfer moved it to
	// (the case then takes no new interviews); TransferredFrom the
	// transfer it came from, and Continuity what that carried.
	TransferPending string           `json:"transferPending,omitempty"`
	TransferredTo   string           `json:"transferredTo,omitempty"`
	TransferredFrom string           `json:"transferredFrom,omitempty"`
	Continuity      []continuityView `json:"continuity"`
}

type childView struct {
	Languages         []childLanguageView `json:"languages"`
	InterpreterGender genderWishView      `json:"interpreterGender"`
	CommunityLinks    []linkView          `json:"communityLinks"`
	AvoidOwnCommunity bool                `json:"avoidOwnCommunity"`
	AgeBand           data.AgeBand        `json:"ageBand,omitempty"`
}

type childLanguageView struct {
	Tag string `json:"tag"`
}

type genderWishView struct {
	Preference data.Gender `json:"preference,omitempty"`
	Required   bool        `json:"required"`
}

// continuityView is one interpreter the child was, or was not,
// comfortable with, as a transfer carried it.
type continuityView struct {
	InterpreterID string `json:"interpreterId"`
	Comfortable   bool   `json:"comfortable"`
}

type exclusionView struct {
	InterpreterID string `json:"interpreterId"`
	Reason        string `json:"reason,omitempty"`
}

func toCaseView(c data.Case) caseView {
	v := caseView{
		ID: c.ID, Organisation: c.Organisation, Reference: c.Reference, LinkedReferences: []string{},
		Child: childView{
			Languages: []childLanguageView{}, CommunityLinks: []linkView{},
			InterpreterGender: genderWishView{c.Child.InterpreterGender.Preference, c.Child.InterpreterGender.Required},
			AvoidOwnCommunity: c.Child.AvoidOwnCommunity, AgeBand: c.Child.AgeBand,
		},
		ExcludedInterpreters: []exclusionView{}, LegalHold: c.LegalHold, State: c.State(), CreatedBy: c.CreatedBy, Version: c.Version,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
	if !c.Closed.IsZero() {
		v.ClosedAt = &c.Closed
	}
	if !c.Anonymised.IsZero() {
		v.AnonymisedAt = &c.Anonymised
	}
	v.LinkedReferences = append(v.LinkedReferences, c.LinkedReferences...)
	for _, l := range c.Child.Languages {
		v.Child.Languages = append(v.Child.Languages, childLanguageView{l})
	}
	for _, l := range c.Child.CommunityLinks {
		v.Child.CommunityLinks = append(v.Child.CommunityLinks, linkView{l.Kind, l.Value})
	}
	for _, e := range c.ExcludedInterpreters {
		v.ExcludedInterpreters = append(v.ExcludedInterpreters, exclusionView{e.InterpreterID, e.Reason})
	}
	v.TransferPending, v.TransferredTo, v.TransferredFrom = c.TransferPending, c.TransferredTo, c.TransferredFrom
	v.Continuity = []continuityView{}
	for _, x := range c.Continuity {
		v.Continuity = append(v.Continuity, continuityView(x))
	}
	return v
}

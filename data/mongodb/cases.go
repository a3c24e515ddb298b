package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tolk/tolk/data"
)

// caseDocument is a case as stored. The index on (organisation, _id) lists
// an organisation's cases in creation order.
type caseDocument struct {
	ID                   string              `bson:"_id"`
	Organisation         string              `bson:"organisation"`
	Reference            string              `bson:"reference"`
	LinkedReferences     []string            `bson:"linkedReferences"`
	Child                childDocument       `bson:"child"`
	ExcludedInterpreters []exclusionDocument `bson:"excludedInterpreters"`
	LegalHold            bool                `bson:"legalHold,omitempty"`
	// Closed is absent while the case is open; Anonymised until retention
	// anonymises it: retention's index selects closed cases whose
	// anonymised is null.
	Closed     *time.Time `bson:"closed,omitempty"`
	Anonymised *time.Time `bson:"anonymised,omitempty"`
	CreatedBy  string     `bson:"createdBy,omitempty"`
	Version    int64      `bson:"version"`
	CreatedAt  time.Time  `bson:"createdAt"`
	UpdatedAt  time.Time  `bson:"updatedAt"`

	// Set only with a transfer (transfers.go).
	TransferPending string               `bson:"transferPending,omitempty"`
	TransferredTo   string               `bson:"transferredTo,omitempty"`
	TransferredFrom string               `bson:"transferredFrom,omitempty"`
	Continuity      []continuityDocument `bson:"continuity,omitempty"`
}

type childDocument struct {
	Languages         []string       `bson:"languages"`
	GenderPreference  string         `bson:"genderPreference,omitempty"`
	GenderRequired    bool           `bson:"genderRequired"`
	CommunityLinks    []linkDocument `bson:"communityLinks"`
	AvoidOwnCommunity bool           `bson:"avoidOwnCommunity"`
	AgeBand           string         `bson:"ageBand,omitempty"`
}

type continuityDocument struct {
	InterpreterID string `bson:"interpreterId"`
	Comfortable   bool   `bson:"comfortable"`
}

type exclusionDocument struct {
	InterpreterID string `bson:"interpreterId"`
	Reason        string `bson:"reason,omitempty"`
}

func fromCase(c data.Case) caseDocument {
	d := caseDocument{
		ID: c.ID, Organisation: c.Organisation, Reference: c.Reference, LinkedReferences: c.LinkedReferences,
		Child: childDocument{
			Languages:         c.Child.Languages,
			GenderPreference:  string(c.Child.InterpreterGender.Preference),
			GenderRequired:    c.Child.InterpreterGender.Required,
			AvoidOwnCommunity: c.Child.AvoidOwnCommunity,
			AgeBand:           string(c.Child.AgeBand),
		},
		LegalHold: c.LegalHold, CreatedBy: c.CreatedBy, Version: c.Version,
		CreatedAt: data.Timestamp(c.CreatedAt), UpdatedAt: data.Timestamp(c.UpdatedAt),
		Closed: optionalTime(c.Closed), Anonymised: optionalTime(c.Anonymised),
		TransferPending: c.TransferPending, TransferredTo: c.TransferredTo, TransferredFrom: c.TransferredFrom,
	}
	for _, x := range c.Continuity {
		d.Continuity = append(d.Continuity, continuityDocument(x))
	}
	for _, l := range c.Child.CommunityLinks {
		d.Child.CommunityLinks = append(d.Child.CommunityLinks, linkDocument{string(l.Kind), l.Value})
	}
	for _, e := range c.ExcludedInterpreters {
		d.ExcludedInterpreters = append(d.ExcludedInterpreters, exclusionDocument(e))
	}
	return d
}

func (d caseDocument) toCase() data.Case {
	c := data.Case{
		ID: d.ID, Organisation: d.Organisation, Reference: d.Reference, LinkedReferences: d.LinkedReferences,
		Child: data.Child{
			Languages: d.Child.Languages,
			InterpreterGender: data.GenderWish{
				Preference: data.Gender(d.Child.GenderPreference), Required: d.Child.GenderRequired,
			},
			AvoidOwnCommunity: d.Child.AvoidOwnCommunity,
			AgeBand:           data.AgeBand(d.Child.AgeBand),
		},
		LegalHold: d.LegalHold, CreatedBy: d.CreatedBy, Version: d.Version, CreatedAt: utc(d.CreatedAt), UpdatedAt: utc(d.UpdatedAt),
		Closed: fromOptionalTime(d.Closed), Anonymised: fromOptionalTime(d.Anonymised),
		TransferPending: d.TransferPending, TransferredTo: d.TransferredTo, TransferredFrom: d.TransferredFrom,
	}
	for _, x := range d.Continuity {
		c.Continuity = append(c.Continuity, data.Continuity(x))
	}
	for _, l := range d.Child.CommunityLinks {
		c.Child.CommunityLinks = append(c.Child.CommunityLinks, data.CommunityLink{Kind: data.CommunityLinkKind(l.Kind), Value: l.Value})
	}
	for _, e := range d.ExcludedInterpreters {
		c.ExcludedInterpreters = append(c.ExcludedInterpreters, data.CaseExclusion(e))
	}
	return c
}

// caseKind is how update stores cases.
var caseKind = kind[data.Case, caseDocument]{
	coll:        casesCollection,
	toDoc:       fromCase,
	toRecord:    caseDocument.toCase,
	checkUpdate: data.Case.CheckUpdate,
}

// CreateCase commits a new case at version 1 with its change.
func (s *Store) CreateCase(ctx context.Context, c data.Case, ch data.Change) error {
	c.Version = 1
	return s.create(ctx, s.cases, "case", c.ID, fromCase(c), ch)
}

// Case returns the case with this ID.
func (s *Store) Case(ctx context.Context, id string) (data.Case, error) {
	var d caseDocument
	if err := s.read(ctx, s.cases, id, &d); err != nil {
		return data.Case{}, err
	}
	return d.toCase(), nil
}

// UpdateCase changes the case through fn, re-run when another change of
// the case lands first (update).
func (s *Store) UpdateCase(ctx context.Context, id string, fn data.Update[data.Case]) (data.Case, error) {
	return update(ctx, s, caseKind, id, fn)
}

// ListCases returns an organisation's cases newest first, on the index on
// (organisation, _id).
func (s *Store) ListCases(ctx context.Context, q data.CaseQuery) (data.Page[data.Case], error) {
	if q.Organisation == "" {
		return data.Page[data.Case]{}, invalid("organisation", "is required")
	}
	if err := s.finishPending(ctx, casesCollection); err != nil {
		return data.Page[data.Case]{}, err
	}
	filter := bson.D{{Key: "organisation", Value: q.Organisation}}
	if q.Before != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: q.Before}}})
	}
	return findPage(ctx, s.cases, filter, -1, data.PageSize(q.Limit), caseDocument.toCase,
		func(c data.Case) string { return c.ID })
}

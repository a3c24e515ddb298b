package bolt

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

var (
	bucketCases = []byte("cases") // ID → record
	// "<organisation>\x00<id>": an organisation's cases in ID (creation) order.
	bucketCasesByOrg = "cases_by_org"
	// "<closed key>\x00<id>" for each closed case not yet anonymised: what
	// retention walks, from the case closed first.
	bucketCasesToRetain = "cases_to_retain"
)

var caseKind = recordKind{
	bucket:  bucketCases,
	indexes: []string{bucketCasesByOrg, bucketCasesToRetain},
	entries: decode(caseRecord.toCase, caseIndexes),
}

// caseIndexes derives every index entry of a case: its organisation, and
// its closing while retention has still to anonymise it.
func caseIndexes(c data.Case) []indexEntry {
	out := []indexEntry{{bucket: bucketCasesByOrg, key: indexKey(c.Organisation, c.ID)}}
	if !c.Closed.IsZero() && c.Anonymised.IsZero() {
		out = append(out, indexEntry{bucket: bucketCasesToRetain, key: indexKey(startKey(c.Closed), c.ID)})
	}
	return out
}

// caseRecord is a case as the cases bucket stores it, in JSON.
type caseRecord struct {
	ID                   string            `json:"id"`
	Organisation         string            `json:"organisation"`
	Reference            string            `json:"reference"`
	LinkedReferences     []string          `json:"linkedReferences,omitempty"`
	Child                childRecord       `json:"child"`
	ExcludedInterpreters []exclusionRecord `json:"excludedInterpreters,omitempty"`
	LegalHold            bool              `json:"legalHold,omitempty"`
	Closed               string            `json:"closed,omitempty"`
	Anonymised           string            `json:"anonymised,omitempty"`
	CreatedBy            string            `json:"createdBy,omitempty"`
	Version              int64             `json:"version"`
	CreatedAt            string            `json:"createdAt"`
	UpdatedAt            string            `json:"updatedAt"`

	// Set only with a transfer (transfers.go).
	TransferPending string             `json:"transferPending,omitempty"`
	TransferredTo   string             `json:"transferredTo,omitempty"`
	TransferredFrom string             `json:"transferredFrom,omitempty"`
	Continuity      []continuityRecord `json:"continuity,omitempty"`
}

type childRecord struct {
	Languages         []string     `json:"languages,omitempty"`
	GenderPreference  string       `json:"genderPreference,omitempty"`
	GenderRequired    bool         `json:"genderRequired,omitempty"`
	CommunityLinks    []linkRecord `json:"communityLinks,omitempty"`
	AvoidOwnCommunity bool         `json:"avoidOwnCommunity,omitempty"`
	AgeBand           string       `json:"ageBand,omitempty"`
}

type continuityRecord struct {
	InterpreterID string `json:"interpreterId"`
	Comfortable   bool   `json:"comfortable,omitempty"`
}

type exclusionRecord struct {
	InterpreterID string `json:"interpreterId"`
	Reason        string `json:"reason,omitempty"`
}

func fromCase(c data.Case) caseRecord {
	r := caseRecord{
		ID: c.ID, Organisation: c.Organisation, Reference: c.Reference, LinkedReferences: c.LinkedReferences,
		Child: childRecord{
			Languages:        c.Child.Languages,
			GenderPreference: string(c.Child.InterpreterGender.Preference), GenderRequired: c.Child.InterpreterGender.Required,
			AvoidOwnCommunity: c.Child.AvoidOwnCommunity, AgeBand: string(c.Child.AgeBand),
		},
		LegalHold: c.LegalHold, Closed: encodeTime(c.Closed), Anonymised: encodeTime(c.Anonymised), CreatedBy: c.CreatedBy, Version: c.Version, CreatedAt: encodeTime(c.CreatedAt), UpdatedAt: encodeTime(c.UpdatedAt),
		TransferPending: c.TransferPending, TransferredTo: c.TransferredTo, TransferredFrom: c.TransferredFrom,
	}
	for _, x := range c.Continuity {
		r.Continuity = append(r.Continuity, continuityRecord(x))
	}
	for _, l := range c.Child.CommunityLinks {
		r.Child.CommunityLinks = append(r.Child.CommunityLinks, linkRecord{string(l.Kind), l.Value})
	}
	for _, e := range c.ExcludedInterpreters {
		r.ExcludedInterpreters = append(r.ExcludedInterpreters, exclusionRecord(e))
	}
	return r
}

func (r caseRecord) toCase() data.Case {
	c := data.Case{
		ID: r.ID, Organisation: r.Organisation, Reference: r.Reference, LinkedReferences: r.LinkedReferences,
		Child: data.Child{
			Languages: r.Child.Languages,
			InterpreterGender: data.GenderWish{
				Preference: data.Gender(r.Child.GenderPreference), Required: r.Child.GenderRequired,
			},
			AvoidOwnCommunity: r.Child.AvoidOwnCommunity, AgeBand: data.AgeBand(r.Child.AgeBand),
		},
		LegalHold: r.LegalHold, Closed: decodeTime(r.Closed), Anonymised: decodeTime(r.Anonymised), CreatedBy: r.CreatedBy, Version: r.Version, CreatedAt: decodeTime(r.CreatedAt), UpdatedAt: decodeTime(r.UpdatedAt),
		TransferPending: r.TransferPending, TransferredTo: r.TransferredTo, TransferredFrom: r.TransferredFrom,
	}
	for _, x := range r.Continuity {
		c.Continuity = append(c.Continuity, data.Continuity(x))
	}
	for _, l := range r.Child.CommunityLinks {
		c.Child.CommunityLinks = append(c.Child.CommunityLinks, data.CommunityLink{Kind: data.CommunityLinkKind(l.Kind), Value: l.Value})
	}
	for _, e := range r.ExcludedInterpreters {
		c.ExcludedInterpreters = append(c.ExcludedInterpreters, data.CaseExclusion(e))
	}
	return c
}

// CreateCase stores a new case, its index entry and its change in one
// transaction.
func (s *Store) CreateCase(ctx context.Context, c data.Case, ch data.Change) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCases)
		if b.Get([]byte(c.ID)) != nil {
			return fmt.Errorf("case %s: %w", c.ID, data.ErrDuplicate)
		}
		if err := writeIndexes(tx, nil, caseIndexes(c)); err != nil {
			return err
		}
		if err := put(b, c.ID, fromCase(c)); err != nil {
			return err
		}
		return putChange(tx, ch)
	})
}

// Case returns the case with this ID.
func (s *Store) Case(ctx context.Context, id string) (data.Case, error) {
	var c data.Case
	err := s.view(ctx, func(tx *bolt.Tx) error {
		rec, err := get[caseRecord](tx.Bucket(bucketCases), id)
		c = rec.toCase()
		return err
	})
	return c, err
}

// UpdateCase runs fn on the case inside one write transaction (see
// updateRecord) and writes what it returns at the version read plus one,
// the difference between its old and new index entries, and fn's change.
func (s *Store) UpdateCase(ctx context.Context, id string, fn data.Update[data.Case]) (data.Case, error) {
	return updateRecord(ctx, s, id, fn, readCase, writeCase)
}

func readCase(tx *bolt.Tx, id string) (data.Case, error) {
	rec, err := get[caseRecord](tx.Bucket(bucketCases), id)
	if err != nil {
		return data.Case{}, fmt.Errorf("case %s: %w", id, err)
	}
	return rec.toCase(), nil
}

// writeCase stores next in place of cur at cur's version plus one, moving
// its index entries.
func writeCase(tx *bolt.Tx, cur, next data.Case) (data.Case, error) {
	next.Version = cur.Version + 1
	if err := writeIndexes(tx, caseIndexes(cur), caseIndexes(next)); err != nil {
		return data.Case{}, err
	}
	rec := fromCase(next)
	if err := put(tx.Bucket(bucketCases), next.ID, rec); err != nil {
		return data.Case{}, err
	}
	return rec.toCase(), nil
}

// ListCases returns an organisation's cases newest first, walking the
// cases_by_org index backwards from the cursor.
func (s *Store) ListCases(ctx context.Context, q data.CaseQuery) (data.Page[data.Case], error) {
	if q.Organisation == "" {
		return data.Page[data.Case]{}, invalid("organisation", "is required")
	}
	limit := data.PageSize(q.Limit)
	var page data.Page[data.Case]
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		ids := seekIndex(tx.Bucket([]byte(bucketCasesByOrg)), indexPrefix(q.Organisation), q.Before, true).take(limit+1, nil)
		page, err = pageOf(tx.Bucket(bucketCases), ids, limit, caseRecord.toCase)
		return err
	})
	return page, err
}

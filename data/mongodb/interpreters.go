package mongodb

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tolk/tolk/data"
)

// CreateInterpreter commits a new record at version 1 with its audit entry.
func (s *Store) CreateInterpreter(ctx context.Context, in data.Interpreter, audit data.AuditEntry) error {
	in.Version = 1
	return s.create(ctx, s.interpreters, "interpreter", in.ID, fromInterpreter(in), audit)
}

// Interpreter returns the record with this ID.
func (s *Store) Interpreter(ctx context.Context, id string) (data.Interpreter, error) {
	var d interpreterDocument
	if err := s.read(ctx, s.interpreters, id, &d); err != nil {
		return data.Interpreter{}, err
	}
	return d.toInterpreter(), nil
}

// UpdateInterpreter commits in at in.Version+1 with its audit entry if the
// stored record is at in.Version. Of writers holding the same version, the
// one whose lock goes in first wins (locks.go).
func (s *Store) UpdateInterpreter(ctx context.Context, in data.Interpreter, audit data.AuditEntry) (data.Interpreter, error) {
	cur, err := s.Interpreter(ctx, in.ID)
	if err != nil {
		return data.Interpreter{}, err
	}
	if cur.Version != in.Version {
		return data.Interpreter{}, fmt.Errorf("interpreter %s at version %d, not %d: %w", in.ID, cur.Version, in.Version, data.ErrConflict)
	}
	in.Version++
	doc := fromInterpreter(in)
	err = s.commit(ctx, change{coll: interpretersCollection, id: in.ID, version: in.Version, doc: doc, audit: audit})
	if errors.Is(err, errStale) {
		return data.Interpreter{}, fmt.Errorf("interpreter %s: %w", in.ID, data.ErrConflict)
	}
	if err != nil {
		return data.Interpreter{}, err
	}
	return doc.toInterpreter(), nil
}

// ListInterpreters lands the changes in flight, then filters on the indexed
// languageKeys and renewalKeys arrays and the vetting status.
func (s *Store) ListInterpreters(ctx context.Context, q data.InterpreterQuery) (data.Page[data.Interpreter], error) {
	if err := s.finishPending(ctx, interpretersCollection); err != nil {
		return data.Page[data.Interpreter]{}, err
	}
	filter := bson.D{}
	if q.LanguageKey != "" {
		filter = append(filter, bson.E{Key: "languageKeys", Value: q.LanguageKey})
	}
	if q.Status != "" {
		filter = append(filter, bson.E{Key: "vetting.status", Value: string(q.Status)})
	}
	if !q.RenewalBy.IsZero() {
		// An element of the array in range matches; "" (a missing item)
		// sorts before every date.
		filter = append(filter, bson.E{Key: "renewalKeys", Value: bson.D{{Key: "$lte", Value: q.RenewalBy.String()}}})
	}
	if q.After != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: q.After}}})
	}
	return findPage(ctx, s.interpreters, filter, 1, data.PageSize(q.Limit),
		interpreterDocument.toInterpreter,
		func(in data.Interpreter) string { return in.ID })
}

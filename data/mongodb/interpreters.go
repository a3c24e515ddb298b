package mongodb

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tolk/tolk/data"
)

// interpreterKind is how update stores interpreter records.
var interpreterKind = kind[data.Interpreter, interpreterDocument]{
	coll:        interpretersCollection,
	toDoc:       fromInterpreter,
	toRecord:    interpreterDocument.toInterpreter,
	checkUpdate: data.Interpreter.CheckUpdate,
}

// CreateInterpreter commits a new record at version 1 with its change.
func (s *Store) CreateInterpreter(ctx context.Context, in data.Interpreter, ch data.Change) error {
	in.Version = 1
	return s.create(ctx, s.interpreters, "interpreter", in.ID, fromInterpreter(in), ch)
}

// Interpreter returns the record with this ID.
func (s *Store) Interpreter(ctx context.Context, id string) (data.Interpreter, error) {
	var d interpreterDocument
	if err := s.read(ctx, s.interpreters, id, &d); err != nil {
		return data.Interpreter{}, err
	}
	return d.toInterpreter(), nil
}

// UpdateInterpreter changes the record through fn, re-run when another
// change of the record lands first (update).
func (s *Store) UpdateInterpreter(ctx context.Context, id string, fn data.Update[data.Interpreter]) (data.Interpreter, error) {
	return update(ctx, s, interpreterKind, id, fn)
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

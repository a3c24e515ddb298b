package mongodb

import (
	"context"
	"regexp"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

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
	if q.Email != "" || q.NamePrefix != "" || q.ByName {
		return s.interpretersByKey(ctx, q)
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

// interpretersByKey answers a query by email (off email_id, in ID order)
// or by name (off nameKey_id, in name order, the cursor data.NameCursor).
func (s *Store) interpretersByKey(ctx context.Context, q data.InterpreterQuery) (data.Page[data.Interpreter], error) {
	limit := data.PageSize(q.Limit)
	filter := bson.D{}
	if q.Status != "" {
		filter = append(filter, bson.E{Key: "vetting.status", Value: string(q.Status)})
	}
	if q.Email != "" {
		filter = append(filter, bson.E{Key: "email", Value: data.NormalizeEmail(q.Email)})
		if q.After != "" {
			filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: q.After}}})
		}
		return findPageHinted(ctx, s.interpreters, filter, "email_id", 1, limit, interpreterDocument.toInterpreter,
			func(in data.Interpreter) string { return in.ID })
	}
	if prefix := data.NameKey(q.NamePrefix); prefix != "" {
		filter = append(filter, bson.E{Key: "nameKey", Value: bson.Regex{Pattern: "^" + regexp.QuoteMeta(prefix)}})
	}
	if name, id, ok := strings.Cut(q.After, "\x00"); ok {
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "nameKey", Value: bson.D{{Key: "$gt", Value: name}}}},
			bson.D{{Key: "nameKey", Value: name}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: id}}}},
		}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "nameKey", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit + 1)).SetHint("nameKey_id")
	cur, err := s.interpreters.Find(ctx, filter, opts)
	if err != nil {
		return data.Page[data.Interpreter]{}, translate(err, interpretersCollection)
	}
	var docs []interpreterDocument
	if err := cur.All(ctx, &docs); err != nil {
		return data.Page[data.Interpreter]{}, translate(err, interpretersCollection)
	}
	var page data.Page[data.Interpreter]
	for i, d := range docs {
		if i == limit {
			page.Next = data.NameCursor(page.Items[limit-1])
			break
		}
		page.Items = append(page.Items, d.toInterpreter())
	}
	return page, nil
}

// keyInterpreterNames gives nameKey to records stored before it existed,
// so that a search by name finds them. It finds nothing once done.
func (s *Store) keyInterpreterNames(ctx context.Context) error {
	cur, err := s.interpreters.Find(ctx, bson.D{{Key: "nameKey", Value: bson.D{{Key: "$exists", Value: false}}}},
		options.Find().SetProjection(bson.D{{Key: "name", Value: 1}}))
	if err != nil {
		return translate(err, "key interpreter names")
	}
	var docs []struct {
		ID   string `bson:"_id"`
		Name string `bson:"name"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return translate(err, "key interpreter names")
	}
	for _, d := range docs {
		if _, err := s.interpreters.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "nameKey", Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "nameKey", Value: data.NameKey(d.Name)}}}}); err != nil {
			return translate(err, "key interpreter names")
		}
	}
	return nil
}

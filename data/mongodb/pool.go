package mongodb

import (
	"context"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tolk/tolk/data"
)

// MatchPool lands the interpreter changes in flight, reads every
// interpreter under the language keys in one query off the languageKeys
// index, then their holding bookings in [from, to) as ConfirmedBookings
// does, and builds each one's profile and slots. It keeps nothing from
// one call to the next, so a write through any instance is seen at once.
// Keeping them, as the bbolt store does, would take reading the records'
// and the schedules' versions first (a query of its own) and checking
// that no schedule change is in flight (its version lands before its
// booking does: see the package comment's Bookings).
func (s *Store) MatchPool(ctx context.Context, languageKeys []string, from, to time.Time) ([]data.PoolMember, error) {
	if len(languageKeys) == 0 {
		return nil, nil
	}
	if err := s.finishPending(ctx, interpretersCollection); err != nil {
		return nil, err
	}
	filter := bson.D{{Key: "languageKeys", Value: bson.D{{Key: "$in", Value: languageKeys}}}}
	cur, err := s.interpreters.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate(err, interpretersCollection)
	}
	var docs []interpreterDocument
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, interpretersCollection)
	}
	records := make([]data.Interpreter, len(docs))
	ids := make([]string, len(docs))
	for i, d := range docs {
		records[i] = d.toInterpreter()
		ids[i] = records[i].ID
	}
	bookings, err := s.ConfirmedBookings(ctx, ids, from, to)
	if err != nil {
		return nil, err
	}
	slots := map[string][]data.Slot{}
	for _, b := range bookings {
		slots[b.InterpreterID] = append(slots[b.InterpreterID], data.SlotOf(b))
	}
	out := make([]data.PoolMember, len(records))
	for i := range records {
		ss := slots[records[i].ID]
		slices.SortFunc(ss, data.CompareSlots)
		out[i] = data.PoolMember{Profile: data.NewProfile(&records[i]), Slots: ss}
	}
	slices.SortStableFunc(out, func(a, b data.PoolMember) int {
		return strings.Compare(a.Profile.Interpreter.ID, b.Profile.Interpreter.ID)
	})
	return out, nil
}

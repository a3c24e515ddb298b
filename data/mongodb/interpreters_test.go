package mongodb

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tolk/tolk/data"
)

// TestOpenKeysInterpreterNames: a record stored before nameKey existed is
// given one when the store opens, so a search by name finds it.
func TestOpenKeysInterpreterNames(t *testing.T) {
	open := freshDatabase(t)
	s := open().(*Store)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	in := data.Interpreter{ID: data.NewID(now), Name: "Nâzdar Ali", Email: "nazdar@example.org", Gender: data.GenderFemale,
		Vetting: data.Vetting{Status: data.VettingPending}, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateInterpreter(t.Context(), in, data.Audited(data.NewAuditEntry(now, data.User{ID: "c-1", Organisation: "north"},
		data.ScopeRegister, data.ActionInterpreterCreated, data.EntityInterpreter, in.ID))); err != nil {
		t.Fatal(err)
	}
	if _, err := s.interpreters.UpdateOne(t.Context(), bson.D{{Key: "_id", Value: in.ID}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "nameKey", Value: ""}}}}); err != nil {
		t.Fatal(err)
	}
	if page, err := s.ListInterpreters(t.Context(), data.InterpreterQuery{NamePrefix: "naz"}); err != nil || len(page.Items) != 0 {
		t.Fatalf("before reopening: %d found (%v), want none (the record has no nameKey)", len(page.Items), err)
	}
	again := open()
	page, err := again.ListInterpreters(t.Context(), data.InterpreterQuery{NamePrefix: "naz"})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != in.ID {
		t.Errorf("after reopening: %+v (%v), want the record", page.Items, err)
	}
}

package mongodb

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tolk/tolk/data"
)

// These tests check what came with offers in the records of other
// resources: the link of a user to an interpreter, and records stored
// before.

// An interpreter record is linked to at most one user, and any number of
// users are linked to none. FerretDB 1.24 ignores the sparse option of the
// unique index on interpreterId, but never holds a missing field in a
// unique index, so it refuses the second link and admits every user
// without one, as MongoDB does with the sparse index.
func TestInterpreterLinkUnique(t *testing.T) {
	s := freshDatabase(t)().(*Store)
	ctx := t.Context()
	user := func(n int, role data.Role, interpreter string) data.User {
		return data.User{ID: data.NewID(time.Now()), Name: "U", Email: fmt.Sprintf("u%d@example.org", n), Role: role,
			InterpreterID: interpreter, Organisation: "north", KeyHash: data.HashKey(fmt.Sprint(n))}
	}
	for i, u := range []data.User{
		user(1, data.RoleCoordinator, ""), user(2, data.RoleSocialWorker, ""),
		user(3, data.RoleInterpreter, "int-1"), user(4, data.RoleInterpreter, "int-2"),
	} {
		if err := s.CreateUser(ctx, u, registered(u.ID, data.ActionUserCreated)); err != nil {
			t.Fatalf("user %d: %v", i, err)
		}
		if got, err := s.User(ctx, u.ID); err != nil || got.InterpreterID != u.InterpreterID {
			t.Errorf("user %d reads linked to %q, %v; want %q", i, got.InterpreterID, err, u.InterpreterID)
		}
	}
	second := user(5, data.RoleInterpreter, "int-1")
	if err := s.CreateUser(ctx, second, registered(second.ID, data.ActionUserCreated)); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("a second user of int-1: %v, want ErrDuplicate", err)
	}
	if _, err := s.User(ctx, second.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("the refused user: %v, want ErrNotFound", err)
	}
	if ids := auditIDs(t, s, second.ID); len(ids) != 0 {
		t.Errorf("the refused user was audited: %v", ids)
	}
	wantNoLocks(t, s)
}

// Bookings stored before offers existed carry no confirmation: they read
// as direct. Interpreter records stored before availability was kept read
// as available at any time.
func TestRecordsStoredBeforeOffers(t *testing.T) {
	s := freshDatabase(t)().(*Store)
	ctx := t.Context()
	b := newTestBooking("int-1", 0)
	doc := fromBooking(b)
	doc.Confirmation = ""
	if _, err := s.bookings.InsertOne(ctx, doc); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Booking(ctx, b.ID); err != nil || got.Confirmation != data.ConfirmationDirect || got.OfferID != "" {
		t.Errorf("an old booking reads confirmed %q by offer %q, %v; want direct", got.Confirmation, got.OfferID, err)
	}
	in := newTestInterpreter("Before availability")
	raw, err := bson.Marshal(fromInterpreter(in))
	if err != nil {
		t.Fatal(err)
	}
	var d bson.D
	if err := bson.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	d = slices.DeleteFunc(d, func(e bson.E) bool { return e.Key == "availability" })
	if _, err := s.interpreters.InsertOne(ctx, d); err != nil {
		t.Fatal(err)
	}
	got, err := s.Interpreter(ctx, in.ID)
	if err != nil || got.Availability.Declared() || !got.Availability.Covers(morning, morning.Add(time.Hour)) {
		t.Errorf("an old record's availability = %+v, %v; want none declared", got.Availability, err)
	}
}

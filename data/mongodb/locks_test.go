package mongodb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tolk/tolk/data"
)

// These tests reach inside the store to leave locks as writers that died
// would leave them, and check who lands them and how.

func newTestInterpreter(name string) data.Interpreter {
	now := time.Now()
	return data.Interpreter{
		ID: data.NewID(now), Name: name, Email: "o@example.org", Gender: data.GenderFemale,
		Languages: []data.LanguageSkill{{Tag: "ti", Proficiency: data.ProficiencyNative}},
		Vetting:   data.Vetting{Status: data.VettingPending}, Version: 1, CreatedAt: now, UpdatedAt: now,
	}
}

func registerEntry(id string, action data.Action) data.AuditEntry {
	return data.NewAuditEntry(time.Now(), data.User{ID: "coordinator-1", Organisation: "north"}, data.ScopeRegister, action, data.EntityInterpreter, id)
}

// registered is the change of one register entry.
func registered(id string, action data.Action) data.Change {
	return data.Audited(registerEntry(id, action))
}

// rename is an update function that renames an interpreter, audited as
// entry.
func rename(name string, entry data.AuditEntry) data.Update[data.Interpreter] {
	return func(in data.Interpreter) (data.Interpreter, data.Change, error) {
		in.Name = name
		return in, data.Audited(entry), nil
	}
}

// createInterpreter stores a fresh record at version 1.
func createInterpreter(t *testing.T, s *Store, name string) data.Interpreter {
	t.Helper()
	in := newTestInterpreter(name)
	if err := s.CreateInterpreter(t.Context(), in, registered(in.ID, data.ActionInterpreterCreated)); err != nil {
		t.Fatal(err)
	}
	return in
}

// Ages of locks: a writer still at work, and one that died long ago.
const (
	live = time.Duration(0)
	dead = time.Hour
)

// commitOnly inserts the lock of c, committed age ago by s's reckoning
// (as commitLock stamps it), and stops there, as a writer that has not
// landed it yet (live) or never will (dead).
func commitOnly(t *testing.T, s *Store, c change, age time.Duration) lockDocument {
	t.Helper()
	l, err := newLock(c)
	if err != nil {
		t.Fatal(err)
	}
	at, err := s.dbNow(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	l.At = data.Timestamp(at.Add(-age))
	if _, err := s.locks.InsertOne(t.Context(), l); err != nil {
		t.Fatal(err)
	}
	return l
}

// interpreterChange is the change that writes in at in.Version.
func interpreterChange(in data.Interpreter, audit data.AuditEntry) change {
	return change{coll: interpretersCollection, id: in.ID, version: in.Version, doc: fromInterpreter(in), ch: data.Audited(audit)}
}

// auditIDs lists the IDs of the entries about an entity, oldest first.
func auditIDs(t *testing.T, s *Store, entityID string) []string {
	t.Helper()
	page, err := s.ListAudit(t.Context(), data.AuditQuery{EntityID: entityID, Limit: data.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range slices.Backward(page.Items) {
		ids = append(ids, e.ID)
	}
	return ids
}

func wantNoLocks(t *testing.T, s *Store) {
	t.Helper()
	n, err := s.locks.CountDocuments(t.Context(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d locks left, want none", n)
	}
}

func wantRecord(t *testing.T, s *Store, id, name string, version int64) {
	t.Helper()
	got, err := s.Interpreter(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != name || got.Version != version {
		t.Errorf("record holds %q version %d, want %q version %d", got.Name, got.Version, name, version)
	}
}

// A writer committed version 2 and died: the next read, through another
// store instance, lands it with its audit entry.
func TestDeadWriterLandedByRead(t *testing.T) {
	open := freshDatabase(t)
	s, other := open().(*Store), open().(*Store)
	in := createInterpreter(t, s, "Original")
	died := in
	died.Name, died.Version = "Committed by a writer that died", 2
	entry := registerEntry(in.ID, data.ActionInterpreterUpdated)
	commitOnly(t, s, interpreterChange(died, entry), dead)

	wantRecord(t, other, in.ID, died.Name, 2)
	if ids := auditIDs(t, other, in.ID); len(ids) != 2 || ids[1] != entry.ID {
		t.Errorf("audit = %v, want the creation and %s", ids, entry.ID)
	}
	wantNoLocks(t, s)
}

// A lock whose writer is still at work is its writer's to land: readers
// see the record without the change until it has landed.
func TestReaderLeavesLiveLock(t *testing.T) {
	s := freshDatabase(t)().(*Store)
	in := createInterpreter(t, s, "Original")
	next := in
	next.Name, next.Version = "Being written", 2
	l := commitOnly(t, s, interpreterChange(next, registerEntry(in.ID, data.ActionInterpreterUpdated)), live)
	wantRecord(t, s, in.ID, in.Name, 1)
	if page, err := s.ListInterpreters(t.Context(), data.InterpreterQuery{}); err != nil || page.Items[0].Version != 1 {
		t.Errorf("listing during the write: %v, %v", page.Items, err)
	}
	if ids := auditIDs(t, s, in.ID); len(ids) != 1 {
		t.Errorf("audit during the write = %v, want the creation only", ids)
	}
	if err := s.settle(t.Context(), l); err != nil {
		t.Fatal(err)
	}
	wantRecord(t, s, in.ID, next.Name, 2)
	wantNoLocks(t, s)
}

// A listing and a look-up by key hash land the changes in flight of their
// collection first.
func TestDeadWriterLandedByQuery(t *testing.T) {
	s := freshDatabase(t)().(*Store)
	in := createInterpreter(t, s, "Original")
	died := in
	died.Languages, died.Version = []data.LanguageSkill{{Tag: "am", Proficiency: data.ProficiencyFluent}}, 2
	commitOnly(t, s, interpreterChange(died, registerEntry(in.ID, data.ActionInterpreterUpdated)), dead)
	page, err := s.ListInterpreters(t.Context(), data.InterpreterQuery{LanguageKey: "am"})
	if err != nil || len(page.Items) != 1 || page.Items[0].Version != 2 {
		t.Errorf("listing by the committed language: %+v, %v", page.Items, err)
	}

	u := data.User{ID: data.NewID(time.Now()), Name: "U", Email: "u@example.org", Role: data.RoleCoordinator,
		Organisation: "north", KeyHash: data.HashKey("old")}
	if err := s.CreateUser(t.Context(), u, registered(u.ID, data.ActionUserCreated)); err != nil {
		t.Fatal(err)
	}
	doc := fromUser(u)
	doc.KeyHash = data.HashKey("new")
	commitOnly(t, s, change{coll: usersCollection, id: u.ID, version: 2, doc: doc, ch: registered(u.ID, data.ActionKeyIssued)}, dead)
	if got, err := s.UserByKeyHash(t.Context(), data.HashKey("new")); err != nil || got.ID != u.ID {
		t.Errorf("UserByKeyHash(committed key) = %v, %v", got.ID, err)
	}
	if _, err := s.UserByKeyHash(t.Context(), data.HashKey("old")); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("UserByKeyHash(replaced key) error = %v, want ErrNotFound", err)
	}
	wantNoLocks(t, s)
}

// A writer that finds a dead writer's committed lock lands it, then loses:
// the record has moved past the version it read.
func TestDeadWriterLandedByWriter(t *testing.T) {
	s := freshDatabase(t)().(*Store)
	ctx := t.Context()
	in := createInterpreter(t, s, "Original")
	died := in
	died.Name, died.Version = "Committed by a writer that died", 2
	entry := registerEntry(in.ID, data.ActionInterpreterUpdated)
	commitOnly(t, s, interpreterChange(died, entry), dead)

	next := in
	next.Name = "Next writer"
	lost := registerEntry(in.ID, data.ActionInterpreterUpdated)
	// Skip the read that would land the lock: commit version 2 directly, as
	// a writer whose read came just before the dead writer's commit.
	next.Version = 2
	if _, err := s.commit(ctx, interpreterChange(next, lost)); !errors.Is(err, errStale) {
		t.Fatalf("commit against a committed lock: error = %v, want errStale", err)
	}
	wantRecord(t, s, in.ID, died.Name, 2)
	if ids := auditIDs(t, s, in.ID); len(ids) != 2 || ids[1] != entry.ID {
		t.Errorf("audit = %v, want the creation and %s only", ids, entry.ID)
	}
	// Through the front door, the store reads version 2 and writes 3.
	if updated, err := s.UpdateInterpreter(ctx, in.ID, rename(next.Name, lost)); err != nil || updated.Version != 3 || updated.Name != next.Name {
		t.Fatalf("update after the landing: %q version %d, %v", updated.Name, updated.Version, err)
	}
	wantNoLocks(t, s)
}

// A void lock (its writer read a version already replaced, then died) is
// never landed, and it does not hold up the next writer: that writer drops
// it and commits at once.
func TestVoidLockDropped(t *testing.T) {
	s := freshDatabase(t)().(*Store)
	ctx := t.Context()
	in := createInterpreter(t, s, "Original")
	v2, err := s.UpdateInterpreter(ctx, in.ID, rename("Version 2", registerEntry(in.ID, data.ActionInterpreterUpdated)))
	if err != nil {
		t.Fatal(err)
	}
	stale := in
	stale.Name, stale.Version = "Stale writer", 2
	staleEntry := registerEntry(in.ID, data.ActionInterpreterUpdated)
	commitOnly(t, s, interpreterChange(stale, staleEntry), live)
	wantRecord(t, s, in.ID, v2.Name, 2)
	wantNoLocks(t, s)

	// Again, now in the way of a writer whose read came before it.
	commitOnly(t, s, interpreterChange(stale, staleEntry), live)
	v3 := v2
	v3.Name, v3.Version = "Version 3", 3
	if _, err := s.commit(ctx, interpreterChange(v3, registerEntry(in.ID, data.ActionInterpreterUpdated))); err != nil {
		t.Fatalf("commit past a void lock: %v", err)
	}
	wantRecord(t, s, in.ID, v3.Name, 3)
	if ids := auditIDs(t, s, in.ID); len(ids) != 3 || slices.Contains(ids, staleEntry.ID) {
		t.Errorf("audit = %v: want 3 entries, none of them the stale writer's %s", ids, staleEntry.ID)
	}
	wantNoLocks(t, s)
}

// A change whose request is cancelled right after its lock went in lands
// anyway, at once: landing runs detached from the request.
func TestCancelledAfterCommitLands(t *testing.T) {
	s := freshDatabase(t)().(*Store)
	in := createInterpreter(t, s, "Original")
	next := in
	next.Name, next.Version = "Committed, then cancelled", 2
	entry := registerEntry(in.ID, data.ActionInterpreterUpdated)
	l := commitOnly(t, s, interpreterChange(next, entry), live)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.settle(ctx, l); err != nil {
		t.Fatalf("settle on a cancelled context: %v", err)
	}
	var d interpreterDocument
	if err := s.interpreters.FindOne(t.Context(), bson.D{{Key: "_id", Value: in.ID}}).Decode(&d); err != nil || d.Version != 2 || d.Name != next.Name {
		t.Fatalf("stored record: %q version %d, %v", d.Name, d.Version, err)
	}
	if ids := auditIDs(t, s, in.ID); !slices.Contains(ids, entry.ID) {
		t.Errorf("audit = %v, want %s in it", ids, entry.ID)
	}
	wantNoLocks(t, s)
}

// A create whose email is taken, and a key change to a hash another user
// holds, leave nothing behind: no lock, no record, no audit entry. Both are
// refused by the unique indexes when the lock lands, the second inside an
// update (FerretDB reports that as an InternalError).
func TestRefusedChangeLeavesNothing(t *testing.T) {
	s := freshDatabase(t)().(*Store)
	ctx := t.Context()
	user := func(n int) data.User {
		return data.User{ID: data.NewID(time.Now()), Name: "U", Email: fmt.Sprintf("u%d@example.org", n),
			Role: data.RoleCoordinator, Organisation: "north", KeyHash: data.HashKey(fmt.Sprint(n))}
	}
	a, b := user(1), user(2)
	for _, u := range []data.User{a, b} {
		if err := s.CreateUser(ctx, u, registered(u.ID, data.ActionUserCreated)); err != nil {
			t.Fatal(err)
		}
	}
	taken := user(3)
	taken.Email = a.Email
	if err := s.CreateUser(ctx, taken, registered(taken.ID, data.ActionUserCreated)); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("CreateUser with a taken email: error = %v, want ErrDuplicate", err)
	}
	if _, err := s.User(ctx, taken.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("refused user stored: %v", err)
	}
	if ids := auditIDs(t, s, taken.ID); len(ids) != 0 {
		t.Errorf("refused create audited: %v", ids)
	}
	wantNoLocks(t, s)

	// A key change that passed its look-up before b took the hash.
	doc := fromUser(a)
	doc.KeyHash = b.KeyHash
	commitOnly(t, s, change{coll: usersCollection, id: a.ID, version: 2, doc: doc, ch: registered(a.ID, data.ActionKeyIssued)}, dead)
	if got, err := s.User(ctx, a.ID); err != nil || got.KeyHash != a.KeyHash {
		t.Errorf("after a refused key change, a = %v, %v", got.KeyHash, err)
	}
	if ids := auditIDs(t, s, a.ID); len(ids) != 1 {
		t.Errorf("refused key change audited: %v", ids)
	}
	wantNoLocks(t, s)
}

// Users stored before users had versions get version 1 when a store opens,
// and then change like any other.
func TestUnversionedUser(t *testing.T) {
	open := freshDatabase(t)
	s := open().(*Store)
	u := data.User{ID: data.NewID(time.Now()), Name: "Old", Email: "old@example.org", Role: data.RoleAdmin,
		Organisation: "north", KeyHash: data.HashKey("old")}
	legacy := fromUser(u)
	raw, err := bson.Marshal(legacy)
	if err != nil {
		t.Fatal(err)
	}
	var d bson.D
	if err := bson.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	d = slices.DeleteFunc(d, func(e bson.E) bool { return e.Key == "version" })
	if _, err := s.users.InsertOne(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	s = open().(*Store)
	got, err := s.UpdateUser(t.Context(), u.ID, func(u data.User) (data.User, data.Change, error) {
		u.KeyHash = data.HashKey("new")
		return u, registered(u.ID, data.ActionKeyIssued), nil
	})
	if err != nil || got.KeyHash != data.HashKey("new") {
		t.Fatalf("UpdateUser on an unversioned user: %v, %v", got.KeyHash, err)
	}
}

// A finisher that died between landing a lock and deleting its claims left
// them behind; the next store to open deletes those whose lock is gone,
// and keeps a claim whose lock is still there, and a fresh one.
func TestOpenSweepsOrphanClaims(t *testing.T) {
	open := freshDatabase(t)
	s := open().(*Store)
	in := createInterpreter(t, s, "Claimed")
	died := in
	died.Name, died.Version = "Still locked", 2
	held := commitOnly(t, s, interpreterChange(died, registerEntry(in.ID, data.ActionInterpreterUpdated)), time.Minute)
	old := time.Now().Add(-2 * DefaultLockTimeout)
	claims := []claimDocument{
		{ID: "interpreters/gone/tok#1", N: 1, At: old},       // its lock is gone: swept
		{ID: "interpreters/gone/tok#2", N: 2, At: old},       // swept
		{ID: held.ID + "#1", N: 1, At: old},                  // its lock is there: kept
		{ID: "interpreters/new/tok#1", N: 1, At: time.Now()}, // fresh: kept
	}
	for _, c := range claims {
		c.Key = c.ID
		if _, err := s.locks.InsertOne(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	other := open().(*Store)
	var left []string
	for _, c := range claims {
		if err := other.locks.FindOne(t.Context(), bson.D{{Key: "_id", Value: c.ID}}).Err(); err == nil {
			left = append(left, c.ID)
		}
	}
	want := []string{held.ID + "#1", "interpreters/new/tok#1"}
	if !slices.Equal(left, want) {
		t.Errorf("claims left after Open: %v, want %v", left, want)
	}
	if err := other.locks.FindOne(t.Context(), bson.D{{Key: "_id", Value: held.ID}}).Err(); err != nil {
		t.Errorf("the held lock itself: %v", err)
	}
}

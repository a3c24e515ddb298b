// Package datatest is the conformance suite for data.Store. Every backend's
// tests call Run, so the embedded and MongoDB stores are held to one contract:
// the same results, the same sentinel errors, the same atomicity, every
// record landing with its data.Change (audit entries and outbox messages)
// or not at all, update functions whose rule holds for whichever writer
// wins a race (writers race through two store instances), deliverers'
// leases that never let two of them hold one message, and every query
// answered from an index (paging tests mix records that do not match into
// every page).
package datatest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tolk/tolk/data"
)

// NewDatabase prepares a fresh, empty database for one test and returns a
// function that opens a store instance on it. Each call of open should return
// a separate instance (its own client and connection pool) when the backend
// allows several on one database; a backend that allows only one (bbolt
// locks its file) returns the same instance every time. The backend closes
// what it opens when the test ends (closing twice must be harmless).
type NewDatabase func(t *testing.T) (open func() data.Store)

// Run runs every conformance test against stores made by newDB.
func Run(t *testing.T, newDB NewDatabase) {
	t.Run("Ping", func(t *testing.T) { testPing(t, newDB(t)()) })
	t.Run("CancelledContext", func(t *testing.T) { testCancelledContext(t, newDB(t)()) })
	t.Run("AfterClose", func(t *testing.T) { testAfterClose(t, newDB(t)()) })
	t.Run("Users", func(t *testing.T) { testUsers(t, newDB(t)()) })
	t.Run("UserUniqueness", func(t *testing.T) { testUserUniqueness(t, newDB(t)()) })
	t.Run("UserKeys", func(t *testing.T) { testUserKeys(t, newDB(t)()) })
	t.Run("UserByEmail", func(t *testing.T) { testUserByEmail(t, newDB(t)()) })
	t.Run("UserPaging", func(t *testing.T) { testUserPaging(t, newDB(t)()) })
	t.Run("UsersByRole", func(t *testing.T) { testUsersByRole(t, newDB(t)()) })
	t.Run("InterpreterUsers", func(t *testing.T) { testInterpreterUsers(t, newDB(t)) })
	t.Run("ConcurrentUserCreates", func(t *testing.T) { testConcurrentUserCreates(t, newDB(t)) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, newDB(t)()) })
	t.Run("AuditPaging", func(t *testing.T) { testAuditPaging(t, newDB(t)()) })
	t.Run("AuditScopesPaging", func(t *testing.T) { testAuditScopesPaging(t, newDB(t)()) })
	t.Run("NewestAudit", func(t *testing.T) { testNewestAudit(t, newDB(t)) })
	t.Run("ChangeLandsWithItsAudit", func(t *testing.T) { testChangeLandsWithItsAudit(t, newDB(t)()) })
	t.Run("AppendChange", func(t *testing.T) { testAppendChange(t, newDB(t)()) })
	t.Run("ChangeWithoutAudit", func(t *testing.T) { testChangeWithoutAudit(t, newDB(t)()) })
	t.Run("Interpreters", func(t *testing.T) { testInterpreters(t, newDB(t)()) })
	t.Run("InterpreterUpdates", func(t *testing.T) { testInterpreterUpdates(t, newDB(t)()) })
	t.Run("InterpreterLanguageLookup", func(t *testing.T) { testInterpreterLanguageLookup(t, newDB(t)()) })
	t.Run("InterpreterPaging", func(t *testing.T) { testInterpreterPaging(t, newDB(t)()) })
	t.Run("InterpreterRenewals", func(t *testing.T) { testInterpreterRenewals(t, newDB(t)()) })
	t.Run("InterpreterSearch", func(t *testing.T) { testInterpreterSearch(t, newDB(t)()) })
	t.Run("InterpreterAvailability", func(t *testing.T) { testInterpreterAvailability(t, newDB(t)()) })
	runCasesAndBookings(t, newDB)
	runOffers(t, newDB)
	runTransfers(t, newDB)
	runFeeds(t, newDB)
	runSessions(t, newDB)
	runMessages(t, newDB)
	runUnmetNeed(t, newDB)
	runUpdates(t, newDB)
	runUpdateRaces(t, newDB)
}

// cmpOpts compares records field by field, dates by value.
var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b data.Date) bool { return a == b }),
	cmpopts.EquateEmpty(),
}

// base is a fixed instant with nanoseconds and a zone other than UTC, so
// every round-trip test also checks truncation and normalisation.
var base = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.FixedZone("CET", 3600))

// actor is the user every fixture change is attributed to.
var actor = data.User{ID: "actor-1", Organisation: "north"}

func testPing(t *testing.T, s data.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func newUser(n int, role data.Role, org string) data.User {
	now := base.Add(time.Duration(n) * time.Second)
	return data.User{
		ID:           data.NewID(now),
		Name:         fmt.Sprintf("User %d", n),
		Email:        fmt.Sprintf("user%d@example.org", n),
		Role:         role,
		Organisation: org,
		KeyHash:      data.HashKey(fmt.Sprintf("key-%d", n)),
		CreatedAt:    now,
		UpdatedAt:    now,
	}
}

// userAudit is the entry a fixture user's change lands with.
func userAudit(u data.User, action data.Action) data.AuditEntry {
	return data.NewAuditEntry(base, actor, u.Organisation, action, data.EntityUser, u.ID)
}

// interpreterAudit is the entry an interpreter change lands with.
func interpreterAudit(in data.Interpreter, action data.Action) data.AuditEntry {
	return data.NewAuditEntry(base, actor, data.ScopeRegister, action, data.EntityInterpreter, in.ID)
}

// userChange and interpreterChange are the changes of one such entry.
func userChange(u data.User, action data.Action) data.Change {
	return data.Audited(userAudit(u, action))
}

func interpreterChange(in data.Interpreter, action data.Action) data.Change {
	return data.Audited(interpreterAudit(in, action))
}

// to is the update function that stores next, whatever the record is now,
// with ch: what a test that knows the record it wants passes.
func to[T any](next T, ch data.Change) data.Update[T] {
	return func(T) (T, data.Change, error) { return next, ch, nil }
}

// stored returns u as a store gives it back: times in UTC, to the millisecond.
func stored(u data.User) data.User {
	u.CreatedAt = data.Timestamp(u.CreatedAt)
	u.UpdatedAt = data.Timestamp(u.UpdatedAt)
	return u
}

// auditActions lists the actions recorded for an entity, oldest first.
func auditActions(t *testing.T, s data.Store, entityID string) []data.Action {
	t.Helper()
	page, err := s.ListAudit(t.Context(), data.AuditQuery{EntityID: entityID, Limit: data.MaxPageSize})
	if err != nil {
		t.Fatalf("ListAudit(%s): %v", entityID, err)
	}
	var out []data.Action
	for i := len(page.Items) - 1; i >= 0; i-- {
		out = append(out, page.Items[i].Action)
	}
	return out
}

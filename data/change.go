package data

import (
	"errors"
	"fmt"
)

// Change is everything that lands with a write besides the record itself:
// the audit entries that describe it (and, as the service grows, the
// messages it causes). Every write method of Store takes one, and a store
// writes the record and its Change in one atomic step, or neither: there is
// no stored change without its entries, and no entry without its change.
//
// A Change is built by package app, which knows who acts and why; stores
// only land it.
type Change struct {
	// Audit holds the entries that describe the change, at least one, in
	// the order they happened.
	Audit []AuditEntry
	// Messages are what people must hear of the change (the outbox): they
	// land queued with it. A message whose ID is already in the outbox is
	// the same message (IDs derived from what a message is about make
	// scheduled work idempotent): it is not written again, and the change
	// lands.
	Messages []Message
	// UnmetNeed are the entries of unmet need the change decides (an
	// offer left unfilled, a search that found nobody). An entry whose ID
	// is already stored is the same entry (see SearchNeedID): it is not
	// written again, and the change lands.
	UnmetNeed []UnmetNeed
}

// Audited returns the change described by these audit entries.
func Audited(entries ...AuditEntry) Change { return Change{Audit: entries} }

// ErrNoChange is what an update function returns to leave the record as it
// is: the store writes nothing and returns the record as it read it, with a
// nil error. It never reaches the caller of the update method.
var ErrNoChange = errors.New("no change")

// Check refuses, with a *ValidationError, a change a store must not land:
// one without an audit entry, or with an entry that lacks its ID, action or
// entity. Stores call it before they write.
func (c Change) Check() error {
	var p problems
	if len(c.Audit) == 0 {
		p.add("audit", "a change lands with at least one audit entry")
	}
	for i, e := range c.Audit {
		if e.ID == "" || e.Action == "" || e.EntityType == "" {
			p.add(fmt.Sprintf("audit[%d]", i), "needs an ID, an action and an entity type")
		}
	}
	for i, m := range c.Messages {
		if err := m.Validate(); err != nil {
			p.add(fmt.Sprintf("messages[%d]", i), err.Error())
		} else if m.Status != MessageQueued {
			p.add(fmt.Sprintf("messages[%d]", i), "a change's message lands queued")
		}
	}
	for i, n := range c.UnmetNeed {
		if err := n.Validate(); err != nil {
			p.add(fmt.Sprintf("unmetNeed[%d]", i), err.Error())
		}
	}
	return p.err()
}

// Update is how every versioned record changes (after dex's storage
// update functions). The store reads the record as it is now and calls the
// function with it; the function returns the record to store and the
// Change that describes it, or an error. The store writes the record at
// the version it read plus one, with its Change, atomically.
//
// When another write of the record lands between the read and the write,
// the store reads again and calls the function again, so the rule the
// function states holds for the record the store replaces, whichever
// writer wins. The function must therefore be a pure function of its
// argument: it may run more than once and inside the store's write
// transaction, so it never calls the store and has no effect it cannot
// repeat. The record it gets is its own copy (slices included): changing
// it in place never touches what the store holds.
//
// An error from the function is returned as it is (the same value) and
// nothing is written; ErrNoChange (or an error wrapping it) writes nothing
// and returns the record as read. A store that serialises writers
// optimistically may, after many losses in a row to other writers of the
// same record, give up with ErrConflict; the conformance suite's races (20
// writers of one record through two instances) all land.
type Update[T any] func(current T) (T, Change, error)

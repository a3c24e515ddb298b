package datatest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// runUpdates runs the conformance tests of update functions (data.Update)
// on every record that changes through one.
func runUpdates(t *testing.T, newDB NewDatabase) {
	t.Run("InterpreterUpdateFunction", func(t *testing.T) { testUpdateFunction(t, newDB(t)(), interpreterUpdates) })
	t.Run("CaseUpdateFunction", func(t *testing.T) { testUpdateFunction(t, newDB(t)(), caseUpdates) })
	t.Run("UserUpdateFunction", func(t *testing.T) { testUpdateFunction(t, newDB(t)(), userUpdates) })
	t.Run("FeedUpdateFunction", func(t *testing.T) { testUpdateFunction(t, newDB(t)(), feedUpdates) })
	t.Run("BookingUpdateFunction", func(t *testing.T) { testUpdateFunction(t, newDB(t)(), bookingUpdates) })
	t.Run("OfferUpdateFunction", func(t *testing.T) { testUpdateFunction(t, newDB(t)(), offerUpdates) })
}

// updates is how the suite creates, reads and updates one kind of record.
type updates[T any] struct {
	// create stores a fresh record and returns it as the store keeps it.
	create func(t *testing.T, s data.Store) T
	id     func(T) string
	// get and update are the store's methods, as method expressions.
	get    func(s data.Store, ctx context.Context, id string) (T, error)
	update func(s data.Store, ctx context.Context, id string, fn data.Update[T]) (T, error)
	// version and withVersion read and set the record's version; nil for
	// a record without one (a user).
	version     func(T) int64
	withVersion func(T, int64) T
	// change is a change a rule could make, and entry the audit entry it
	// lands with.
	change func(T) T
	entry  func(T) data.AuditEntry
	// scribble changes elements of the record's slices in place, as a
	// rule may before it finds nothing to change; nil for a record
	// without slices.
	scribble func(T)
	// invalid are changes the store refuses with ErrInvalid, by what they
	// change: every field the record never changes, and what the store
	// could not keep.
	invalid map[string]func(T) T
}

// testUpdateFunction: the update function gets the record as stored; what
// it returns is stored at the version read plus one (whatever version it
// sets) with its change, and returned as stored. Its error comes back as
// it is, and data.ErrNoChange returns the record as read; an immutable
// field changed, a record the store cannot keep, or a change without an
// audit entry is ErrInvalid; an unknown ID is ErrNotFound without calling
// the function. Every refusal writes nothing: not the record, not an
// index entry, not an audit entry.
func testUpdateFunction[T any](t *testing.T, s data.Store, u updates[T]) {
	ctx := t.Context()
	created := u.create(t, s)
	id := u.id(created)
	before, err := u.get(s, ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(created, before, cmpOpts); diff != "" {
		t.Fatalf("the record as read differs from the one created (-want +got):\n%s", diff)
	}
	audited := len(auditActions(t, s, id))
	unchanged := func(what string) {
		t.Helper()
		if got, err := u.get(s, ctx, id); err != nil || !cmp.Equal(before, got, cmpOpts) {
			t.Errorf("%s: the record was written (-before +after):\n%s", what, cmp.Diff(before, got, cmpOpts))
		}
		if got := auditActions(t, s, id); len(got) != audited {
			t.Errorf("%s: audit %v, want the %d entries from before", what, got, audited)
		}
	}

	// data.ErrNoChange writes nothing and returns the record as read,
	// whatever else the function returned or did to its argument.
	got, err := u.update(s, ctx, id, func(cur T) (T, data.Change, error) {
		next := u.change(cur)
		if u.scribble != nil {
			u.scribble(cur)
		}
		return next, data.Audited(u.entry(cur)), data.ErrNoChange
	})
	if err != nil || !cmp.Equal(before, got, cmpOpts) {
		t.Errorf("an update function returning ErrNoChange: %v (-want +got):\n%s", err, cmp.Diff(before, got, cmpOpts))
	}
	unchanged("after ErrNoChange")

	// The function's error comes back as it is.
	errRule := errors.New("the rule refuses")
	stateErr := &data.StateError{Code: "test_refusal", Reason: "the state refuses"}
	for _, want := range []error{errRule, stateErr} {
		_, err := u.update(s, ctx, id, func(cur T) (T, data.Change, error) {
			return u.change(cur), data.Audited(u.entry(cur)), want
		})
		if err != want {
			t.Errorf("an update function's error %T %q came back as %T %v, want it as it is", want, want, err, err)
		}
		unchanged("after the function's error")
	}
	if _, err := u.update(s, ctx, id, func(cur T) (T, data.Change, error) {
		return cur, data.Change{}, stateErr
	}); !errors.Is(err, data.ErrTransition) {
		t.Errorf("an update function's *StateError: %v, want it to match ErrTransition", err)
	} else if se, ok := errors.AsType[*data.StateError](err); !ok || se != stateErr {
		t.Errorf("an update function's *StateError came back as %v", err)
	}

	// What the record never changes, and what the store cannot keep, are
	// refused whole.
	for field, set := range u.invalid {
		var next T
		_, err := u.update(s, ctx, id, func(cur T) (T, data.Change, error) {
			next = set(u.change(cur))
			return next, data.Audited(u.entry(cur)), nil
		})
		if _, ok := errors.AsType[*data.ValidationError](err); !ok || !errors.Is(err, data.ErrInvalid) {
			t.Errorf("an update function changing %s: %v, want a ValidationError", field, err)
		}
		unchanged("after a refused change of " + field)
		if other := u.id(next); other != id {
			if _, err := u.get(s, ctx, other); !errors.Is(err, data.ErrNotFound) {
				t.Errorf("a change of the ID refused, the new ID was stored: %v", err)
			}
		}
	}

	// A change without an audit entry, or with an entry lacking its
	// action, is refused whole.
	for what, ch := range map[string]func(cur T) data.Change{
		"no audit entry": func(T) data.Change { return data.Change{} },
		"an entry without an action": func(cur T) data.Change {
			e := u.entry(cur)
			e.Action = ""
			return data.Audited(e)
		},
	} {
		_, err := u.update(s, ctx, id, func(cur T) (T, data.Change, error) { return u.change(cur), ch(cur), nil })
		if !errors.Is(err, data.ErrInvalid) {
			t.Errorf("an update with %s: %v, want ErrInvalid", what, err)
		}
		unchanged("after an update with " + what)
	}

	// An unknown record is not found, and its function never runs.
	called := false
	if _, err := u.update(s, ctx, "no-such-record", func(cur T) (T, data.Change, error) {
		called = true
		return u.change(cur), data.Audited(u.entry(cur)), nil
	}); !errors.Is(err, data.ErrNotFound) || called {
		t.Errorf("an update of an unknown record: %v, want ErrNotFound (the function called: %v)", err, called)
	}

	// A change lands at the version read plus one, whatever version the
	// function sets, with its entry, and comes back as stored.
	var read T
	entry := u.entry(before)
	got, err = u.update(s, ctx, id, func(cur T) (T, data.Change, error) {
		read = cur
		next := u.change(cur)
		if u.withVersion != nil {
			next = u.withVersion(next, 99)
		}
		return next, data.Audited(entry), nil
	})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if diff := cmp.Diff(before, read, cmpOpts); diff != "" {
		t.Errorf("the update function got (-want +got):\n%s", diff)
	}
	want := u.change(before)
	if u.version != nil {
		want = u.withVersion(want, u.version(before)+1)
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("the update returned (-want +got):\n%s", diff)
	}
	if stored, err := u.get(s, ctx, id); err != nil || !cmp.Equal(want, stored, cmpOpts) {
		t.Errorf("stored after the update: %v (-want +got):\n%s", err, cmp.Diff(want, stored, cmpOpts))
	}
	page, err := s.ListAudit(ctx, data.AuditQuery{EntityID: id})
	if err != nil || len(page.Items) != audited+1 || page.Items[0].ID != entry.ID {
		t.Errorf("audit after the update: %+v, %v; want its entry on top of the %d from before", page.Items, err, audited)
	}
}

// later is when the fixtures' updates happen, as a store keeps the time.
var later = data.Timestamp(base.Add(time.Hour))

var interpreterUpdates = updates[data.Interpreter]{
	create: func(t *testing.T, s data.Store) data.Interpreter {
		in := newInterpreter(1, "ti")
		if err := s.CreateInterpreter(t.Context(), in, interpreterChange(in, data.ActionInterpreterCreated)); err != nil {
			t.Fatal(err)
		}
		return storedInterpreter(in)
	},
	id:          func(in data.Interpreter) string { return in.ID },
	get:         data.Store.Interpreter,
	update:      data.Store.UpdateInterpreter,
	version:     func(in data.Interpreter) int64 { return in.Version },
	withVersion: func(in data.Interpreter, v int64) data.Interpreter { in.Version = v; return in },
	change: func(in data.Interpreter) data.Interpreter {
		in.Name, in.Experience.Years, in.UpdatedAt = "Changed", in.Experience.Years+1, later
		return in
	},
	entry: func(in data.Interpreter) data.AuditEntry { return interpreterAudit(in, data.ActionInterpreterUpdated) },
	scribble: func(in data.Interpreter) {
		in.Languages[0].Tag, in.Training[0].Expires = "zz", data.MustDate("2000-01-01")
		in.Availability.Weekly[0].From, in.Availability.Unavailable[0].End = 1, time.Time{}
	},
	invalid: map[string]func(data.Interpreter) data.Interpreter{
		"id":        func(in data.Interpreter) data.Interpreter { in.ID = data.NewID(later); return in },
		"createdAt": func(in data.Interpreter) data.Interpreter { in.CreatedAt = in.CreatedAt.Add(time.Second); return in },
	},
}

var caseUpdates = updates[data.Case]{
	create: func(t *testing.T, s data.Store) data.Case {
		c := newCase(1, "north")
		if err := s.CreateCase(t.Context(), c, caseChange(c, data.ActionCaseCreated)); err != nil {
			t.Fatal(err)
		}
		return storedCase(c)
	},
	id:          func(c data.Case) string { return c.ID },
	get:         data.Store.Case,
	update:      data.Store.UpdateCase,
	version:     func(c data.Case) int64 { return c.Version },
	withVersion: func(c data.Case, v int64) data.Case { c.Version = v; return c },
	change: func(c data.Case) data.Case {
		c.LinkedReferences = append(slices.Clip(c.LinkedReferences), "NR-2026-0099")
		c.UpdatedAt = later
		return c
	},
	entry: func(c data.Case) data.AuditEntry { return caseAudit(c, data.ActionCaseUpdated) },
	scribble: func(c data.Case) {
		c.LinkedReferences[0], c.Child.Languages[0], c.ExcludedInterpreters[0].Reason = "scribbled", "zz", "scribbled"
	},
	invalid: map[string]func(data.Case) data.Case{
		"id":           func(c data.Case) data.Case { c.ID = data.NewID(later); return c },
		"organisation": func(c data.Case) data.Case { c.Organisation = "south"; return c },
		"createdBy":    func(c data.Case) data.Case { c.CreatedBy = "sw-2"; return c },
		"createdAt":    func(c data.Case) data.Case { c.CreatedAt = c.CreatedAt.Add(time.Second); return c },
	},
}

var userUpdates = updates[data.User]{
	create: func(t *testing.T, s data.Store) data.User {
		u := newUser(1, data.RoleCoordinator, "north")
		if err := s.CreateUser(t.Context(), u, userChange(u, data.ActionUserCreated)); err != nil {
			t.Fatal(err)
		}
		return stored(u)
	},
	id:     func(u data.User) string { return u.ID },
	get:    data.Store.User,
	update: data.Store.UpdateUser,
	change: func(u data.User) data.User {
		u.KeyHash, u.AccessRevoked, u.UpdatedAt = data.HashKey("a new key"), true, later
		return u
	},
	entry: func(u data.User) data.AuditEntry { return userAudit(u, data.ActionKeyRevoked) },
	invalid: map[string]func(data.User) data.User{
		"id":            func(u data.User) data.User { u.ID = data.NewID(later); return u },
		"organisation":  func(u data.User) data.User { u.Organisation = "south"; return u },
		"interpreterId": func(u data.User) data.User { u.InterpreterID = "int-1"; return u },
		"createdAt":     func(u data.User) data.User { u.CreatedAt = u.CreatedAt.Add(time.Second); return u },
	},
}

var feedUpdates = updates[data.Feed]{
	create: func(t *testing.T, s data.Store) data.Feed {
		f := newFeed(1, "sw-1")
		createFeed(t, s, f)
		return storedFeed(f)
	},
	id:          func(f data.Feed) string { return f.ID },
	get:         data.Store.Feed,
	update:      data.Store.UpdateFeed,
	version:     func(f data.Feed) int64 { return f.Version },
	withVersion: func(f data.Feed, v int64) data.Feed { f.Version = v; return f },
	change: func(f data.Feed) data.Feed {
		f.RevokedAt, f.UpdatedAt = later, later
		return f
	},
	entry: func(f data.Feed) data.AuditEntry { return feedAudit(f, data.ActionFeedRevoked) },
	invalid: map[string]func(data.Feed) data.Feed{
		"id":            func(f data.Feed) data.Feed { f.ID = data.NewID(later); return f },
		"organisation":  func(f data.Feed) data.Feed { f.Organisation = "south"; return f },
		"owner":         func(f data.Feed) data.Feed { f.Owner = "sw-2"; return f },
		"scope":         func(f data.Feed) data.Feed { f.Scope = data.FeedOrganisation; return f },
		"interpreterId": func(f data.Feed) data.Feed { f.InterpreterID = "int-2"; return f },
		"createdAt":     func(f data.Feed) data.Feed { f.CreatedAt = f.CreatedAt.Add(time.Second); return f },
	},
}

var bookingUpdates = updates[data.Booking]{
	create: func(t *testing.T, s data.Store) data.Booking {
		b := inPerson(newBooking(newCase(1, "north"), "int-1", "10:00", "11:00"), 30*time.Minute)
		if err := book(t, s, b); err != nil {
			t.Fatal(err)
		}
		return storedBooking(b)
	},
	id:          func(b data.Booking) string { return b.ID },
	get:         data.Store.Booking,
	update:      data.Store.UpdateBooking,
	version:     func(b data.Booking) int64 { return b.Version },
	withVersion: func(b data.Booking, v int64) data.Booking { b.Version = v; return b },
	change: func(b data.Booking) data.Booking {
		b.Start, b.End, b.Location = at("10:30"), at("11:30"), "Room 5"
		b.Sequence++
		b.UpdatedAt = later
		return b
	},
	entry: func(b data.Booking) data.AuditEntry { return bookingAudit(b, data.ActionBookingRescheduled) },
	scribble: func(b data.Booking) {
		b.Match.Factors[0].Reason, b.Match.Warnings[0].Code = "scribbled", "scribbled"
	},
	invalid: map[string]func(data.Booking) data.Booking{
		"id":            func(b data.Booking) data.Booking { b.ID = data.NewID(later); return b },
		"organisation":  func(b data.Booking) data.Booking { b.Organisation = "south"; return b },
		"caseId":        func(b data.Booking) data.Booking { b.CaseID = "another-case"; return b },
		"interpreterId": func(b data.Booking) data.Booking { b.InterpreterID = "int-2"; return b },
		"createdAt":     func(b data.Booking) data.Booking { b.CreatedAt = b.CreatedAt.Add(time.Second); return b },
		"end, beyond the longest booking": func(b data.Booking) data.Booking {
			b.End = b.Start.Add(data.MaxBookingDuration + time.Minute)
			return b
		},
		"buffer, beyond the largest": func(b data.Booking) data.Booking { b.Buffer = data.MaxBuffer + time.Minute; return b },
	},
}

var offerUpdates = updates[data.Offer]{
	create: func(t *testing.T, s data.Store) data.Offer {
		o := newOffer(newCase(1, "north"), data.OfferCascade, base, "int-1", "int-2")
		createOffer(t, s, o)
		return storedOffer(o)
	},
	id:          func(o data.Offer) string { return o.ID },
	get:         data.Store.Offer,
	update:      data.Store.UpdateOffer,
	version:     func(o data.Offer) int64 { return o.Version },
	withVersion: func(o data.Offer, v int64) data.Offer { o.Version = v; return o },
	change: func(o data.Offer) data.Offer {
		next, err := o.Cancel("changed", data.OutcomeCancelledByRequester, later)
		if err != nil {
			panic(err)
		}
		return next
	},
	entry: func(o data.Offer) data.AuditEntry { return offerAudit(o, data.ActionOfferCancelled) },
	scribble: func(o data.Offer) {
		o.Invitations[0].Status, o.Invitations[1].InterpreterID = "scribbled", "scribbled"
	},
	invalid: map[string]func(data.Offer) data.Offer{
		"id":           func(o data.Offer) data.Offer { o.ID = data.NewID(later); return o },
		"organisation": func(o data.Offer) data.Offer { o.Organisation = "south"; return o },
		"caseId":       func(o data.Offer) data.Offer { o.CaseID = "another-case"; return o },
		"start":        func(o data.Offer) data.Offer { o.Start = o.Start.Add(time.Minute); return o },
		"end":          func(o data.Offer) data.Offer { o.End = o.End.Add(time.Minute); return o },
		"createdAt":    func(o data.Offer) data.Offer { o.CreatedAt = o.CreatedAt.Add(time.Second); return o },
		"interpreterIds, reordered": func(o data.Offer) data.Offer {
			o.Invitations = []data.Invitation{o.Invitations[1], o.Invitations[0]}
			return o
		},
		"interpreterIds, one more": func(o data.Offer) data.Offer {
			o.Invitations = append(slices.Clip(o.Invitations), data.Invitation{InterpreterID: "int-3", Status: data.InvitationQueued})
			return o
		},
	},
}

package datatest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// testChangeLandsWithItsAudit: every write stores its change's entries
// with it, all of them; a refused write stores none; and an entry whose ID
// is taken refuses the write it describes, and every other entry of its
// change.
func testChangeLandsWithItsAudit(t *testing.T, s data.Store) {
	ctx := t.Context()
	in := newInterpreter(1, "ti")
	created := interpreterAudit(in, data.ActionInterpreterCreated)
	if err := s.CreateInterpreter(ctx, in, data.Audited(created)); err != nil {
		t.Fatal(err)
	}
	page, err := s.ListAudit(ctx, data.AuditQuery{EntityID: in.ID})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("audit after create: %v, %v", page.Items, err)
	}
	wantEntry := created
	wantEntry.At = data.Timestamp(wantEntry.At)
	if diff := cmp.Diff(wantEntry, page.Items[0], cmpOpts); diff != "" {
		t.Errorf("stored entry (-want +got):\n%s", diff)
	}

	// An update whose entry reuses a taken ID is refused whole.
	change := in
	change.Name = "Changed"
	if _, err := s.UpdateInterpreter(ctx, in.ID, to(change, data.Audited(created))); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("UpdateInterpreter with a taken audit ID: error = %v, want ErrDuplicate", err)
	}
	if got, _ := s.Interpreter(ctx, in.ID); got.Name != in.Name || got.Version != 1 {
		t.Errorf("an update refused for its audit entry was stored: %q version %d", got.Name, got.Version)
	}
	// A create whose entry reuses a taken ID is refused whole.
	other := newInterpreter(2, "ti")
	if err := s.CreateInterpreter(ctx, other, data.Audited(created)); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("CreateInterpreter with a taken audit ID: error = %v, want ErrDuplicate", err)
	}
	if _, err := s.Interpreter(ctx, other.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("a create refused for its audit entry was stored: %v", err)
	}
	// So is a change whose second entry reuses a taken ID: its first entry
	// does not land either.
	fresh := interpreterAudit(in, data.ActionInterpreterUpdated)
	if _, err := s.UpdateInterpreter(ctx, in.ID, to(change, data.Audited(fresh, created))); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("UpdateInterpreter whose second entry's ID is taken: error = %v, want ErrDuplicate", err)
	}
	if got, _ := s.Interpreter(ctx, in.ID); got.Name != in.Name || got.Version != 1 {
		t.Errorf("an update refused for its second entry was stored: %q version %d", got.Name, got.Version)
	}
	if got := auditActions(t, s, in.ID); !slices.Equal(got, []data.Action{data.ActionInterpreterCreated}) {
		t.Errorf("audit after refused changes = %v, want the creation only", got)
	}

	// A change of two entries lands both, with the record.
	suspend := change
	suspend.Vetting.Status = data.VettingSuspended
	two := data.Audited(interpreterAudit(in, data.ActionInterpreterUpdated), interpreterAudit(in, data.ActionVettingSuspend))
	if _, err := s.UpdateInterpreter(ctx, in.ID, to(suspend, two)); err != nil {
		t.Fatal(err)
	}
	// An update its function refuses stores no entry.
	refused := errors.New("refused by the rule")
	if _, err := s.UpdateInterpreter(ctx, in.ID, func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
		return cur, interpreterChange(cur, data.ActionInterpreterUpdated), refused
	}); !errors.Is(err, refused) {
		t.Fatalf("an update its function refuses: %v", err)
	}
	want := []data.Action{data.ActionInterpreterCreated, data.ActionInterpreterUpdated, data.ActionVettingSuspend}
	if got := auditActions(t, s, in.ID); !slices.Equal(got, want) {
		t.Errorf("audit = %v, want %v: every entry of every stored change, no other", got, want)
	}
}

// testAppendChange: a change that touches no record lands all its entries
// or none: not one without an entry, nor one with an entry that lacks its
// action, nor one with an entry whose ID is taken.
func testAppendChange(t *testing.T, s data.Store) {
	ctx := t.Context()
	first := newEntry(1, "north", data.ActionInterpreterReadSensitive, "int-a")
	if err := s.AppendChange(ctx, data.Audited(first)); err != nil {
		t.Fatal(err)
	}
	blank := newEntry(2, "north", "", "int-a")
	for name, tc := range map[string]struct {
		ch   data.Change
		want error
	}{
		"no entry":                {data.Change{}, data.ErrInvalid},
		"an entry without action": {data.Audited(newEntry(3, "north", data.ActionInterpreterReadSensitive, "int-a"), blank), data.ErrInvalid},
		"an entry without ID": {data.Audited(func() data.AuditEntry {
			e := newEntry(4, "north", data.ActionInterpreterReadSensitive, "int-a")
			e.ID = ""
			return e
		}()), data.ErrInvalid},
		"a taken ID second": {data.Audited(newEntry(5, "north", data.ActionInterpreterReadSensitive, "int-a"), first), data.ErrDuplicate},
	} {
		if err := s.AppendChange(ctx, tc.ch); !errors.Is(err, tc.want) {
			t.Errorf("AppendChange of %s: %v, want %v", name, err, tc.want)
		}
	}
	if got := auditActions(t, s, "int-a"); len(got) != 1 {
		t.Errorf("refused changes left entries: %v, want the first change's only", got)
	}
}

// testChangeWithoutAudit: every write refuses a change without an audit
// entry (ErrInvalid), writing nothing.
func testChangeWithoutAudit(t *testing.T, s data.Store) {
	ctx := t.Context()
	u := newUser(1, data.RoleCoordinator, "north")
	in := newInterpreter(1, "ti")
	c := newCase(1, "north")
	b := newBooking(c, "int-1", "10:00", "11:00")
	f := newFeed(1, u.ID)
	sess := newSession(1, u.ID)
	live := newSession(2, u.ID)
	createSession(t, s, live)
	for name, err := range map[string]error{
		"CreateUser":        s.CreateUser(ctx, u, data.Change{}),
		"CreateInterpreter": s.CreateInterpreter(ctx, in, data.Change{}),
		"CreateCase":        s.CreateCase(ctx, c, data.Change{}),
		"CreateBooking":     s.CreateBooking(ctx, b, data.Change{}),
		"CreateFeed":        s.CreateFeed(ctx, f, data.Change{}),
		"CreateSession":     s.CreateSession(ctx, sess, data.Change{}),
		"EndSession":        second(s.EndSession(ctx, live.ID, base.Add(time.Hour), data.Change{})),
	} {
		if !errors.Is(err, data.ErrInvalid) {
			t.Errorf("%s without an audit entry: %v, want ErrInvalid", name, err)
		}
	}
	for name, err := range map[string]error{
		"user":        second(s.User(ctx, u.ID)),
		"interpreter": second(s.Interpreter(ctx, in.ID)),
		"case":        second(s.Case(ctx, c.ID)),
		"booking":     second(s.Booking(ctx, b.ID)),
		"feed":        second(s.Feed(ctx, f.ID)),
		"session":     second(s.Session(ctx, sess.ID)),
	} {
		if !errors.Is(err, data.ErrNotFound) {
			t.Errorf("a %s created without an audit entry was stored: %v", name, err)
		}
	}
	if _, err := s.UserByKeyHash(ctx, u.KeyHash); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("a user created without an audit entry left its key: %v", err)
	}
	if _, err := s.FeedByTokenHash(ctx, f.TokenHash); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("a feed created without an audit entry left its token: %v", err)
	}
	if got, err := s.ConfirmedBookings(ctx, []string{b.InterpreterID}, day, day.Add(24*time.Hour)); err != nil || len(got) != 0 {
		t.Errorf("a booking created without an audit entry holds its slot: %v, %v", bookingIDs(got), err)
	}
	wantSession(t, s, live, "a session ended without an audit entry")
}

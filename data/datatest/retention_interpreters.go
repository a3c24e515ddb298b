package datatest

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// testInterpreterRetention pages through the records not yet anonymised
// of interpreters who left the register before a cutoff, by leaving then
// ID: one still approved, one who left recently and one anonymised are not
// among them. An anonymised record keeps its ID, dates and codes, loses
// what names, reaches or locates the interpreter, and leaves the walk; a
// legal hold round-trips. A user anonymised with it frees nothing unique:
// its email is AnonymisedEmail, and its key hash is the new one.
func testInterpreterRetention(t *testing.T, s data.Store) {
	ctx := t.Context()
	leftYearsAgo := func(n, years int) data.Interpreter {
		in := newInterpreter(n, "ti")
		in.Vetting = data.Vetting{Status: data.VettingLeft, DecidedBy: "coordinator-1", DecidedAt: base.AddDate(-years, 0, n), Note: "moved abroad"}
		return in
	}
	oldest, old, recent := leftYearsAgo(1, 9), leftYearsAgo(2, 7), leftYearsAgo(3, 2)
	approved, anonymised := newInterpreter(4, "ti"), leftYearsAgo(5, 8)
	old.LegalHold = true
	for _, in := range []data.Interpreter{recent, anonymised, approved, old, oldest} {
		if err := s.CreateInterpreter(ctx, in, interpreterChange(in, data.ActionInterpreterCreated)); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.Interpreter(ctx, old.ID); err != nil || !got.LegalHold || !got.Left().Equal(data.Timestamp(old.Vetting.DecidedAt)) {
		t.Errorf("a held record that left reads back hold %v, left %v, %v", got.LegalHold, got.Left(), err)
	}
	done, err := s.UpdateInterpreter(ctx, anonymised.ID, func(in data.Interpreter) (data.Interpreter, data.Change, error) {
		return in.Anonymise(base), interpreterChange(in, data.ActionInterpreterAnonymised), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Interpreter(ctx, anonymised.ID)
	if err != nil || !cmp.Equal(done, got, cmpOpts) {
		t.Errorf("the anonymised record reads back %+v, %v; stored %+v", got, err, done)
	}
	if got.Anonymised.IsZero() || got.Name != "" || got.Email != "" || got.Phone != "" || got.Clearance.Certificate != "" ||
		got.Qualifications[0].Reference != "" || got.Vetting.Note != "" || len(got.CommunityLinks) != 0 || len(got.Availability.Weekly) != 0 ||
		got.Clearance.Level != data.ClearanceEnhancedBarredChildren || got.Qualifications[0].Kind != data.QualificationDPSILaw ||
		got.Languages[0].Tag != "ti" || got.Vetting.Status != data.VettingLeft || got.Experience.ChildInterviews != 40 {
		t.Errorf("anonymised: %+v", got)
	}

	cutoff := base.AddDate(-6, 0, 0)
	ids := walkDue(t, func(after string) ([]string, string, error) {
		page, err := s.InterpretersLeftBefore(ctx, cutoff, after, 1)
		return interpreterIDs(page.Items), page.Next, err
	})
	if diff := cmp.Diff([]string{oldest.ID, old.ID}, ids); diff != "" {
		t.Errorf("interpreters left before %s (-want +got):\n%s", cutoff, diff)
	}
	if _, err := s.InterpretersLeftBefore(ctx, cutoff, "no-such-interpreter", 10); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("a cursor naming no record: %v, want ErrInvalid", err)
	}

	u := newUser(1, data.RoleInterpreter, "north")
	u.InterpreterID = oldest.ID
	if err := s.CreateUser(ctx, u, userChange(u, data.ActionUserCreated)); err != nil {
		t.Fatal(err)
	}
	gone, err := s.UpdateUser(ctx, u.ID, func(u data.User) (data.User, data.Change, error) {
		return u.Anonymise(base, data.HashKey("nobody holds this")), userChange(u, data.ActionUserAnonymised), nil
	})
	if err != nil || gone.Name != "" || gone.Email != data.AnonymisedEmail(u.ID) || !gone.AccessRevoked {
		t.Fatalf("anonymised user: %+v, %v", gone, err)
	}
	if got, err := s.UserByInterpreter(ctx, oldest.ID); err != nil || got.Email != gone.Email {
		t.Errorf("the anonymised user by interpreter: %+v, %v", got, err)
	}
	if _, err := s.UserByKeyHash(ctx, u.KeyHash); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("the anonymised user's old key still finds it: %v", err)
	}
}

func interpreterIDs(ins []data.Interpreter) []string {
	ids := []string{}
	for _, in := range ins {
		ids = append(ids, in.ID)
	}
	return ids
}

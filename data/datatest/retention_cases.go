package datatest

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// testCaseRetention pages through the closed cases not yet anonymised that
// closed before a cutoff, in every organisation, by closing then ID: an
// open case, one closed recently, one reopened and one anonymised are not
// among them. An anonymised case keeps its IDs, dates, the child's codes
// and its exclusions with their reasons, loses its references and the
// child's community links, and leaves the walk.
func testCaseRetention(t *testing.T, s data.Store) {
	ctx := t.Context()
	closedYearsAgo := func(n int, org string, years int) data.Case {
		c := newCase(n, org)
		c.Closed = base.AddDate(-years, 0, n)
		return c
	}
	oldest, old := closedYearsAgo(1, "north", 9), closedYearsAgo(2, "south", 7)
	recent, open := closedYearsAgo(3, "north", 2), newCase(4, "north")
	reopened, anonymised := closedYearsAgo(5, "north", 8), closedYearsAgo(6, "south", 8)
	for _, c := range []data.Case{recent, reopened, old, anonymised, open, oldest} {
		if err := s.CreateCase(ctx, c, caseChange(c, data.ActionCaseCreated)); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.Case(ctx, oldest.ID); err != nil || !got.Closed.Equal(data.Timestamp(oldest.Closed)) || got.State() != data.CaseClosed {
		t.Errorf("a closed case reads back closed %v, %v", got.Closed, err)
	}
	if _, err := s.UpdateCase(ctx, reopened.ID, func(c data.Case) (data.Case, data.Change, error) {
		c.Closed = data.Case{}.Closed
		return c, caseChange(c, data.ActionCaseReopened), nil
	}); err != nil {
		t.Fatal(err)
	}
	done, err := s.UpdateCase(ctx, anonymised.ID, func(c data.Case) (data.Case, data.Change, error) {
		return c.Anonymise(base), caseChange(c, data.ActionCaseAnonymised), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Case(ctx, anonymised.ID)
	if err != nil || !cmp.Equal(done, got, cmpOpts) {
		t.Errorf("the anonymised case reads back %+v, %v; stored %+v", got, err, done)
	}
	if got.Anonymised.IsZero() || got.Reference != "" || len(got.LinkedReferences) != 0 || len(got.Child.CommunityLinks) != 0 ||
		got.ExcludedInterpreters[0] != (data.CaseExclusion{InterpreterID: "int-x", Reason: "known to the family"}) ||
		got.Child.AgeBand != data.Age12To15 || got.Child.Languages[0] != "ckb" || got.Organisation != "south" || got.State() != data.CaseClosed {
		t.Errorf("anonymised: %+v", got)
	}

	cutoff := base.AddDate(-6, 0, 0)
	ids := walkDue(t, func(after string) ([]string, string, error) {
		page, err := s.CasesClosedBefore(ctx, cutoff, after, 1)
		return caseIDs(page.Items), page.Next, err
	})
	if diff := cmp.Diff([]string{oldest.ID, old.ID}, ids); diff != "" {
		t.Errorf("cases closed before %s (-want +got):\n%s", cutoff, diff)
	}
	if page, err := s.CasesClosedBefore(ctx, data.Timestamp(old.Closed), "", 10); err != nil || len(page.Items) != 1 {
		t.Errorf("closed before the closing of one (not at it): %v, %v", caseIDs(page.Items), err)
	}
	if _, err := s.CasesClosedBefore(ctx, cutoff, "no-such-case", 10); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("a cursor naming no case: %v, want ErrInvalid", err)
	}
}

func caseIDs(cs []data.Case) []string {
	ids := []string{}
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

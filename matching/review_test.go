package matching

import (
	"slices"
	"testing"

	"github.com/tolk/tolk/data"
)

// TestNoShowEarnsNoContinuity: a completed booking where the interpreter
// did not attend gives no continuity, whatever the child's comfort says.
func TestNoShowEarnsNoContinuity(t *testing.T) {
	for _, attended := range []bool{true, false} {
		in := testInput()
		done := booking("h1", "a", testStart.AddDate(0, -1, 0), testStart.AddDate(0, -1, 0).Add(testEnd.Sub(testStart)), data.ModalityVideo)
		done.Status, done.Outcome = data.BookingCompleted, &data.Outcome{Attended: attended, ChildComfortable: true}
		in.History = []data.Sitting{done.Sitting()}
		c, rs := evaluate(t, in, perfect("a"))
		if len(rs) != 0 {
			t.Fatalf("attended %v: excluded %v", attended, codes(rs))
		}
		got := slices.ContainsFunc(c.Factors, func(f data.Factor) bool { return f.Factor == FactorContinuity })
		if got != attended {
			t.Errorf("attended %v: continuity factor %v", attended, got)
		}
	}
}

// TestRegionLiesInCountry: a region link is compared with a country link
// both ways (IQ-SU lies in IQ): a conflict when the child avoids her own
// community, a warning otherwise.
func TestRegionLiesInCountry(t *testing.T) {
	for _, tc := range []struct {
		name        string
		child, them data.CommunityLink
	}{
		{"interpreter's region in the child's country", data.CommunityLink{Kind: data.LinkCountry, Value: "IQ"}, data.CommunityLink{Kind: data.LinkRegion, Value: "IQ-SU"}},
		{"child's region in the interpreter's country", data.CommunityLink{Kind: data.LinkRegion, Value: "IQ-AR"}, data.CommunityLink{Kind: data.LinkCountry, Value: "IQ"}},
	} {
		in := testInput()
		in.Case.Child.CommunityLinks = []data.CommunityLink{tc.child}
		in.Case.Child.AvoidOwnCommunity = true
		interp := perfect("a")
		interp.CommunityLinks = []data.CommunityLink{tc.them}
		if _, rs := evaluate(t, in, interp); !slices.Equal(codes(rs), []string{CodeCommunityConflict}) {
			t.Errorf("%s, avoiding own community: %v, want community_conflict", tc.name, codes(rs))
		}
		in.Case.Child.AvoidOwnCommunity = false
		c, rs := evaluate(t, in, interp)
		if len(rs) != 0 || !slices.ContainsFunc(c.Warnings, func(w data.Reason) bool { return w.Code == CodeCommunityLink }) {
			t.Errorf("%s: reasons %v warnings %v, want a community_link warning", tc.name, codes(rs), c.Warnings)
		}
	}
}

// TestCarriedContinuity: what a transferred case carries of the child's
// history (data.Case.Continuity) counts as the case's own: the
// interpreter the child was comfortable with earns continuity, the one the
// child was not is excluded_by_case, with no booking of this case at all.
func TestCarriedContinuity(t *testing.T) {
	in := testInput()
	in.Case.Continuity = []data.Continuity{{InterpreterID: "a", Comfortable: true}, {InterpreterID: "b"}}
	c, rs := evaluate(t, in, perfect("a"))
	if len(rs) != 0 || !slices.ContainsFunc(c.Factors, func(f data.Factor) bool { return f.Factor == FactorContinuity }) {
		t.Errorf("carried comfortable: excluded %v, factors %v; want continuity", codes(rs), c.Factors)
	}
	if _, rs := evaluate(t, in, perfect("b")); !slices.Contains(codes(rs), CodeExcludedByCase) {
		t.Errorf("carried not comfortable: reasons %v, want %s", codes(rs), CodeExcludedByCase)
	}
}

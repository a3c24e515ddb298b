package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tolk/tolk/data"
)

// What a transfer carries into the receiving organisation's new case: the
// child's needs, the sending case's references, its exclusions as codes
// and the child's continuity with interpreters (see carry).

// cargo is what a transfer carries beyond the child's needs, gathered
// from the sending case's history when it is accepted.
type cargo struct {
	exclusions []data.CaseExclusion
	continuity []data.Continuity
}

// carry gathers, from the sending case, what its new case must keep: every
// interpreter it excludes (its own list, reason replaced by the code's
// words, and those who declared a conflict when offered its interviews),
// and continuity: the interpreters the child was comfortable with in an
// interview that happened, and those the child was not comfortable with
// (never back), including what the sending case itself carried. It reads
// the case's bookings and offers off their indexes.
func (a *App) carry(ctx context.Context, sending data.Case) (cargo, error) {
	var out cargo
	seen := map[string]bool{}
	exclude := func(id string, code data.ExclusionCode) {
		if id != "" && !seen[id] {
			seen[id] = true
			out.exclusions = append(out.exclusions, data.CaseExclusion{InterpreterID: id, Reason: data.ExclusionReasons[code]})
		}
	}
	for _, e := range sending.ExcludedInterpreters {
		exclude(e.InterpreterID, data.ExclusionByCase)
	}
	conflicts, err := a.declaredConflicts(ctx, sending)
	if err != nil {
		return out, err
	}
	for _, e := range conflicts {
		exclude(e.InterpreterID, data.ExclusionDeclaredConflict)
	}
	if len(out.exclusions) > data.MaxCaseList {
		return out, &data.StateError{Code: "transfer_too_large",
			Reason: fmt.Sprintf("the case excludes more interpreters than a case holds (%d); the sending organisation must review its exclusions", data.MaxCaseList)}
	}
	comfortable := map[string]bool{} // interpreter → comfortable (false: not, which wins)
	for _, x := range sending.Continuity {
		if was, ok := comfortable[x.InterpreterID]; !ok || was {
			comfortable[x.InterpreterID] = x.Comfortable
		}
	}
	history, err := a.caseHistory(ctx, sending)
	if err != nil {
		return out, err
	}
	for _, b := range history {
		switch {
		case b.Outcome == nil || !b.Outcome.Attended:
		case !b.Outcome.ChildComfortable:
			comfortable[b.InterpreterID] = false
		case b.Status == data.BookingCompleted:
			if _, ok := comfortable[b.InterpreterID]; !ok {
				comfortable[b.InterpreterID] = true
			}
		}
	}
	for id, ok := range comfortable {
		out.continuity = append(out.continuity, data.Continuity{InterpreterID: id, Comfortable: ok})
	}
	slices.SortFunc(out.continuity, func(x, y data.Continuity) int { return strings.Compare(x.InterpreterID, y.InterpreterID) })
	if len(out.continuity) > data.MaxCaseList {
		return out, &data.StateError{Code: "transfer_too_large",
			Reason: fmt.Sprintf("the child met more interpreters than a case holds (%d)", data.MaxCaseList)}
	}
	return out, nil
}

// newCase is the receiving organisation's case for transfer t of the
// sending case: the child's needs, the sending case's references (an
// interpreter who worked for the other side of it stays a conflict), the
// exclusions and continuity carried; never the sending case's notes,
// reasons or legal hold.
func (g cargo) newCase(sending data.Case, t data.Transfer, reference string) data.Case {
	refs := []string{sending.Reference}
	for _, r := range sending.LinkedReferences {
		if !slices.Contains(refs, r) && len(refs) < data.MaxCaseList {
			refs = append(refs, r)
		}
	}
	child := sending.Child
	child.Languages = slices.Clone(child.Languages)
	child.CommunityLinks = slices.Clone(child.CommunityLinks)
	return data.Case{
		Organisation: t.To, Reference: reference, LinkedReferences: refs, Child: child,
		ExcludedInterpreters: slices.Clone(g.exclusions), Continuity: slices.Clone(g.continuity), TransferredFrom: t.ID,
	}
}

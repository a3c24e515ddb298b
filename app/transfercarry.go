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
// and the child's continuity with interpreters. What the case itself
// holds is read from the case as the store's update function gets it;
// what its bookings and offers say is read before (cargo), off their
// indexes.

// cargo is what the sending case's bookings and offers say about the
// child, read when a transfer is accepted: the interpreters who declared
// a conflict when offered the case's interviews, and the case's bookings
// with their outcomes.
type cargo struct {
	conflicts []data.CaseExclusion
	history   []data.Booking
}

// carry reads the sending case's cargo.
func (a *App) carry(ctx context.Context, sending data.Case) (cargo, error) {
	var out cargo
	var err error
	if out.conflicts, err = a.declaredConflicts(ctx, sending); err != nil {
		return out, err
	}
	out.history, err = a.caseBookings(ctx, sending)
	return out, err
}

// newCase is the receiving organisation's case for transfer t of the
// sending case (as the store read it): the child's needs; the sending
// case's references (an interpreter who worked for the other side of it
// stays a conflict); every interpreter it excludes, its own list's reasons
// replaced by a code's words and those who declared a conflict on its
// offers; and continuity: the interpreters the child was comfortable with
// in an interview that happened, and those the child was not comfortable
// with (never back; that wins), with what the sending case itself carried.
// Never the sending case's notes, reasons or legal hold. A *data.StateError
// (transfer_too_large) when more interpreters must travel than a case
// holds: none is ever dropped.
func (g cargo) newCase(sending data.Case, t data.Transfer, reference string) (data.Case, error) {
	var exclusions []data.CaseExclusion
	seen := map[string]bool{}
	exclude := func(id string, code data.ExclusionCode) {
		if id != "" && !seen[id] {
			seen[id] = true
			exclusions = append(exclusions, data.CaseExclusion{InterpreterID: id, Reason: data.ExclusionReasons[code]})
		}
	}
	for _, e := range sending.ExcludedInterpreters {
		exclude(e.InterpreterID, data.ExclusionByCase)
	}
	for _, e := range g.conflicts {
		exclude(e.InterpreterID, data.ExclusionDeclaredConflict)
	}
	comfortable := map[string]bool{} // interpreter → comfortable; false (not comfortable) wins
	note := func(id string, ok bool) {
		if was, known := comfortable[id]; !known || was {
			comfortable[id] = ok
		}
	}
	for _, x := range sending.Continuity {
		note(x.InterpreterID, x.Comfortable)
	}
	for _, b := range g.history {
		switch {
		case b.Outcome == nil || !b.Outcome.Attended:
			// Only a child who met the interpreter can have been
			// comfortable or not with them.
		case !b.Outcome.ChildComfortable:
			note(b.InterpreterID, false)
		case b.Status == data.BookingCompleted:
			note(b.InterpreterID, true)
		}
	}
	var continuity []data.Continuity
	for id, ok := range comfortable {
		continuity = append(continuity, data.Continuity{InterpreterID: id, Comfortable: ok})
	}
	slices.SortFunc(continuity, func(x, y data.Continuity) int { return strings.Compare(x.InterpreterID, y.InterpreterID) })
	if len(exclusions) > data.MaxCaseList || len(continuity) > data.MaxCaseList {
		return data.Case{}, &data.StateError{Code: "transfer_too_large", Reason: fmt.Sprintf(
			"the case excludes, or the child met, more interpreters than a case holds (%d); the sending organisation must review its exclusions", data.MaxCaseList)}
	}
	refs := []string{sending.Reference}
	for _, r := range sending.LinkedReferences {
		if !slices.Contains(refs, r) {
			refs = append(refs, r)
		}
	}
	if len(refs) > data.MaxCaseList {
		// Each reference keeps out interpreters tied to that case (a
		// community link of kind case): none is ever dropped.
		return data.Case{}, &data.StateError{Code: "transfer_too_large", Reason: fmt.Sprintf(
			"the case's own reference and its linked references are more than a case holds (%d); the sending organisation must remove one before sending it", data.MaxCaseList)}
	}
	child := sending.Child
	child.Languages = slices.Clone(child.Languages)
	child.CommunityLinks = slices.Clone(child.CommunityLinks)
	return data.Case{
		Organisation: t.To, Reference: reference, LinkedReferences: refs, Child: child,
		ExcludedInterpreters: exclusions, Continuity: continuity, TransferredFrom: t.ID,
	}, nil
}

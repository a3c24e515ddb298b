package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/tolk/tolk/data"
)

// Unmet need (SPEC "Recording and reports"): every search that found no
// eligible interpreter, and every offer that ends unfilled, is recorded
// in the write that decides it, with the language, the interview and why
// nobody could take it; never anything else about the child.

// needLanguage is the child's preferred language, what the need was for.
func needLanguage(c data.Case) string {
	if len(c.Child.Languages) == 0 {
		return "und"
	}
	return c.Child.Languages[0]
}

// offerNeed is the unmet need that next records when it leaves the offer
// old was unfilled, for the change that writes it; nil otherwise. Its
// reasons count the invitations: declined, expired, and the rules that
// skipped or withdrew the others.
func offerNeed(old, next data.Offer, c data.Case, now time.Time) []data.UnmetNeed {
	if old.Status != data.OfferOpen || next.Status != data.OfferUnfilled {
		return nil
	}
	counts := map[string]int{}
	for _, inv := range next.Invitations {
		switch inv.Status {
		case data.InvitationDeclined:
			counts[data.NeedDeclined]++
		case data.InvitationExpired:
			counts[data.NeedExpired]++
		case data.InvitationSkipped, data.InvitationWithdrawn:
			seen := map[string]bool{}
			for _, r := range inv.Reasons {
				if !seen[r.Code] {
					seen[r.Code] = true
					counts[r.Code]++
				}
			}
		}
	}
	return []data.UnmetNeed{{
		ID: data.OfferNeedID(next.ID, next.Start), Organisation: next.Organisation, Source: data.NeedOffer,
		Language: needLanguage(c), InterviewType: next.InterviewType, Modality: next.Modality, Region: next.Region,
		Start: next.Start, RecordedAt: data.Timestamp(now), Reasons: capReasons(data.CountReasons(counts)),
	}}
}

// capReasons keeps at most data.MaxNeedReasons codes (there are far
// fewer rules than that; a guard, not a policy).
func capReasons(rs []data.ReasonCount) []data.ReasonCount {
	return rs[:min(len(rs), data.MaxNeedReasons)]
}

// recordSearchNeed records, as the actor, the unmet need of a search of
// case c's slot that found nobody eligible: counts holds how many
// interpreters each rule excluded (empty: nobody speaks the language).
// The entry's ID is derived from the case, the slot and the hour
// (data.SearchNeedID), and so is its audit entry's, so a search repeated
// within the hour lands nothing more: the store keeps the first entry,
// and refuses the repeated audit entry as a duplicate, which is no
// failure here.
func (a *App) recordSearchNeed(ctx context.Context, actor data.User, c data.Case, req MatchRequest, counts map[string]int) error {
	now := a.stamp()
	start, end := data.Timestamp(req.Start), data.Timestamp(req.End)
	region := ""
	if req.Modality == data.ModalityInPerson {
		region = strings.ToUpper(strings.TrimSpace(req.Region))
	}
	id := data.SearchNeedID(c.ID, start, end, req.InterviewType, req.Modality, region, now)
	reasons := data.CountReasons(counts)
	if len(reasons) == 0 {
		reasons = []data.ReasonCount{{Code: data.NeedNoSpeaker, Count: 1}}
	}
	entry := data.NewAuditEntry(now, actor, c.Organisation, data.ActionUnmetNeedRecorded, data.EntityUnmetNeed, id)
	entry.ID = data.DerivedIDAt(now.Truncate(data.SearchNeedWindow), "audit", id)
	ch := data.Audited(entry)
	ch.UnmetNeed = []data.UnmetNeed{{
		ID: id, Organisation: c.Organisation, Source: data.NeedSearch, Language: needLanguage(c),
		InterviewType: req.InterviewType, Modality: req.Modality, Region: region,
		Start: start, RecordedAt: now, Reasons: capReasons(reasons),
	}}
	err := a.store.AppendChange(ctx, ch)
	if errors.Is(err, data.ErrDuplicate) {
		return nil // the same search within the hour: recorded already
	}
	return err
}

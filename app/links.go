package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/tolk/tolk/data"
)

// Matching excludes an interpreter who shares a community link with a case
// (or has a case link to its reference or a linked reference), and a
// social worker sees who is excluded: so the fields screened against
// interpreters' links, set and then matched, answer guesses at what an
// interpreter declared. The rule is the point of the service and stays,
// code and all; what keeps it from being an oracle is the number of
// guesses it answers. A case holds at most data.MaxCaseLinks links; the
// policy bounds the changes of one case's screened fields a UK day
// (CaseLinkChangesPerDay) and the cases one user sets them on
// (UserLinkChangesPerDay); and each change of a case beyond
// LinkChurnNoticeAfter in a day is a notice to the organisation's
// coordinators, naming who made it. Days are counted off the audit log's
// index by entity: the case's case.links_changed entries, and the user's
// user.case_links_changed entries.

// ErrLinkChangesLimited is the code of the StateError refusing a change
// of screened fields beyond the policy's daily limits.
const ErrLinkChangesLimited = "community_link_changes_limited"

// screened returns what matching compares of a case with interpreters'
// community links, in the form it compares them, sorted: a change that
// leaves it as it was (links reordered, a town re-capitalised) answers no
// new guess.
func screened(c data.Case) []string {
	var out []string
	for _, r := range append([]string{c.Reference}, c.LinkedReferences...) {
		out = append(out, string(data.LinkCase)+"\x00"+data.Fold(r))
	}
	for _, l := range c.Child.CommunityLinks {
		v := data.Fold(l.Value)
		if l.Kind == data.LinkCountry || l.Kind == data.LinkRegion {
			v = l.Value // upper-cased by Normalize
		}
		out = append(out, string(l.Kind)+"\x00"+v)
	}
	if c.Child.AvoidOwnCommunity {
		out = append(out, "avoidOwnCommunity")
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// screeningChanged reports whether next changes what matching screens of
// old.
func screeningChanged(old, next data.Case) bool { return !slices.Equal(screened(old), screened(next)) }

// screensMore reports whether a new case screens more than its reference:
// what counts against its author's daily limit.
func screensMore(c data.Case) bool {
	return len(c.Child.CommunityLinks) > 0 || len(c.LinkedReferences) > 0 || c.Child.AvoidOwnCommunity
}

// ukDay returns the start of now's day in the UK and of the next.
func ukDay(now time.Time) (start, next time.Time) {
	y, m, d := now.In(data.London).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, data.London), time.Date(y, m, d+1, 0, 0, 0, 0, data.London)
}

// maxCountPages bounds the pages of an entity's entries a day's count
// reads. An entity with more entries in a day than that is counted as
// over any limit.
const maxCountPages = 10

// countSince counts the entries of action about entityID in scope stamped
// at or after since, reading the entity's entries newest first off the
// index by entity until one is older.
func (a *App) countSince(ctx context.Context, entityID, scope string, action data.Action, since time.Time) (int, error) {
	q := data.AuditQuery{EntityID: entityID, Scopes: []string{scope}, Limit: data.MaxPageSize}
	n := 0
	for range maxCountPages {
		page, err := a.store.ListAudit(ctx, q)
		if err != nil {
			return 0, err
		}
		for _, e := range page.Items {
			if e.At.Before(since) {
				return n, nil
			}
			if e.Action == action {
				n++
			}
		}
		if page.Next == "" {
			return n, nil
		}
		q.Before = page.Next
	}
	return int(^uint(0) >> 1), nil
}

// userLinkChanges refuses a change of screened fields by actor when they
// have made as many today as the policy allows.
func (a *App) userLinkChanges(ctx context.Context, actor data.User, now time.Time) error {
	start, next := ukDay(now)
	n, err := a.countSince(ctx, actor.ID, actor.Organisation, data.ActionUserCaseLinksChanged, start)
	if err != nil {
		return err
	}
	if limit := a.policy.UserLinkChangesPerDay; n >= limit {
		return &data.StateError{Code: ErrLinkChangesLimited, Reason: fmt.Sprintf(
			"you have set the community links (or references) of cases %d times today, the most a day allows; you may again from %s",
			limit, next.UTC().Format(time.RFC3339))}
	}
	return nil
}

// userLinksEntry is the entry, about the actor, that counts a change of
// screened fields against their daily limit.
func userLinksEntry(now time.Time, actor data.User) data.AuditEntry {
	return data.NewAuditEntry(now, actor, actor.Organisation, data.ActionUserCaseLinksChanged, data.EntityUser, actor.ID)
}

// linkChange is what a change of a case's screened fields lands beside
// the case: the entry about the actor, and, when it is a notice, the
// notice's entry and messages.
type linkChange struct {
	notice   bool
	messages []data.Message
}

// entries returns the audit entries the change lands after the case's
// own, minted now so that they sort after it.
func (lc linkChange) entries(now time.Time, actor data.User, c data.Case) []data.AuditEntry {
	out := []data.AuditEntry{userLinksEntry(now, actor)}
	if lc.notice {
		out = append(out, data.NewAuditEntry(now, actor, data.NoticeScope(c.Organisation), data.ActionCaseLinksChurn, data.EntityCase, c.ID))
	}
	return out
}

// caseLinkChange checks a change of case c's screened fields by actor
// against the policy's daily limits, counting today's changes of the case
// as it stands (the caller lands the change only on this version of it,
// so no change is missed), and returns what the change lands beside: the
// entry about the actor and, past LinkChurnNoticeAfter, the notice to the
// organisation's coordinators, naming the actor.
func (a *App) caseLinkChange(ctx context.Context, actor data.User, c data.Case, now time.Time) (linkChange, error) {
	start, next := ukDay(now)
	n, err := a.countSince(ctx, c.ID, c.Organisation, data.ActionCaseLinksChanged, start)
	if err != nil {
		return linkChange{}, err
	}
	if limit := a.policy.CaseLinkChangesPerDay; n >= limit {
		return linkChange{}, &data.StateError{Code: ErrLinkChangesLimited, Reason: fmt.Sprintf(
			"the community links (or references) of this case have changed %d times today, the most a day allows; they may change again from %s",
			limit, next.UTC().Format(time.RFC3339))}
	}
	if err := a.userLinkChanges(ctx, actor, now); err != nil {
		return linkChange{}, err
	}
	var lc linkChange
	if lc.notice = n+1 > a.policy.LinkChurnNoticeAfter; lc.notice {
		if lc.messages, err = a.churnMessages(ctx, actor, c, n+1, now); err != nil {
			return linkChange{}, err
		}
	}
	return lc, nil
}

// churnMessages tells each coordinator of the case's organisation (whose
// access stands) that its screened fields changed for the n-th time
// today, and who changed them. It names the case by its reference, and
// never a link.
func (a *App) churnMessages(ctx context.Context, actor data.User, c data.Case, n int, now time.Time) ([]data.Message, error) {
	var out []data.Message
	q := data.UserQuery{Organisation: c.Organisation, Role: data.RoleCoordinator, Limit: data.MaxPageSize}
	for {
		page, err := a.store.ListUsers(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, u := range page.Items {
			if u.AccessRevoked {
				continue
			}
			var l letter
			l.say("Hello %s,", u.Name)
			l.say("The community links or references of case %s have changed %d times today, most recently by %s (%s) at %s.",
				c.Reference, n, actorName(actor), actor.Email, clock(now))
			l.say("Changing a case's links and matching again can be used to learn the ties interpreters declared. " +
				"If these changes are not what the case needs, speak to the person who made them.")
			l.link("The case", a.baseURL+"/cases/"+c.ID)
			id := messageID(data.MessageLinksChurn, now, c.ID, u.ID, strconv.Itoa(n))
			out = append(out, a.newMessage(data.MessageLinksChurn, id, c.Organisation, data.RoleCoordinator, u.Email, u.Name,
				"Case "+c.Reference+": community links changed "+strconv.Itoa(n)+" times today", l, now))
		}
		if page.Next == "" {
			return out, nil
		}
		q.After = page.Next
	}
}

// actorName is how a notice names who acted.
func actorName(u data.User) string {
	if u.Name == "" {
		return u.ID
	}
	return u.Name
}

// LinkNotice is a notice to an organisation's coordinators that a case's
// screened fields (community links, references) changed more often in a
// day than the policy lets pass: when, which case, and who made the
// change that raised it.
type LinkNotice struct {
	At            time.Time
	CaseID        string
	CaseReference string // "" when the case is gone
	ActorID       string
	ActorName     string // "" when the user is gone
}

// LinkNotices pages through the notices of the actor's organisation,
// newest first, for its coordinators' home page: off the index by scope
// (data.NoticeScope), so however busy the organisation's log, a notice
// is never pushed out of sight.
func (a *App) LinkNotices(ctx context.Context, actor data.User, cursor string, limit int) (data.Page[LinkNotice], error) {
	if err := require(actor, data.RoleCoordinator); err != nil {
		return data.Page[LinkNotice]{}, err
	}
	page, err := a.store.ListAudit(ctx, data.AuditQuery{Scopes: []string{data.NoticeScope(actor.Organisation)}, Before: cursor, Limit: limit})
	if err != nil {
		return data.Page[LinkNotice]{}, err
	}
	out := data.Page[LinkNotice]{Next: page.Next}
	refs, names := map[string]string{}, map[string]string{}
	for _, e := range page.Items {
		if e.Action != data.ActionCaseLinksChurn {
			continue
		}
		if _, ok := refs[e.EntityID]; !ok {
			c, err := a.store.Case(ctx, e.EntityID)
			if err != nil && !errors.Is(err, data.ErrNotFound) {
				return data.Page[LinkNotice]{}, err
			}
			refs[e.EntityID] = c.Reference
		}
		if _, ok := names[e.Actor]; !ok {
			u, err := a.store.User(ctx, e.Actor)
			if err != nil && !errors.Is(err, data.ErrNotFound) {
				return data.Page[LinkNotice]{}, err
			}
			names[e.Actor] = u.Name
		}
		out.Items = append(out.Items, LinkNotice{At: e.At, CaseID: e.EntityID, CaseReference: refs[e.EntityID],
			ActorID: e.Actor, ActorName: names[e.Actor]})
	}
	return out, nil
}

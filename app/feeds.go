package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/tolk/tolk/calendar"
	"github.com/tolk/tolk/data"
)

// etagEntries is how many of an organisation's newest audit entries a
// feed's ETag covers.
const etagEntries = 20

// feedWindow is how far back a feed shows bookings: confirmed ones that
// started from 30 days ago, and those cancelled in the last 30 days.
const feedWindow = 30 * 24 * time.Hour

// NewFeed is what a caller asks to subscribe to.
type NewFeed struct {
	Scope         data.FeedScope
	InterpreterID string // for data.FeedInterpreter
}

// CreateFeed makes a calendar subscription and returns it with its secret
// token, shown only this once (only its hash is kept). Coordinators
// subscribe to an interpreter's or the organisation's bookings; social
// workers to their own.
func (a *App) CreateFeed(ctx context.Context, actor data.User, nf NewFeed) (data.Feed, string, error) {
	switch {
	case nf.Scope == data.FeedMine && actor.Role == data.RoleSocialWorker:
	case (nf.Scope == data.FeedInterpreter || nf.Scope == data.FeedOrganisation) && actor.Role == data.RoleCoordinator:
	case nf.Scope == data.FeedFreeBusy && actor.Role == data.RoleInterpreter:
		if nf.InterpreterID != "" && nf.InterpreterID != actor.InterpreterID {
			return data.Feed{}, "", invalid("interpreterId", "an interpreter subscribes to their own free/busy time only")
		}
		nf.InterpreterID = actor.InterpreterID
	case oneOf(nf.Scope, data.FeedScopes):
		return data.Feed{}, "", forbidden("the %s role may not subscribe to %s feeds", actor.Role, nf.Scope)
	default:
		return data.Feed{}, "", invalid("scope", "must be one of interpreter, mine, organisation, freebusy")
	}
	switch {
	case nf.Scope == data.FeedFreeBusy: // the actor's own record, linked when their user was made
	case nf.Scope == data.FeedInterpreter:
		if nf.InterpreterID == "" {
			return data.Feed{}, "", invalid("interpreterId", "is required for an interpreter feed")
		}
		if _, err := a.store.Interpreter(ctx, nf.InterpreterID); errors.Is(err, data.ErrNotFound) {
			return data.Feed{}, "", invalid("interpreterId", "names no interpreter")
		} else if err != nil {
			return data.Feed{}, "", err
		}
	case nf.InterpreterID != "":
		return data.Feed{}, "", invalid("interpreterId", "is only for an interpreter feed")
	}

	token := "tolkcal_" + rand.Text() // 130 random bits
	now := a.stamp()
	f := data.Feed{
		ID: data.NewID(now), Organisation: actor.Organisation, Owner: actor.ID, Scope: nf.Scope,
		InterpreterID: nf.InterpreterID, TokenHash: data.HashKey(token), Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	ch := audited(now, actor, f.Organisation, data.ActionFeedCreated, data.EntityFeed, f.ID)
	if err := a.store.CreateFeed(ctx, f, ch); err != nil {
		return data.Feed{}, "", err
	}
	return f, token, nil
}

// ListFeeds pages through the caller's own feeds, revoked ones included.
func (a *App) ListFeeds(ctx context.Context, actor data.User, cursor string, limit int) (data.Page[data.Feed], error) {
	return a.store.ListFeeds(ctx, data.FeedQuery{Owner: actor.ID, After: cursor, Limit: limit})
}

// RevokeFeed ends a feed of the caller's at once: its URL answers 404 from
// then on. Another user's feed is ErrNotFound; revoking twice is harmless.
func (a *App) RevokeFeed(ctx context.Context, actor data.User, id string) error {
	f, err := a.store.Feed(ctx, id)
	if err != nil {
		return err
	}
	if f.Owner != actor.ID { // the owner never changes
		return fmt.Errorf("feed %s: %w", id, data.ErrNotFound)
	}
	return a.revokeFeed(ctx, actor, id)
}

// revokeFeed revokes the feed with this ID for actor, unless it is revoked
// already.
func (a *App) revokeFeed(ctx context.Context, actor data.User, id string) error {
	now := a.stamp()
	_, err := a.store.UpdateFeed(ctx, id, func(f data.Feed) (data.Feed, data.Change, error) {
		if f.Revoked() {
			return f, data.Change{}, data.ErrNoChange
		}
		f.RevokedAt, f.UpdatedAt = now, now
		return f, audited(now, actor, f.Organisation, data.ActionFeedRevoked, data.EntityFeed, f.ID), nil
	})
	return err
}

// revokeFeedsOf revokes every working feed the user owns, for the actor
// ending their access.
func (a *App) revokeFeedsOf(ctx context.Context, actor, owner data.User) error {
	q := data.FeedQuery{Owner: owner.ID, Limit: data.MaxPageSize}
	for {
		page, err := a.store.ListFeeds(ctx, q)
		if err != nil {
			return err
		}
		for _, f := range page.Items {
			if f.Revoked() {
				continue
			}
			if err := a.revokeFeed(ctx, actor, f.ID); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		q.After = page.Next
	}
}

// FeedCalendar is a rendered feed, or only its validators when the caller's
// copy is current.
type FeedCalendar struct {
	ETag         string
	LastModified time.Time
	NotModified  bool
	Body         []byte
}

// FeedConditions are a calendar client's conditions on a feed: the ETag it
// holds (If-None-Match), or, from clients that send only that, the
// Last-Modified it was given (If-Modified-Since).
type FeedConditions struct {
	IfNoneMatch     string
	IfModifiedSince time.Time
}

// lastModifiedSettle bounds how long after its stamp a change may land: a
// change's audit entry is stamped before the change lands (on MongoDB up
// to the lock timeout later), so a change stamped before a client's
// If-Modified-Since date may still be on its way while that date is
// younger than this.
const lastModifiedSettle = 2 * time.Minute

// settle sets out's Last-Modified, the newest change it covers or the
// start of now's day (feeds change daily as bookings leave their window),
// to the second (a second earlier while that second is not over, so a
// change later in it still counts as after), and NotModified when the
// client's conditions hold: If-None-Match names the ETag; or, without
// If-None-Match (RFC 9110 section 13.2.2), If-Modified-Since is no
// earlier than Last-Modified and old enough that every change stamped
// before it has landed (lastModifiedSettle), so HTTP's one-second dates
// never hide a change.
func (out *FeedCalendar) settle(newest, now time.Time, cond FeedConditions) {
	out.LastModified = newest.UTC().Truncate(time.Second)
	if day := now.UTC().Truncate(24 * time.Hour); day.After(out.LastModified) {
		out.LastModified = day
	}
	if now.Before(out.LastModified.Add(time.Second)) {
		out.LastModified = out.LastModified.Add(-time.Second)
	}
	switch {
	case cond.IfNoneMatch != "":
		out.NotModified = cond.IfNoneMatch == out.ETag
	case !cond.IfModifiedSince.IsZero():
		ims := cond.IfModifiedSince
		out.NotModified = !out.LastModified.After(ims) && !now.Add(-lastModifiedSettle).Before(ims)
	}
}

// RenderFeed answers a calendar client holding a feed token: the feed, or
// NotModified when the client's copy is current (see settle). The ETag
// comes from the feed, the newest change in its organisation (its newest
// audit entries) and the day, so it is computed without reading a
// booking, changes whenever a booking of the organisation changes, and
// changes daily as bookings leave the 30-day window.
//
// A social worker's own feed and an organisation's name each event's
// interpreter (each interpreter read once per rendering), so their ETag
// also covers the register's newest entries: a renamed interpreter changes
// it. This is coarse: any register change (a vetting decision, a
// coordinator's read of a record's sensitive fields) makes these feeds
// answer in full once more, never a stale name; an interpreter's feed and
// free/busy name nobody and ignore the register. An unknown or revoked
// token is ErrNotFound after the same single look-up.
func (a *App) RenderFeed(ctx context.Context, token string, cond FeedConditions) (FeedCalendar, error) {
	// The newest entries, not only the newest: an entry is stamped before
	// its change lands, so one stamped earlier may land after a later one.
	// It still changes the ETag as long as it lands among the newest.
	f, newest, err := a.store.PollFeed(ctx, data.HashKey(token), etagEntries, etagScopes)
	if err != nil {
		return FeedCalendar{}, err
	}
	if f.Revoked() {
		return FeedCalendar{}, fmt.Errorf("feed: %w", data.ErrNotFound)
	}
	if f.Scope == data.FeedFreeBusy {
		return a.renderFreeBusy(ctx, f, cond)
	}
	named := f.Scope == data.FeedMine || f.Scope == data.FeedOrganisation
	now := a.now()
	var out FeedCalendar
	out.ETag = feedETag(f.ID, now, newest)
	if out.settle(newest.Latest, now, cond); out.NotModified {
		return out, nil
	}
	q := data.BookingQuery{Organisation: f.Organisation, From: now.Add(-feedWindow), Limit: data.MaxPageSize}
	name := "tolk: organisation bookings"
	switch f.Scope {
	case data.FeedInterpreter:
		q.InterpreterID, name = f.InterpreterID, "tolk: interpreter bookings"
	case data.FeedMine:
		q.BookedBy, name = f.Owner, "tolk: my bookings"
	}
	var shown []data.Booking
	for {
		page, err := a.store.ListBookings(ctx, q)
		if err != nil {
			return FeedCalendar{}, err
		}
		for _, b := range page.Items {
			if b.Status != data.BookingCancelled || now.Sub(b.UpdatedAt) <= feedWindow {
				shown = append(shown, b)
			}
		}
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	var names map[string]string
	if named {
		if names, err = a.interpreterNames(ctx, shown); err != nil {
			return FeedCalendar{}, err
		}
	}
	out.Body, err = calendar.Feed(name, shown, names, now)
	return out, err
}

// etagScopes names the audit scopes whose newest entries f's ETag covers
// (see RenderFeed): its organisation's, and the register's for a feed
// that names interpreters. None for a revoked feed (a 404, after the same
// single look-up as an unknown token) nor for free/busy (its ETag covers
// its bookings).
func etagScopes(f data.Feed) []string {
	switch {
	case f.Revoked() || f.Scope == data.FeedFreeBusy:
		return nil
	case f.Scope == data.FeedMine || f.Scope == data.FeedOrganisation:
		return []string{f.Organisation, data.ScopeRegister} // where a rename lands
	default:
		return []string{f.Organisation}
	}
}

// interpreterNames reads the name of each distinct interpreter of bookings
// once; an interpreter no longer held has no name (its events say
// "Interpreter").
func (a *App) interpreterNames(ctx context.Context, bookings []data.Booking) (map[string]string, error) {
	names := make(map[string]string)
	for _, b := range bookings {
		if _, ok := names[b.InterpreterID]; ok {
			continue
		}
		in, err := a.store.Interpreter(ctx, b.InterpreterID)
		if err != nil && !errors.Is(err, data.ErrNotFound) {
			return nil, err
		}
		names[b.InterpreterID] = in.Name
	}
	return names, nil
}

// feedETag is a feed's ETag on now's day (UTC), given the mark of its
// organisation's newest audit entries (data.AuditMark): the first 12 bytes
// of the SHA-256 of the feed's ID, the day and the mark's digest, joined
// by NULs, in hex and quotes. A calendar client polls it every few
// minutes, so it is built without fmt and with one allocation (the ETag
// itself).
func feedETag(feedID string, now time.Time, newest data.AuditMark) string {
	var buf [256]byte
	b := append(buf[:0], feedID...)
	b = append(b, 0)
	b = now.UTC().AppendFormat(b, data.DateLayout) // data.DateOf(now).String()
	b = append(b, 0)
	b = append(b, newest.Digest[:]...)
	sum := sha256.Sum256(b)
	var tag [2 + 2*12]byte
	tag[0], tag[len(tag)-1] = '"', '"'
	hex.Encode(tag[1:len(tag)-1], sum[:12])
	return string(tag[:])
}

// BookingInvite renders one booking of the actor's organisation as an
// invitation: METHOD:REQUEST, or METHOD:CANCEL once cancelled, from the
// social worker who booked to the interpreter.
func (a *App) BookingInvite(ctx context.Context, actor data.User, id string) ([]byte, error) {
	b, err := a.GetBooking(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return a.invite(ctx, b)
}

// MyBookingInvite renders one of the actor's (an interpreter's) own
// bookings, from any organisation, as the invitation their calendar takes;
// another's booking is ErrNotFound.
func (a *App) MyBookingInvite(ctx context.Context, actor data.User, id string) ([]byte, error) {
	b, err := a.MyBooking(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return a.invite(ctx, b)
}

// invite renders a booking's invitation from the social worker who booked
// to its interpreter.
func (a *App) invite(ctx context.Context, b data.Booking) ([]byte, error) {
	organizer, err := a.store.User(ctx, b.BookedBy) // users are never deleted
	if err != nil {
		return nil, fmt.Errorf("the booking's organizer %s: %w", b.BookedBy, err)
	}
	interp, err := a.store.Interpreter(ctx, b.InterpreterID)
	if err != nil {
		return nil, err
	}
	return calendar.Invite(b, calendar.Person{Name: organizer.Name, Email: organizer.Email},
		calendar.Person{Name: interp.Name, Email: interp.Email}, a.now())
}

// freeBusyWindow is the span a free/busy feed covers: from a week ago to
// 90 days ahead.
const (
	freeBusyBack  = 7 * 24 * time.Hour
	freeBusyAhead = 90 * 24 * time.Hour
)

// renderFreeBusy answers a free/busy feed: the interpreter's busy time in
// every organisation, from the bookings that hold it, without a word about
// what fills it. Its ETag covers the feed, the day and each booking's ID
// and version, so it changes with any booking of the interpreter; the
// bookings are read for it (one seek of the interpreter's held time).
func (a *App) renderFreeBusy(ctx context.Context, f data.Feed, cond FeedConditions) (FeedCalendar, error) {
	now := a.now()
	from, to := now.Add(-freeBusyBack), now.Add(freeBusyAhead)
	// A booking that started up to MaxBookingDuration+MaxBuffer before the
	// window (and its debrief) may still hold time in it; one starting
	// after it may hold time in it with its arrival and briefing.
	margin := data.MaxBuffer + 2*data.MaxSafetyStep
	bookings, err := a.store.ConfirmedBookings(ctx, []string{f.InterpreterID}, from.Add(-data.MaxBookingDuration-margin), to.Add(margin))
	if err != nil {
		return FeedCalendar{}, err
	}
	var out FeedCalendar
	var latest time.Time
	versions := make([]data.AuditEntry, len(bookings)) // feedETag hashes IDs: a booking's ID and version
	for i, b := range bookings {
		versions[i].ID = b.ID + "@" + strconv.FormatInt(b.Version, 10)
		if b.UpdatedAt.After(latest) {
			latest = b.UpdatedAt
		}
	}
	out.ETag = feedETag(f.ID, now, data.MarkOf(versions))
	// Only the ETag answers a free/busy feed's conditions: its newest
	// change is read off the bookings that still hold time, so cancelling
	// the newest makes its date go back, and a client sending only
	// If-Modified-Since would keep showing the time as busy.
	cond.IfModifiedSince = time.Time{}
	if out.settle(latest, now, cond); out.NotModified {
		return out, nil
	}
	out.Body, err = calendar.FreeBusy(f.ID, "tolk: my busy time", bookings, from, to, now)
	return out, err
}

package mongodb

import (
	"context"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tolk/tolk/data"
)

// The indexes of retention's walks: per class, the records retention has
// still to act on (anonymised null, or the field that marks the act
// absent), by the time the class's period counts from, then _id.
const (
	bookingsToRetain = "anonymised_end_id"
	offersToRetain   = "anonymised_end_id"
	casesToRetain    = "anonymised_closed_id"
	// interpretersToRetain is on interpreters.
	interpretersToRetain = "anonymised_left_id"
	// messagesToPrune is on messages.
	messagesToPrune = "status_pruned_createdAt_id"
	// sessionsByExpiry is on sessions; auditByAction on the audit.
	sessionsByExpiry = "expiresAt_id"
	auditByAction    = "action_at_id"
)

// optionalTime is t as a document stores a time that may be absent: nil
// when zero, so that a null test selects it.
func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	at := data.Timestamp(t)
	return &at
}

// fromOptionalTime reads what optionalTime wrote.
func fromOptionalTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return utc(*t)
}

// findDue reads one page of coll's documents matching still (what marks
// a record retention has still to act on) whose field is before before,
// by field then _id, off the index hint: from the oldest, or after the
// document named by after (ErrInvalid naming what when none is). Each is
// an equality and a range on one compound index, which every server
// serves.
func findDue[D any, T any](ctx context.Context, coll *mongo.Collection, still bson.D, field, hint string, before time.Time, after, what string, limit int, convert func(D) T, id func(T) string) (data.Page[T], error) {
	var page data.Page[T]
	filter := append(bson.D{}, still...)
	filter = append(filter, bson.E{Key: field, Value: bson.D{{Key: "$lt", Value: ceilMilli(before)}}})
	if after != "" {
		var m bson.M
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: after}}).Decode(&m); err != nil {
			return page, invalid("after", "names no "+what)
		}
		at, ok := m[field].(bson.DateTime)
		if !ok {
			return page, invalid("after", "names no "+what+" retention has to act on")
		}
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: field, Value: bson.D{{Key: "$gt", Value: at}}}},
			bson.D{{Key: field, Value: at}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
		}})
	}
	return findPageSorted(ctx, coll, filter, hint, bson.D{{Key: field, Value: 1}, {Key: "_id", Value: 1}}, data.PageSize(limit), convert, id)
}

// notAnonymised selects the records retention has not anonymised yet.
var notAnonymised = bson.D{{Key: "anonymised", Value: nil}}

// BookingsEndedBefore lands the booking changes of writers that died,
// then reads one page of the bookings not yet anonymised that ended
// before before, by end then ID, off bookingsToRetain: from the oldest,
// or after the booking named by after.
func (s *Store) BookingsEndedBefore(ctx context.Context, before time.Time, after string, limit int) (data.Page[data.Booking], error) {
	if err := s.finishPending(ctx, schedulesCollection); err != nil {
		return data.Page[data.Booking]{}, err
	}
	return findDue(ctx, s.bookings, notAnonymised, "end", bookingsToRetain, before, after, "booking", limit,
		bookingDocument.toBooking, func(b data.Booking) string { return b.ID })
}

// OffersEndedBefore lands the offer changes that writers left behind,
// then reads one page of the offers not yet anonymised whose interview
// ended before before, by end then ID, off offersToRetain.
func (s *Store) OffersEndedBefore(ctx context.Context, before time.Time, after string, limit int) (data.Page[data.Offer], error) {
	if _, _, err := s.finishLocks(ctx, anyOfferLocks); err != nil {
		return data.Page[data.Offer]{}, err
	}
	return findDue(ctx, s.offers, notAnonymised, "end", offersToRetain, before, after, "offer", limit,
		offerDocument.toOffer, func(o data.Offer) string { return o.ID })
}

// CasesClosedBefore lands the case changes that writers left behind, then
// reads one page of the closed cases not yet anonymised that closed
// before before, by closing then ID, off casesToRetain (an open case has
// no closed field, which no range matches).
func (s *Store) CasesClosedBefore(ctx context.Context, before time.Time, after string, limit int) (data.Page[data.Case], error) {
	if err := s.finishPending(ctx, casesCollection); err != nil {
		return data.Page[data.Case]{}, err
	}
	return findDue(ctx, s.cases, notAnonymised, "closed", casesToRetain, before, after, "case", limit,
		caseDocument.toCase, func(c data.Case) string { return c.ID })
}

// InterpretersLeftBefore lands the interpreter changes that writers left
// behind, then reads one page of the records not yet anonymised of
// interpreters who left before before, by leaving then ID, off
// interpretersToRetain (a record that has not left has no left field).
func (s *Store) InterpretersLeftBefore(ctx context.Context, before time.Time, after string, limit int) (data.Page[data.Interpreter], error) {
	if err := s.finishPending(ctx, interpretersCollection); err != nil {
		return data.Page[data.Interpreter]{}, err
	}
	return findDue(ctx, s.interpreters, notAnonymised, "left", interpretersToRetain, before, after, "interpreter", limit,
		interpreterDocument.toInterpreter, func(in data.Interpreter) string { return in.ID })
}

// MessagesSettledBefore lands the message changes that writers left
// behind, then reads, for each settled status (sent, dead, superseded),
// one page of its messages not yet pruned made before before (after the
// message named by after, by creation then ID) off messagesToPrune (two
// equalities and a range on one index, each), and answers the oldest
// limit of them all.
func (s *Store) MessagesSettledBefore(ctx context.Context, before time.Time, after string, limit int) (data.Page[data.Message], error) {
	var page data.Page[data.Message]
	dead, err := s.deadMessageLocks(ctx)
	if err != nil {
		return page, err
	}
	if _, _, err := s.finishLocks(ctx, dead); err != nil {
		return page, err
	}
	var all []data.Message
	more := false // a status has more than its page
	for _, status := range []data.MessageStatus{data.MessageSent, data.MessageDead, data.MessageSuperseded} {
		p, err := findDue(ctx, s.messages, bson.D{{Key: "status", Value: string(status)}, {Key: "pruned", Value: nil}}, "createdAt", messagesToPrune,
			before, after, "message", limit, messageDocument.toMessage, func(m data.Message) string { return m.ID })
		if err != nil {
			return page, err
		}
		all, more = append(all, p.Items...), more || p.Next != ""
	}
	slices.SortFunc(all, func(x, y data.Message) int {
		if c := x.CreatedAt.Compare(y.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	limit = data.PageSize(limit)
	if len(all) > limit {
		all, more = all[:limit], true
	}
	if more {
		page.Next = all[len(all)-1].ID
	}
	page.Items = all
	return page, nil
}

// SessionsExpiredBefore lands the session changes that writers left
// behind, then reads one page of the sessions that expired before before,
// by expiry then ID, off sessionsByExpiry. LastSeen is as each session
// was created: retention needs no touch.
func (s *Store) SessionsExpiredBefore(ctx context.Context, before time.Time, after string, limit int) (data.Page[data.Session], error) {
	if err := s.finishPending(ctx, sessionsCollection); err != nil {
		return data.Page[data.Session]{}, err
	}
	return findDue(ctx, s.sessions, bson.D{}, "expiresAt", sessionsByExpiry, before, after, "session", limit,
		sessionDocument.toSession, func(x data.Session) string { return x.ID })
}

// DeleteSessions lands ch first (AppendChange), then deletes the
// sessions and their touches by _id and by session: no server of the
// subset joins the two writes, so a crash between leaves the tombstone of
// sessions the next run deletes.
func (s *Store) DeleteSessions(ctx context.Context, ids []string, ch data.Change) error {
	if err := ch.Check(); err != nil {
		return err
	}
	if len(ids) == 0 {
		return s.AppendChange(ctx, ch)
	}
	if err := s.AppendChange(ctx, ch); err != nil {
		return err
	}
	if _, err := s.sessions.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		return translate(err, "sessions")
	}
	_, err := s.touches.DeleteMany(ctx, bson.D{{Key: "session", Value: bson.D{{Key: "$in", Value: ids}}}})
	return translate(err, "touches")
}

// SignInsBefore lands the audit's pending changes, then reads, for each
// sign-in action, its entries made before before (after the entry named
// by after, by time then ID) off auditByAction (an equality and a range
// on one index, each), and answers the oldest limit of them all.
func (s *Store) SignInsBefore(ctx context.Context, before time.Time, after string, limit int) (data.Page[data.AuditEntry], error) {
	var page data.Page[data.AuditEntry]
	if err := s.finishPending(ctx, auditCollection); err != nil {
		return page, err
	}
	limit = data.PageSize(limit)
	var from *auditDocument
	if after != "" {
		var d auditDocument
		if err := s.audit.FindOne(ctx, bson.D{{Key: "_id", Value: after}}).Decode(&d); err != nil || !data.IsSignIn(data.Action(d.Action)) {
			return page, invalid("after", "names no sign-in entry")
		}
		from = &d
	}
	var all []data.AuditEntry
	for _, a := range data.SignInActions {
		filter := bson.D{{Key: "action", Value: string(a)}, {Key: "at", Value: bson.D{{Key: "$lt", Value: ceilMilli(before)}}}}
		if from != nil {
			filter = append(filter, bson.E{Key: "$or", Value: bson.A{
				bson.D{{Key: "at", Value: bson.D{{Key: "$gt", Value: from.At}}}},
				bson.D{{Key: "at", Value: from.At}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: from.ID}}}},
			}})
		}
		opts := options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit + 1)).SetHint(auditByAction)
		cur, err := s.audit.Find(ctx, filter, opts)
		if err != nil {
			return page, translate(err, "sign-in entries")
		}
		var docs []auditDocument
		if err := cur.All(ctx, &docs); err != nil {
			return page, translate(err, "sign-in entries")
		}
		for _, d := range docs {
			all = append(all, d.toAuditEntry())
		}
	}
	slices.SortFunc(all, func(x, y data.AuditEntry) int {
		if c := x.At.Compare(y.At); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	if len(all) > limit {
		all = all[:limit]
		page.Next = all[limit-1].ID
	}
	page.Items = all
	return page, nil
}

// DeleteSignIns reads the entries' actions by _id (refusing any that is
// not a sign-in), lands ch first (AppendChange), then deletes the entries
// by _id: no server of the subset joins the two writes.
func (s *Store) DeleteSignIns(ctx context.Context, ids []string, ch data.Change) error {
	if err := ch.Check(); err != nil {
		return err
	}
	if len(ids) > 0 {
		cur, err := s.audit.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
		if err != nil {
			return translate(err, "audit")
		}
		var docs []auditDocument
		if err := cur.All(ctx, &docs); err != nil {
			return translate(err, "audit")
		}
		for _, d := range docs {
			if !data.IsSignIn(data.Action(d.Action)) {
				return invalid("ids", "entry "+d.ID+" is not a sign-in ("+d.Action+")")
			}
		}
	}
	if err := s.AppendChange(ctx, ch); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	actions := make(bson.A, len(data.SignInActions))
	for i, a := range data.SignInActions {
		actions[i] = string(a)
	}
	_, err := s.audit.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, {Key: "action", Value: bson.D{{Key: "$in", Value: actions}}}})
	return translate(err, "audit")
}

package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tolk/tolk/data"
)

// registerByStart is the index (start, _id) of bookings, offers and
// unmet need that reports across the register read; an organisation's
// reports read (organisation, start, _id).
const registerByStart = "start_id"

// startFilter is the filter of an organisation's records (or the
// register's) whose start is in [from, to) and after a listing's cursor
// (ListBookings's form): the range raised to the cursor's start so the
// index scan begins there, and an $or that skips those at the cursor's
// start up to its ID. hint is the index that serves it: byOrg for an
// organisation, registerByStart for the register.
func startFilter(q data.ReportQuery, byOrg string) (filter bson.D, hint string, err error) {
	org, err := q.Scope()
	if err != nil {
		return nil, "", err
	}
	from, to, after := q.From, q.To, q.After
	var c cursor
	if after != "" {
		if c, err = decodeCursor(after); err != nil {
			return nil, "", invalid("after", "is not a cursor of this listing")
		}
	}
	filter, hint = bson.D{}, registerByStart
	if !q.Register {
		filter, hint = bson.D{{Key: "organisation", Value: org}}, byOrg
	}
	if !from.IsZero() {
		from = ceilMilli(from)
	}
	if after != "" && c.start.After(from) {
		from = c.start
	}
	start := bson.D{}
	if !from.IsZero() {
		start = append(start, bson.E{Key: "$gte", Value: from})
	}
	if !to.IsZero() {
		start = append(start, bson.E{Key: "$lt", Value: ceilMilli(to)})
	}
	if len(start) > 0 {
		filter = append(filter, bson.E{Key: "start", Value: start})
	}
	if after != "" {
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "start", Value: bson.D{{Key: "$gt", Value: c.start}}}},
			bson.D{{Key: "start", Value: c.start}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: c.id}}}},
		}})
	}
	return filter, hint, nil
}

// factDocument is the part of a booking document a fact needs.
type factDocument struct {
	ID            string    `bson:"_id"`
	InterpreterID string    `bson:"interpreterId"`
	Start         time.Time `bson:"start"`
	Status        string    `bson:"status"`
	Confirmation  string    `bson:"confirmation,omitempty"`
	OfferedAt     time.Time `bson:"offeredAt,omitzero"`
	Code          string    `bson:"code,omitempty"`
	Outcome       *struct {
		Attended  bool `bson:"attended"`
		Checklist *struct {
			NeverAloneWithChild bool `bson:"neverAloneWithChild"`
		} `bson:"checklist,omitempty"`
	} `bson:"outcome,omitempty"`
	CreatedAt time.Time `bson:"createdAt"`
	UpdatedAt time.Time `bson:"updatedAt"`
}

// factProjection reads only factDocument's fields.
var factProjection = bson.D{{Key: "interpreterId", Value: 1}, {Key: "start", Value: 1}, {Key: "status", Value: 1},
	{Key: "confirmation", Value: 1}, {Key: "offeredAt", Value: 1}, {Key: "code", Value: 1}, {Key: "outcome.attended", Value: 1},
	{Key: "outcome.checklist.neverAloneWithChild", Value: 1},
	{Key: "createdAt", Value: 1}, {Key: "updatedAt", Value: 1}}

// BookingFacts lands the schedules' changes in flight, then reads the
// organisation's bookings in [From, To) by start then _id off the index
// (organisation, start, _id), or the register's off (start, _id),
// projected to what a fact holds.
func (s *Store) BookingFacts(ctx context.Context, q data.ReportQuery) (data.Page[data.BookingFact], error) {
	var page data.Page[data.BookingFact]
	filter, hint, err := startFilter(q, bookingsByOrg)
	if err != nil {
		return page, err
	}
	if err := s.finishPending(ctx, schedulesCollection); err != nil {
		return page, err
	}
	limit := data.PageSize(q.Limit)
	opts := options.Find().SetSort(byStartThenID).SetLimit(int64(limit + 1)).SetHint(hint).SetProjection(factProjection)
	cur, err := s.bookings.Find(ctx, filter, opts)
	if err != nil {
		return page, translate(err, "bookings")
	}
	var docs []factDocument
	if err := cur.All(ctx, &docs); err != nil {
		return page, translate(err, "bookings")
	}
	for i, d := range docs {
		if i == limit {
			last := page.Items[limit-1]
			page.Next = encodeCursor(data.Booking{Start: last.Start, ID: last.ID})
			break
		}
		f := data.BookingFact{
			ID: d.ID, InterpreterID: d.InterpreterID, Start: utc(d.Start), CreatedAt: utc(d.CreatedAt), UpdatedAt: utc(d.UpdatedAt),
			OfferedAt: utc(d.OfferedAt), Status: data.BookingStatus(d.Status), Confirmation: data.Confirmation(d.Confirmation),
			Code: data.OutcomeCode(d.Code),
		}
		if f.Confirmation == "" {
			f.Confirmation = data.ConfirmationDirect // stored before offers
		}
		if d.Outcome != nil {
			f.Recorded, f.Attended = true, d.Outcome.Attended
			f.Incident = d.Outcome.Checklist != nil && !d.Outcome.Checklist.NeverAloneWithChild
		}
		page.Items = append(page.Items, f)
	}
	return page, nil
}

// offersByStart is the index OfferFacts reads.
const offersByStart = "organisation_start_id"

// offerFactDocument is the part of an offer document a fact needs.
type offerFactDocument struct {
	ID        string    `bson:"_id"`
	Start     time.Time `bson:"start"`
	Status    string    `bson:"status"`
	Code      string    `bson:"code,omitempty"`
	CreatedAt time.Time `bson:"createdAt"`
	UpdatedAt time.Time `bson:"updatedAt"`
}

// OfferFacts lands the offers' changes in flight, then reads the
// organisation's offers in [From, To) by start then _id off the index
// (organisation, start, _id), or the register's off (start, _id),
// projected to what a fact holds.
func (s *Store) OfferFacts(ctx context.Context, q data.ReportQuery) (data.Page[data.OfferFact], error) {
	var page data.Page[data.OfferFact]
	filter, hint, err := startFilter(q, offersByStart)
	if err != nil {
		return page, err
	}
	if _, _, err := s.finishLocks(ctx, anyOfferLocks); err != nil {
		return page, err
	}
	limit := data.PageSize(q.Limit)
	opts := options.Find().SetSort(byStartThenID).SetLimit(int64(limit + 1)).SetHint(hint).
		SetProjection(bson.D{{Key: "start", Value: 1}, {Key: "status", Value: 1}, {Key: "code", Value: 1}, {Key: "createdAt", Value: 1}, {Key: "updatedAt", Value: 1}})
	cur, err := s.offers.Find(ctx, filter, opts)
	if err != nil {
		return page, translate(err, "offers")
	}
	var docs []offerFactDocument
	if err := cur.All(ctx, &docs); err != nil {
		return page, translate(err, "offers")
	}
	for i, d := range docs {
		if i == limit {
			last := page.Items[limit-1]
			page.Next = encodeCursor(data.Booking{Start: last.Start, ID: last.ID})
			break
		}
		page.Items = append(page.Items, data.OfferFact{ID: d.ID, Start: utc(d.Start), CreatedAt: utc(d.CreatedAt),
			UpdatedAt: utc(d.UpdatedAt), Status: data.OfferStatus(d.Status), Code: data.OutcomeCode(d.Code)})
	}
	return page, nil
}

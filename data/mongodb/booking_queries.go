package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tolk/tolk/data"
)

// byStartThenID is the order of every booking listing.
var byStartThenID = bson.D{{Key: "start", Value: 1}, {Key: "_id", Value: 1}}

// The indexes booking listings read: an organisation's bookings, and those
// of one case, interpreter or booker in it, each by start then _id.
const (
	bookingsByOrg         = "organisation_start_id"
	bookingsByCase        = "organisation_caseId_start_id"
	bookingsByInterpreter = "organisation_interpreterId_start_id"
	bookingsByBooker      = "organisation_bookedBy_start_id"
	// bookingsOfInterpreter: an interpreter's bookings in every
	// organisation and status (subject access).
	bookingsOfInterpreter = "interpreterId_start_id"
)

// bookingIndex names the index a listing reads: the most selective one q
// narrows to, the case's, else the interpreter's, else the booker's, else
// the organisation's. The query hints it, so that MongoDB's planner reads
// that index's range and checks the other fields q names on the bookings
// in it. (FerretDB accepts and ignores hints.)
func bookingIndex(q data.BookingQuery) string {
	switch {
	case q.Organisation == "":
		return bookingsOfInterpreter
	case q.CaseID != "":
		return bookingsByCase
	case q.InterpreterID != "":
		return bookingsByInterpreter
	case q.BookedBy != "":
		return bookingsByBooker
	}
	return bookingsByOrg
}

// ListBookings lands the booking changes of writers that died, then reads
// one page, by start then ID, off the index bookingIndex chooses. It asks
// for one booking more than the page to learn whether another page
// follows. A missing organisation or a cursor this method did not return
// is a *data.ValidationError.
func (s *Store) ListBookings(ctx context.Context, q data.BookingQuery) (data.Page[data.Booking], error) {
	var page data.Page[data.Booking]
	switch {
	case q.Organisation != "":
	case q.InterpreterID == "":
		return page, invalid("organisation", "is required")
	case q.CaseID != "" || q.BookedBy != "":
		return page, invalid("organisation", "is required with a case or a booker")
	}
	filter, err := bookingFilter(q)
	if err != nil {
		return page, err
	}
	if err := s.finishPending(ctx, schedulesCollection); err != nil {
		return page, err
	}
	limit := data.PageSize(q.Limit)
	opts := options.Find().SetSort(byStartThenID).SetLimit(int64(limit + 1)).SetHint(bookingIndex(q))
	docs, err := s.findBookings(ctx, filter, opts)
	if err != nil {
		return page, err
	}
	for i, d := range docs {
		if i == limit {
			page.Next = encodeCursor(page.Items[limit-1])
			break
		}
		page.Items = append(page.Items, d.toBooking())
	}
	return page, nil
}

// bookingFilter is the filter of a booking listing: q's fields, its start
// range and the position after its cursor. A cursor this package did not
// issue is a *data.ValidationError.
func bookingFilter(q data.BookingQuery) (bson.D, error) {
	var after cursor
	if q.After != "" {
		var err error
		if after, err = decodeCursor(q.After); err != nil {
			return nil, invalid("after", "is not a cursor of this listing")
		}
	}
	filter := bson.D{}
	for _, f := range []bson.E{{Key: "organisation", Value: q.Organisation}, {Key: "caseId", Value: q.CaseID}, {Key: "interpreterId", Value: q.InterpreterID}, {Key: "bookedBy", Value: q.BookedBy}} {
		if f.Value != "" {
			filter = append(filter, f)
		}
	}
	// The start range: From, raised to the cursor's start so the index scan
	// begins there, and To. The $or then skips the bookings at the cursor's
	// start up to its ID: at most the few that start at the same instant.
	from := time.Time{}
	if !q.From.IsZero() {
		from = ceilMilli(q.From)
	}
	if q.After != "" && after.start.After(from) {
		from = after.start
	}
	start := bson.D{}
	if !from.IsZero() {
		start = append(start, bson.E{Key: "$gte", Value: from})
	}
	if !q.To.IsZero() {
		start = append(start, bson.E{Key: "$lt", Value: ceilMilli(q.To)})
	}
	if len(start) > 0 {
		filter = append(filter, bson.E{Key: "start", Value: start})
	}
	if q.After != "" {
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "start", Value: bson.D{{Key: "$gt", Value: after.start}}}},
			bson.D{{Key: "start", Value: after.start}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: after.id}}}},
		}})
	}
	return filter, nil
}

// CaseSittings lands the booking changes of writers that died, then finds
// one page of the case's bookings as ListBookings does for a query naming
// the case (the same filter, order, index and cursors), projected to what
// a sitting holds: no note, nothing about the child, no snapshot.
func (s *Store) CaseSittings(ctx context.Context, q data.BookingQuery) (data.Page[data.Sitting], error) {
	var page data.Page[data.Sitting]
	switch {
	case q.Organisation == "":
		return page, invalid("organisation", "is required")
	case q.CaseID == "":
		return page, invalid("caseId", "is required")
	}
	filter, err := bookingFilter(data.BookingQuery{Organisation: q.Organisation, CaseID: q.CaseID, After: q.After})
	if err != nil {
		return page, err
	}
	if err := s.finishPending(ctx, schedulesCollection); err != nil {
		return page, err
	}
	limit := data.PageSize(q.Limit)
	opts := options.Find().SetSort(byStartThenID).SetLimit(int64(limit + 1)).SetHint(bookingsByCase).SetProjection(sittingProjection)
	cur, err := s.bookings.Find(ctx, filter, opts)
	if err != nil {
		return page, translate(err, "bookings")
	}
	var docs []sittingDocument
	if err := cur.All(ctx, &docs); err != nil {
		return page, translate(err, "bookings")
	}
	if len(docs) > 0 {
		page.Items = make([]data.Sitting, 0, min(len(docs), limit))
	}
	for i, d := range docs {
		if i == limit {
			last := page.Items[limit-1]
			page.Next = encodeCursor(data.Booking{Start: last.Start, ID: last.BookingID})
			break
		}
		page.Items = append(page.Items, d.toSitting())
	}
	return page, nil
}

// ConfirmedBookings lands the booking changes of writers that died, then
// reads the confirmed bookings of these interpreters that start in
// [from, to) in one query off the index on (interpreterId, status, start,
// _id), which also gives their order. $in counts an ID listed twice once.
func (s *Store) ConfirmedBookings(ctx context.Context, interpreterIDs []string, from, to time.Time) ([]data.Booking, error) {
	if len(interpreterIDs) == 0 {
		return nil, nil
	}
	if err := s.finishPending(ctx, schedulesCollection); err != nil {
		return nil, err
	}
	filter := bson.D{
		{Key: "interpreterId", Value: bson.D{{Key: "$in", Value: interpreterIDs}}},
		{Key: "status", Value: bson.D{{Key: "$in", Value: holdingStatuses}}},
		{Key: "start", Value: bson.D{{Key: "$gte", Value: ceilMilli(from)}, {Key: "$lt", Value: ceilMilli(to)}}},
	}
	sort := bson.D{{Key: "interpreterId", Value: 1}, {Key: "start", Value: 1}, {Key: "_id", Value: 1}}
	docs, err := s.findBookings(ctx, filter, options.Find().SetSort(sort))
	if err != nil {
		return nil, err
	}
	var out []data.Booking
	for _, d := range docs {
		out = append(out, d.toBooking())
	}
	return out, nil
}

// findBookings runs one query on the bookings.
func (s *Store) findBookings(ctx context.Context, filter bson.D, opts *options.FindOptionsBuilder) ([]bookingDocument, error) {
	cur, err := s.bookings.Find(ctx, filter, opts)
	if err != nil {
		return nil, translate(err, "bookings")
	}
	var docs []bookingDocument
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "bookings")
	}
	return docs, nil
}

package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tolk/tolk/data"
)

// checkCaseSlot judges data.CheckCaseSlot for a new booking or offer of a
// case with this slot, ignoring the record with ID self. It first lands
// the booking and offer changes that writers left behind, then reads the
// case's confirmed bookings that start from data.CaseWindow before start
// to end (off the index on organisation, caseId, start) and its open
// offers (off the index on organisation, caseId, status).
//
// Unlike an interpreter's overlaps, this is not serialised across writers:
// a booking commits through its interpreter's schedule and an offer
// through its own record, and no one lock key covers a case. It runs in
// the writer's attempt just before its commit, so a second booking of a
// case is refused whenever the first has landed; two requests for one
// case's slot landing in the same instant through different interpreters
// can both pass here. The embedded store judges it in its one write
// transaction.
func (s *Store) checkCaseSlot(ctx context.Context, org, caseID, self string, start, end time.Time) error {
	if err := s.finishPending(ctx, schedulesCollection); err != nil {
		return err
	}
	if _, _, err := s.finishLocks(ctx, anyOfferLocks); err != nil {
		return err
	}
	docs, err := s.findBookings(ctx, bson.D{
		{Key: "organisation", Value: org}, {Key: "caseId", Value: caseID},
		{Key: "start", Value: bson.D{{Key: "$gte", Value: start.Add(-data.CaseWindow)}, {Key: "$lt", Value: end}}},
	}, options.Find().SetSort(byStartThenID).SetHint(bookingsByCase))
	if err != nil {
		return err
	}
	bookings := make([]data.Booking, 0, len(docs))
	for _, d := range docs {
		bookings = append(bookings, d.toBooking())
	}
	cur, err := s.offers.Find(ctx, bson.D{
		{Key: "organisation", Value: org}, {Key: "caseId", Value: caseID}, {Key: "status", Value: string(data.OfferOpen)},
	}, options.Find().SetHint(offersByCaseStatus))
	if err != nil {
		return translate(err, "offers")
	}
	var odocs []offerDocument
	if err := cur.All(ctx, &odocs); err != nil {
		return translate(err, "offers")
	}
	offers := make([]data.Offer, 0, len(odocs))
	for _, d := range odocs {
		offers = append(offers, d.toOffer())
	}
	return data.CheckCaseSlot(start, end, self, bookings, offers)
}

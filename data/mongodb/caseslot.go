package mongodb

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tolk/tolk/data"
)

// One interview, one interpreter, unless meant (data.CheckCaseSlot) is
// judged across writers through a ledger per case: the collection
// caseClaims, whose entries, _id "<case ID>#<n>" (n zero-padded), are only
// ever inserted. A direct booking commits through its interpreter's
// schedule and an offer through its own record, so no one lock key covers
// a case; instead every write that must be judged (a direct booking, an
// open offer, neither additional) claims the case's next entry:
//
//  1. it reads the case's latest entry n, then finds no change claiming
//     for the case in flight (caseClaimNow: locks name their case,
//     lockDocument.Case), waiting for those it finds and landing a dead
//     writer's;
//  2. it reads the case's confirmed bookings and open offers around the
//     slot and judges them (checkCaseSlot);
//  3. it commits with the entry n+1 claimed: first in a booking's outbox
//     (a Claim: held by another change, it refuses the rest, as an offer's
//     acceptance claims its offer's version), or as the very record an
//     offer's lock writes, the offer its dependent.
//
// Of two writers that read the same n, one holds n+1 and the other gets
// errStale and starts again at step 1, where it sees the first one's
// booking or offer. A writer that read n after another claimed n+1 finds
// that claim's lock in step 1 and waits until it has landed. So every
// judged booking or offer of a case was judged with every earlier one in
// view.

// caseClaimDocument is one entry of a case's ledger.
type caseClaimDocument struct {
	ID     string `bson:"_id"`
	Case   string `bson:"case"`
	Record string `bson:"record"` // the booking or offer that claimed it
}

// caseClaimID is the _id of entry n of a case's ledger.
func caseClaimID(caseID string, n int64) string { return fmt.Sprintf("%s#%012d", caseID, n) }

// caseLocks selects the locks of the changes in flight that claim an
// entry of the case's ledger.
func caseLocks(caseID string) bson.D { return bson.D{{Key: "case", Value: caseID}} }

// lastCaseClaim returns the number of the case's latest ledger entry, 0
// when it has none.
func (s *Store) lastCaseClaim(ctx context.Context, caseID string) (int64, error) {
	var d struct {
		ID string `bson:"_id"`
	}
	filter := bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: caseID + "#"}, {Key: "$lt", Value: caseID + "$"}}}}
	opts := options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}}).SetProjection(bson.D{{Key: "_id", Value: 1}})
	err := s.db.Collection(caseClaimsCollection).FindOne(ctx, filter, opts).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, translate(err, "case claims of "+caseID)
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(d.ID, caseID+"#"), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("case claim %q: %w", d.ID, err)
	}
	return n, nil
}

// caseClaimNow returns the case's latest ledger entry at a moment when no
// change claiming for the case was in flight: it reads the entry first
// and then finds no lock of the case, waiting for (or landing) those it
// finds and reading again.
func (s *Store) caseClaimNow(ctx context.Context, caseID string) (int64, error) {
	delay := awaitFirst
	for {
		n, err := s.lastCaseClaim(ctx, caseID)
		if err != nil {
			return 0, err
		}
		found, left, err := s.finishLocks(ctx, caseLocks(caseID))
		switch {
		case err != nil:
			return 0, err
		case found == 0:
			return n, nil
		case left == 0:
			continue // they landed or went: read again
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("waiting for the changes of case %s: %w", caseID, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, awaitMax)
	}
}

// checkCaseSlot judges data.CheckCaseSlot for a new booking or offer of a
// case with this slot, ignoring the record with ID self, and returns the
// ledger entry its write must claim (see the top of this file). It reads
// the case's latest entry (caseClaimNow), then lands the booking and offer
// changes that writers left behind, then reads the case's confirmed
// bookings that start from data.CaseWindow before start to end (off the
// index on organisation, caseId, start) and its open offers (off the
// index on organisation, caseId, status).
func (s *Store) checkCaseSlot(ctx context.Context, org, caseID, self string, start, end time.Time) (dependent, error) {
	n, err := s.caseClaimNow(ctx, caseID)
	if err != nil {
		return dependent{}, err
	}
	if err := s.finishPending(ctx, schedulesCollection); err != nil {
		return dependent{}, err
	}
	if _, _, err := s.finishLocks(ctx, anyOfferLocks); err != nil {
		return dependent{}, err
	}
	docs, err := s.findBookings(ctx, bson.D{
		{Key: "organisation", Value: org}, {Key: "caseId", Value: caseID},
		{Key: "start", Value: bson.D{{Key: "$gte", Value: start.Add(-data.CaseWindow)}, {Key: "$lt", Value: end}}},
	}, options.Find().SetSort(byStartThenID).SetHint(bookingsByCase))
	if err != nil {
		return dependent{}, err
	}
	bookings := make([]data.Booking, 0, len(docs))
	for _, d := range docs {
		bookings = append(bookings, d.toBooking())
	}
	cur, err := s.offers.Find(ctx, bson.D{
		{Key: "organisation", Value: org}, {Key: "caseId", Value: caseID}, {Key: "status", Value: string(data.OfferOpen)},
	}, options.Find().SetHint(offersByCaseStatus))
	if err != nil {
		return dependent{}, translate(err, "offers")
	}
	var odocs []offerDocument
	if err := cur.All(ctx, &odocs); err != nil {
		return dependent{}, translate(err, "offers")
	}
	offers := make([]data.Offer, 0, len(odocs))
	for _, d := range odocs {
		offers = append(offers, d.toOffer())
	}
	if err := data.CheckCaseSlot(start, end, self, bookings, offers); err != nil {
		return dependent{}, err
	}
	id := caseClaimID(caseID, n+1)
	return dependent{coll: caseClaimsCollection, id: id, version: 1, doc: caseClaimDocument{ID: id, Case: caseID, Record: self}, claim: true}, nil
}

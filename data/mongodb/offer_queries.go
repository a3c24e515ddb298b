package mongodb

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tolk/tolk/data"
)

// The indexes offer listings read, newest first by _id: an organisation's
// offers, optionally of one status, of one case, or both; and the offers
// inviting one interpreter, by inviteeKeys (offerdoc.go). The expirer
// reads due offers by due; an invitation's link finds its offer by
// tokenHashes.
const (
	offersByOrg        = "organisation_id"
	offersByStatus     = "organisation_status_id"
	offersByCase       = "organisation_caseId_id"
	offersByCaseStatus = "organisation_caseId_status_id"
	offersByInvitee    = "inviteeKeys_id"
	offersByDue        = "due_id"
	offersByToken      = "tokenHashes"
)

// ListOffers lands the offer changes that writers left behind, then reads
// one page, newest first, off one index that holds exactly what q asks
// for: by interpreter, one key of inviteeKeys (and, when q names an
// organisation or a case too, those are checked on the interpreter's
// offers); otherwise the organisation's index for the case and status q
// names. The query hints it (FerretDB accepts and ignores hints). A status
// that is none of data's matches nothing. Neither an organisation nor an
// interpreter is a *data.ValidationError.
func (s *Store) ListOffers(ctx context.Context, q data.OfferQuery) (data.Page[data.Offer], error) {
	if q.Organisation == "" && q.InterpreterID == "" {
		return data.Page[data.Offer]{}, invalid("organisation", "is required, or an interpreter")
	}
	if (q.Status != "" && !slices.Contains(data.OfferStatuses, q.Status)) ||
		(q.Invitation != "" && !slices.Contains(data.InvitationStatuses, q.Invitation)) {
		return data.Page[data.Offer]{}, nil
	}
	var filter bson.D
	var hint string
	if q.InterpreterID != "" {
		filter = bson.D{{Key: "inviteeKeys", Value: inviteeKey(q.InterpreterID, q.Invitation, q.Status)}}
		hint = offersByInvitee
	}
	for _, f := range []bson.E{{Key: "organisation", Value: q.Organisation}, {Key: "caseId", Value: q.CaseID}} {
		if f.Value != "" {
			filter = append(filter, f)
		}
	}
	if q.InterpreterID == "" {
		if q.Status != "" {
			filter = append(filter, bson.E{Key: "status", Value: string(q.Status)})
		}
		switch {
		case q.CaseID != "" && q.Status != "":
			hint = offersByCaseStatus
		case q.CaseID != "":
			hint = offersByCase
		case q.Status != "":
			hint = offersByStatus
		default:
			hint = offersByOrg
		}
	}
	if q.Before != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: q.Before}}})
	}
	if _, _, err := s.finishLocks(ctx, anyOfferLocks); err != nil {
		return data.Page[data.Offer]{}, err
	}
	return findPageHinted(ctx, s.offers, filter, hint, -1, data.PageSize(q.Limit), offerDocument.toOffer,
		func(o data.Offer) string { return o.ID })
}

// DueOffers lands the offer changes that writers left behind, then reads
// up to limit offers whose due time (stored only for an open offer with a
// pending invitation: data.Offer.Due) is at or before by, earliest first,
// off the index on (due, _id). Stored times are whole milliseconds, so
// "at or before by" is "at or before by truncated to the millisecond".
func (s *Store) DueOffers(ctx context.Context, by time.Time, limit int) ([]data.Offer, error) {
	if limit <= 0 {
		return nil, nil
	}
	if _, _, err := s.finishLocks(ctx, anyOfferLocks); err != nil {
		return nil, err
	}
	filter := bson.D{{Key: "due", Value: bson.D{{Key: "$lte", Value: data.Timestamp(by)}}}}
	opts := options.Find().SetSort(bson.D{{Key: "due", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)).SetHint(offersByDue)
	cur, err := s.offers.Find(ctx, filter, opts)
	if err != nil {
		return nil, translate(err, "due offers")
	}
	var docs []offerDocument
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "due offers")
	}
	var out []data.Offer
	for _, d := range docs {
		out = append(out, d.toOffer())
	}
	return out, nil
}

// OfferByToken lands the offer changes that writers left behind (a token
// arrives with the change that asks its invitee), then finds the offer
// holding an invitation with this token hash off the multikey index on
// tokenHashes. An empty hash names no offer.
func (s *Store) OfferByToken(ctx context.Context, tokenHash string) (data.Offer, error) {
	if tokenHash == "" {
		return data.Offer{}, fmt.Errorf("offer by token: %w", data.ErrNotFound)
	}
	if _, _, err := s.finishLocks(ctx, anyOfferLocks); err != nil {
		return data.Offer{}, err
	}
	var d offerDocument
	opts := options.FindOne().SetHint(offersByToken)
	if err := s.offers.FindOne(ctx, bson.D{{Key: "tokenHashes", Value: tokenHash}}, opts).Decode(&d); err != nil {
		return data.Offer{}, translate(err, "offer by token")
	}
	return d.toOffer(), nil
}

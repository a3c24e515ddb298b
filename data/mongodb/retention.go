package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tolk/tolk/data"
)

// bookingsToRetain is the index of retention's walk: bookings whose
// anonymised field is null (absent), by end then _id.
const bookingsToRetain = "anonymised_end_id"

// BookingsEndedBefore lands the booking changes of writers that died,
// then reads one page of the bookings not yet anonymised that ended
// before before, by end then ID, off bookingsToRetain: from the oldest,
// or after the booking named by after.
func (s *Store) BookingsEndedBefore(ctx context.Context, before time.Time, after string, limit int) (data.Page[data.Booking], error) {
	var page data.Page[data.Booking]
	if err := s.finishPending(ctx, schedulesCollection); err != nil {
		return page, err
	}
	filter := bson.D{{Key: "anonymised", Value: nil}, {Key: "end", Value: bson.D{{Key: "$lt", Value: ceilMilli(before)}}}}
	if after != "" {
		var d bookingDocument
		if err := s.bookings.FindOne(ctx, bson.D{{Key: "_id", Value: after}}).Decode(&d); err != nil {
			return page, invalid("after", "names no booking")
		}
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "end", Value: bson.D{{Key: "$gt", Value: d.End}}}},
			bson.D{{Key: "end", Value: d.End}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
		}})
	}
	limit = data.PageSize(limit)
	opts := options.Find().SetSort(bson.D{{Key: "end", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit + 1)).SetHint(bookingsToRetain)
	docs, err := s.findBookings(ctx, filter, opts)
	if err != nil {
		return page, err
	}
	for i, d := range docs {
		if i == limit {
			page.Next = page.Items[limit-1].ID
			break
		}
		page.Items = append(page.Items, d.toBooking())
	}
	return page, nil
}

package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tolk/tolk/data"
)

// unmetCollection holds the record of unmet need: documents only ever
// inserted, by the change that decides them (changeOutbox), found by
// organisation and the interview's start.
const unmetCollection = "unmetNeed"

// unmetByOrg is the index a listing of unmet need reads.
const unmetByOrg = "organisation_start_id"

// unmetDocument is an entry of unmet need as MongoDB stores it.
type unmetDocument struct {
	ID            string           `bson:"_id"`
	Organisation  string           `bson:"organisation"`
	Source        string           `bson:"source"`
	Language      string           `bson:"language"`
	InterviewType string           `bson:"interviewType"`
	Modality      string           `bson:"modality"`
	Region        string           `bson:"region,omitempty"`
	Start         time.Time        `bson:"start"`
	RecordedAt    time.Time        `bson:"recordedAt"`
	Reasons       []reasonCountDoc `bson:"reasons,omitempty"`
}

type reasonCountDoc struct {
	Code  string `bson:"code"`
	Count int    `bson:"count"`
}

func fromNeed(n data.UnmetNeed) unmetDocument {
	d := unmetDocument{
		ID: n.ID, Organisation: n.Organisation, Source: string(n.Source), Language: n.Language,
		InterviewType: string(n.InterviewType), Modality: string(n.Modality), Region: n.Region,
		Start: data.Timestamp(n.Start), RecordedAt: data.Timestamp(n.RecordedAt),
	}
	for _, rc := range n.Reasons {
		d.Reasons = append(d.Reasons, reasonCountDoc(rc))
	}
	return d
}

func (d unmetDocument) toNeed() data.UnmetNeed {
	n := data.UnmetNeed{
		ID: d.ID, Organisation: d.Organisation, Source: data.NeedSource(d.Source), Language: d.Language,
		InterviewType: data.InterviewType(d.InterviewType), Modality: data.Modality(d.Modality), Region: d.Region,
		Start: utc(d.Start), RecordedAt: utc(d.RecordedAt),
	}
	for _, rc := range d.Reasons {
		n.Reasons = append(n.Reasons, data.ReasonCount(rc))
	}
	return n
}

// ListUnmetNeed lands the changes in flight that carry unmet need, then
// reads the organisation's entries in [From, To) by start then _id off
// the index (organisation, start, _id), or the register's off (start, _id).
func (s *Store) ListUnmetNeed(ctx context.Context, q data.UnmetNeedQuery) (data.Page[data.UnmetNeed], error) {
	var page data.Page[data.UnmetNeed]
	filter, hint, err := startFilter(data.ReportQuery(q), unmetByOrg)
	if err != nil {
		return page, err
	}
	if _, _, err := s.finishLocks(ctx, bson.D{{Key: "unmet", Value: true}}); err != nil {
		return page, err
	}
	limit := data.PageSize(q.Limit)
	opts := options.Find().SetSort(byStartThenID).SetLimit(int64(limit + 1)).SetHint(hint)
	cur, err := s.db.Collection(unmetCollection).Find(ctx, filter, opts)
	if err != nil {
		return page, translate(err, unmetCollection)
	}
	var docs []unmetDocument
	if err := cur.All(ctx, &docs); err != nil {
		return page, translate(err, unmetCollection)
	}
	for i, d := range docs {
		if i == limit {
			last := page.Items[limit-1]
			page.Next = encodeCursor(data.Booking{Start: last.Start, ID: last.ID}) // the same position
			break
		}
		page.Items = append(page.Items, d.toNeed())
	}
	return page, nil
}

// unmetOutbox returns the outbox documents of a change's unmet need, each
// inserted once (a repeated search is the same entry).
func unmetOutbox(needs []data.UnmetNeed) ([]outboxDocument, error) {
	var docs []outboxDocument
	for _, n := range needs {
		raw, err := bson.Marshal(fromNeed(n))
		if err != nil {
			return nil, fmt.Errorf("unmet need %s: %w", n.ID, err)
		}
		docs = append(docs, outboxDocument{Collection: unmetCollection, ID: n.ID, Doc: raw, Once: true})
	}
	return docs, nil
}

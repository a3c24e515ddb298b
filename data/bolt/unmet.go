package bolt

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

var (
	bucketUnmet = []byte("unmet_need") // ID → record, only ever inserted
	// "<org>\x00<start key>\x00<id>": an organisation's unmet need by the
	// interview's start, so a period's entries are one seek.
	bucketUnmetByOrg = "unmet_by_org"
)

var unmetKind = recordKind{
	bucket:  bucketUnmet,
	indexes: []string{bucketUnmetByOrg},
	entries: decode(unmetRecord.toNeed, unmetIndexes),
}

// unmetIndexes derives the index entry of an entry of unmet need.
func unmetIndexes(n data.UnmetNeed) []indexEntry {
	return []indexEntry{{bucket: bucketUnmetByOrg, key: indexKey(n.Organisation, startKey(n.Start), n.ID)}}
}

// unmetRecord is an entry of unmet need as the unmet_need bucket stores it.
type unmetRecord struct {
	ID            string        `json:"id"`
	Organisation  string        `json:"organisation"`
	Source        string        `json:"source"`
	Language      string        `json:"language"`
	InterviewType string        `json:"interviewType"`
	Modality      string        `json:"modality"`
	Region        string        `json:"region,omitempty"`
	Start         string        `json:"start"`
	RecordedAt    string        `json:"recordedAt"`
	Reasons       []reasonCount `json:"reasons,omitempty"`
}

type reasonCount struct {
	Code  string `json:"code"`
	Count int    `json:"count"`
}

func fromNeed(n data.UnmetNeed) unmetRecord {
	r := unmetRecord{
		ID: n.ID, Organisation: n.Organisation, Source: string(n.Source), Language: n.Language,
		InterviewType: string(n.InterviewType), Modality: string(n.Modality), Region: n.Region,
		Start: encodeTime(n.Start), RecordedAt: encodeTime(n.RecordedAt),
	}
	for _, rc := range n.Reasons {
		r.Reasons = append(r.Reasons, reasonCount(rc))
	}
	return r
}

func (r unmetRecord) toNeed() data.UnmetNeed {
	n := data.UnmetNeed{
		ID: r.ID, Organisation: r.Organisation, Source: data.NeedSource(r.Source), Language: r.Language,
		InterviewType: data.InterviewType(r.InterviewType), Modality: data.Modality(r.Modality), Region: r.Region,
		Start: decodeTime(r.Start), RecordedAt: decodeTime(r.RecordedAt),
	}
	for _, rc := range r.Reasons {
		n.Reasons = append(n.Reasons, data.ReasonCount(rc))
	}
	return n
}

// putUnmet inserts the entries of unmet need a change holds, with their
// index entries; an entry whose ID is stored already is the same entry
// (a repeated search), left as it is.
func putUnmet(tx *bolt.Tx, needs []data.UnmetNeed) error {
	b := tx.Bucket(bucketUnmet)
	for _, n := range needs {
		if b.Get([]byte(n.ID)) != nil {
			continue
		}
		n.Start, n.RecordedAt = data.Timestamp(n.Start), data.Timestamp(n.RecordedAt)
		if err := writeIndexes(tx, nil, unmetIndexes(n)); err != nil {
			return err
		}
		if err := put(b, n.ID, fromNeed(n)); err != nil {
			return err
		}
	}
	return nil
}

// ListUnmetNeed seeks the organisation's entries from q.From (or after the
// cursor) and stops before q.To, reading only the page's records.
func (s *Store) ListUnmetNeed(ctx context.Context, q data.UnmetNeedQuery) (data.Page[data.UnmetNeed], error) {
	if q.Organisation == "" {
		return data.Page[data.UnmetNeed]{}, invalid("organisation", "is required")
	}
	var from, to string
	if !q.From.IsZero() {
		from = boundKey(q.From)
	}
	if !q.To.IsZero() {
		to = boundKey(q.To)
	}
	if q.After != "" {
		after, err := decodeCursor(q.After)
		if err != nil {
			return data.Page[data.UnmetNeed]{}, invalid("after", "is not a cursor of this listing")
		}
		from = max(from, after)
	}
	limit := data.PageSize(q.Limit)
	var page data.Page[data.UnmetNeed]
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		ids := seekIndex(tx.Bucket([]byte(bucketUnmetByOrg)), indexPrefix(q.Organisation), from, false).stopAt(to).take(limit+1, nil)
		page, err = pageOf(tx.Bucket(bucketUnmet), ids, limit, unmetRecord.toNeed)
		return err
	})
	if err != nil {
		return data.Page[data.UnmetNeed]{}, fmt.Errorf("unmet need: %w", err)
	}
	if page.Next != "" {
		last := page.Items[len(page.Items)-1]
		page.Next = encodeCursor(data.Booking{Start: last.Start, ID: last.ID}) // the same position
	}
	return page, nil
}

package bolt

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

var (
	bucketUnmet = []byte("unmet_need") // ID → record, only ever inserted
	// "<org>\x00<start key>\x00<id>" → the entry (needValue): an
	// organisation's unmet need by the interview's start, so a period's
	// entries are one seek, read off the index alone (entries never
	// change, so the copy in the index never goes stale).
	bucketUnmetByOrg = "unmet_by_org"
	// "<start key>\x00<id>" → the organisation, NUL, then the entry as
	// bucketUnmetByOrg holds it: the whole register's unmet need by start,
	// for coordinators' reports across the register.
	bucketUnmetByStart = "unmet_by_start"
)

var unmetKind = recordKind{
	bucket:  bucketUnmet,
	indexes: []string{bucketUnmetByOrg, bucketUnmetByStart},
	entries: decode(unmetRecord.toNeed, unmetIndexes),
}

// unmetIndexes derives the index entry of an entry of unmet need.
func unmetIndexes(n data.UnmetNeed) []indexEntry {
	start, value := startKey(n.Start), needValue(n)
	return []indexEntry{
		{bucket: bucketUnmetByOrg, key: indexKey(n.Organisation, start, n.ID), value: value},
		{bucket: bucketUnmetByStart, key: indexKey(start, n.ID), value: indexKey(n.Organisation, value)},
	}
}

// needValue encodes what an entry holds beside its key's organisation,
// start and ID: its source, language, interview type, modality, region
// and recording time (Unix milliseconds), NUL-separated, then its reasons
// as code \x01 count, separated by \x02. No field holds a control
// character (data.UnmetNeed.Validate).
func needValue(n data.UnmetNeed) string {
	var b strings.Builder
	for _, f := range []string{string(n.Source), n.Language, string(n.InterviewType), string(n.Modality), n.Region,
		strconv.FormatInt(data.Timestamp(n.RecordedAt).UnixMilli(), 10)} {
		b.WriteString(f)
		b.WriteByte(0)
	}
	for i, r := range n.Reasons {
		if i > 0 {
			b.WriteByte(2)
		}
		b.WriteString(r.Code)
		b.WriteByte(1)
		b.WriteString(strconv.Itoa(r.Count))
	}
	return b.String()
}

// decodeNeed reads an entry of org from its key's rest (start key, NUL,
// ID) and value (needValue).
func decodeNeed(org string, rest, value []byte) (data.UnmetNeed, error) {
	start, err := factStart(rest)
	parts := strings.Split(string(value), "\x00")
	if err != nil || len(rest) < startKeyLen+2 || len(parts) != 7 {
		return data.UnmetNeed{}, errors.New("not an entry of unmet need")
	}
	ms, err := strconv.ParseInt(parts[5], 10, 64)
	if err != nil {
		return data.UnmetNeed{}, errors.New("not an entry of unmet need")
	}
	n := data.UnmetNeed{
		ID: string(rest[startKeyLen+1:]), Organisation: org, Source: data.NeedSource(parts[0]), Language: parts[1],
		InterviewType: data.InterviewType(parts[2]), Modality: data.Modality(parts[3]), Region: parts[4],
		Start: start, RecordedAt: time.UnixMilli(ms).UTC(),
	}
	if parts[6] != "" {
		for _, rc := range strings.Split(parts[6], "\x02") {
			code, count, ok := strings.Cut(rc, "\x01")
			c, err := strconv.Atoi(count)
			if !ok || err != nil {
				return data.UnmetNeed{}, errors.New("not an entry of unmet need")
			}
			n.Reasons = append(n.Reasons, data.ReasonCount{Code: code, Count: c})
		}
	}
	return n, nil
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

// ListUnmetNeed seeks the organisation's entries (or the register's) from
// q.From (or after the cursor) and stops before q.To, reading the index
// alone (see factPage).
func (s *Store) ListUnmetNeed(ctx context.Context, q data.UnmetNeedQuery) (data.Page[data.UnmetNeed], error) {
	return factPage(ctx, s, data.ReportQuery(q), factIndex{bucketUnmetByOrg, bucketUnmetByStart},
		func(rest, value []byte) (data.UnmetNeed, error) {
			if !q.Register {
				return decodeNeed(q.Organisation, rest, value)
			}
			org, entry, ok := bytes.Cut(value, []byte{0})
			if !ok {
				return data.UnmetNeed{}, errors.New("not an entry of unmet need")
			}
			return decodeNeed(string(org), rest, entry)
		},
		func(n data.UnmetNeed) data.Booking { return data.Booking{Start: n.Start, ID: n.ID} })
}

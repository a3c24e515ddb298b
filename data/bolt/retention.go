package bolt

import (
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// Retention walks one index bucket per class of record, each keyed
// "<time key>\x00<id>" (the time the class's period counts from, as a
// start key) and holding only the records retention has still to act on:
// a record leaves it in the write that acts on it. A walk seeks from the
// oldest, or from just after the record a previous page ended with, and
// stops at the cutoff, so its cost follows what is due.

// dueIDs takes up to limit+1 IDs off the retention bucket named idx,
// oldest first, from just after the key of the record named by after
// (read by keyOf; "" starts from the oldest) up to before.
func dueIDs(tx *bolt.Tx, idx string, before time.Time, after string, limit int, what string, keyOf func(id string) (time.Time, bool)) ([]string, error) {
	from := ""
	if after != "" {
		t, ok := keyOf(after)
		if !ok {
			return nil, invalid("after", "names no "+what)
		}
		from = indexKey(startKey(t), after)
	}
	return seekIndex(tx.Bucket([]byte(idx)), nil, from, false).stopAt(boundKey(before)).take(limit+1, nil), nil
}

// BookingsEndedBefore walks bookings_to_retain (bookings not yet
// anonymised, by end then ID) from the oldest, or from just after the
// booking named by after, up to before, and reads the page's records.
func (s *Store) BookingsEndedBefore(ctx context.Context, before time.Time, after string, limit int) (data.Page[data.Booking], error) {
	limit = data.PageSize(limit)
	var page data.Page[data.Booking]
	err := s.view(ctx, func(tx *bolt.Tx) error {
		ids, err := dueIDs(tx, bucketBookingsToRetain, before, after, limit, "booking", func(id string) (time.Time, bool) {
			rec, err := get[bookingRecord](tx.Bucket(bucketBookings), id)
			return decodeTime(rec.End), err == nil
		})
		if err != nil {
			return err
		}
		page, err = cachedPageOf(tx.Bucket(bucketBookings), ids, limit, s.bookings)
		return err
	})
	if err != nil {
		return data.Page[data.Booking]{}, fmt.Errorf("bookings ended before %s: %w", before.Format(time.RFC3339), err)
	}
	return page, nil
}

// OffersEndedBefore walks offers_to_retain (offers not yet anonymised, by
// the interview's end then ID) as BookingsEndedBefore walks bookings.
func (s *Store) OffersEndedBefore(ctx context.Context, before time.Time, after string, limit int) (data.Page[data.Offer], error) {
	limit = data.PageSize(limit)
	var page data.Page[data.Offer]
	err := s.view(ctx, func(tx *bolt.Tx) error {
		ids, err := dueIDs(tx, bucketOffersToRetain, before, after, limit, "offer", func(id string) (time.Time, bool) {
			rec, err := get[offerRecord](tx.Bucket(bucketOffers), id)
			return decodeTime(rec.End), err == nil
		})
		if err != nil {
			return err
		}
		page, err = pageOf(tx.Bucket(bucketOffers), ids, limit, offerRecord.toOffer)
		return err
	})
	if err != nil {
		return data.Page[data.Offer]{}, fmt.Errorf("offers ended before %s: %w", before.Format(time.RFC3339), err)
	}
	return page, nil
}

// CasesClosedBefore walks cases_to_retain (closed cases not yet
// anonymised, by closing then ID) as BookingsEndedBefore walks bookings.
func (s *Store) CasesClosedBefore(ctx context.Context, before time.Time, after string, limit int) (data.Page[data.Case], error) {
	limit = data.PageSize(limit)
	var page data.Page[data.Case]
	err := s.view(ctx, func(tx *bolt.Tx) error {
		ids, err := dueIDs(tx, bucketCasesToRetain, before, after, limit, "case", func(id string) (time.Time, bool) {
			rec, err := get[caseRecord](tx.Bucket(bucketCases), id)
			return decodeTime(rec.Closed), err == nil && rec.Closed != ""
		})
		if err != nil {
			return err
		}
		page, err = pageOf(tx.Bucket(bucketCases), ids, limit, caseRecord.toCase)
		return err
	})
	if err != nil {
		return data.Page[data.Case]{}, fmt.Errorf("cases closed before %s: %w", before.Format(time.RFC3339), err)
	}
	return page, nil
}

// InterpretersLeftBefore walks interpreters_to_retain (records of
// interpreters who left, not yet anonymised, by leaving then ID) as
// BookingsEndedBefore walks bookings.
func (s *Store) InterpretersLeftBefore(ctx context.Context, before time.Time, after string, limit int) (data.Page[data.Interpreter], error) {
	limit = data.PageSize(limit)
	var page data.Page[data.Interpreter]
	err := s.view(ctx, func(tx *bolt.Tx) error {
		ids, err := dueIDs(tx, bucketInterpretersToRetain, before, after, limit, "interpreter", func(id string) (time.Time, bool) {
			rec, err := get[interpreterRecord](tx.Bucket(bucketInterpreters), id)
			left := rec.toInterpreter().Left()
			return left, err == nil && !left.IsZero()
		})
		if err != nil {
			return err
		}
		page, err = cachedPageOf(tx.Bucket(bucketInterpreters), ids, limit, s.interpreters)
		return err
	})
	if err != nil {
		return data.Page[data.Interpreter]{}, fmt.Errorf("interpreters left before %s: %w", before.Format(time.RFC3339), err)
	}
	return page, nil
}

// MessagesSettledBefore walks messages_to_prune (settled messages not yet
// pruned, by creation then ID) as BookingsEndedBefore walks bookings.
func (s *Store) MessagesSettledBefore(ctx context.Context, before time.Time, after string, limit int) (data.Page[data.Message], error) {
	limit = data.PageSize(limit)
	var page data.Page[data.Message]
	err := s.view(ctx, func(tx *bolt.Tx) error {
		ids, err := dueIDs(tx, bucketMessagesToPrune, before, after, limit, "message", func(id string) (time.Time, bool) {
			rec, err := get[messageRecord](tx.Bucket(bucketMessages), id)
			return decodeTime(rec.CreatedAt), err == nil
		})
		if err != nil {
			return err
		}
		page, err = pageOf(tx.Bucket(bucketMessages), ids, limit, messageRecord.toMessage)
		return err
	})
	if err != nil {
		return data.Page[data.Message]{}, fmt.Errorf("messages settled before %s: %w", before.Format(time.RFC3339), err)
	}
	return page, nil
}

// SessionsExpiredBefore walks sessions_by_expiry (every session, by
// expiry then ID) as BookingsEndedBefore walks bookings.
func (s *Store) SessionsExpiredBefore(ctx context.Context, before time.Time, after string, limit int) (data.Page[data.Session], error) {
	limit = data.PageSize(limit)
	var page data.Page[data.Session]
	err := s.view(ctx, func(tx *bolt.Tx) error {
		ids, err := dueIDs(tx, bucketSessionsByExpiry, before, after, limit, "session", func(id string) (time.Time, bool) {
			rec, err := get[sessionRecord](tx.Bucket(bucketSessions), id)
			return decodeTime(rec.ExpiresAt), err == nil
		})
		if err != nil {
			return err
		}
		page, err = pageOf(tx.Bucket(bucketSessions), ids, limit, sessionRecord.toSession)
		return err
	})
	if err != nil {
		return data.Page[data.Session]{}, fmt.Errorf("sessions expired before %s: %w", before.Format(time.RFC3339), err)
	}
	return page, nil
}

// DeleteSessions deletes the sessions and their index entries, and lands
// ch, in one transaction.
func (s *Store) DeleteSessions(ctx context.Context, ids []string, ch data.Change) error {
	if err := ch.Check(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		for _, id := range ids {
			rec, err := get[sessionRecord](b, id)
			if errors.Is(err, data.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if err := writeIndexes(tx, sessionIndexes(rec.toSession()), nil); err != nil {
				return err
			}
			if err := b.Delete([]byte(id)); err != nil {
				return err
			}
		}
		return putChange(tx, ch)
	})
}

// SignInsBefore walks audit_signins (the sign-in entries, by time then
// ID) as BookingsEndedBefore walks bookings.
func (s *Store) SignInsBefore(ctx context.Context, before time.Time, after string, limit int) (data.Page[data.AuditEntry], error) {
	limit = data.PageSize(limit)
	var page data.Page[data.AuditEntry]
	err := s.view(ctx, func(tx *bolt.Tx) error {
		ids, err := dueIDs(tx, bucketAuditSignIns, before, after, limit, "sign-in entry", func(id string) (time.Time, bool) {
			rec, err := get[auditRecord](tx.Bucket(bucketAudit), id)
			return decodeTime(rec.At), err == nil && data.IsSignIn(data.Action(rec.Action))
		})
		if err != nil {
			return err
		}
		page, err = cachedPageOf(tx.Bucket(bucketAudit), ids, limit, s.audit)
		return err
	})
	if err != nil {
		return data.Page[data.AuditEntry]{}, fmt.Errorf("sign-ins before %s: %w", before.Format(time.RFC3339), err)
	}
	return page, nil
}

// DeleteSignIns deletes the sign-in entries and their index entries, and
// lands ch, in one transaction; an entry that is not a sign-in refuses
// the whole call.
func (s *Store) DeleteSignIns(ctx context.Context, ids []string, ch data.Change) error {
	if err := ch.Check(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		for _, id := range ids {
			rec, err := get[auditRecord](b, id)
			if errors.Is(err, data.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			e := rec.toEntry()
			if !data.IsSignIn(e.Action) {
				return invalid("ids", "entry "+id+" is not a sign-in ("+string(e.Action)+")")
			}
			if err := writeIndexes(tx, auditIndexes(e), nil); err != nil {
				return err
			}
			if err := b.Delete([]byte(id)); err != nil {
				return err
			}
		}
		// Deleting moves the log's version, as appending does (putAudit),
		// so no list kept at the old version is served again.
		if _, err := b.NextSequence(); err != nil {
			return err
		}
		return putChange(tx, ch)
	})
}

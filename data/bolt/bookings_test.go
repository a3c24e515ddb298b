package bolt

import (
	"encoding/base64"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// TestStartKey: start keys have one width and sort as the times do, across
// years, the epoch and milliseconds; they read back as the time to the
// millisecond, and times beyond the range clamp to its ends.
func TestStartKey(t *testing.T) {
	times := []time.Time{
		{},
		time.Date(999, 12, 31, 23, 59, 59, 999e6, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999e6, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 14, 9, 0, 0, 1e6, time.FixedZone("CET", 3600)),
		time.Date(2026, 3, 14, 9, 0, 0, 2e6, time.UTC),
		time.Date(2026, 3, 14, 9, 0, 0, 10e6, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC),
	}
	keys := make([]string, len(times))
	for i, tm := range times {
		keys[i] = startKey(tm)
		if len(keys[i]) != startKeyLen {
			t.Errorf("startKey(%v) = %q, %d bytes", tm, keys[i], len(keys[i]))
		}
		if back, err := parseStartKey([]byte(keys[i])); err != nil || !back.Equal(tm) || back.Location() != time.UTC {
			t.Errorf("parseStartKey(%q) = %v, %v; want %v in UTC", keys[i], back, err, tm)
		}
	}
	if !slices.IsSorted(keys) {
		t.Errorf("start keys out of time order: %q", keys)
	}
	ms := time.Date(2026, 3, 14, 9, 0, 0, 7e6, time.UTC)
	for _, tc := range []struct {
		name      string
		got, want string
	}{
		{"truncated", startKey(ms.Add(999_999)), startKey(ms)},
		{"before year 0", startKey(time.Date(-3, 5, 1, 0, 0, 0, 0, time.UTC)), "0000-01-01T00:00:00.000Z"},
		{"after year 9999", startKey(time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)), "9999-12-31T23:59:59.999Z"},
		{"bound on a millisecond", boundKey(ms), startKey(ms)},
		{"bound rounds up", boundKey(ms.Add(1)), startKey(ms.Add(time.Millisecond))},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

// TestConfirmedValue: an entry of bookings_confirmed gives back the start,
// end and buffer of its booking.
func TestConfirmedValue(t *testing.T) {
	b := storedBooking(data.Booking{
		ID: "b1", InterpreterID: "i1", Status: data.BookingConfirmed, Buffer: 90*time.Minute + 1,
		Start: benchBase.Add(1234567), End: benchBase.Add(2*time.Hour + 7654321),
	})
	var confirmed *indexEntry
	for _, e := range bookingIndexes(b) {
		if e.bucket == bucketBookingsConfirmed {
			confirmed = &e
		}
	}
	if confirmed == nil {
		t.Fatal("a confirmed booking has no bookings_confirmed entry")
	}
	rest := []byte(confirmed.key[len(indexPrefix(b.InterpreterID)):])
	slot, err := confirmedSlot(rest, []byte(confirmed.value))
	if err != nil {
		t.Fatal(err)
	}
	if !slot.Start.Equal(b.Start) || !slot.End.Equal(b.End) || slot.Buffer != b.Buffer {
		t.Errorf("slot %v-%v +%v, want %v-%v +%v", slot.Start, slot.End, slot.Buffer, b.Start, b.End, b.Buffer)
	}
	if _, err := confirmedSlot(rest, []byte("short")); err == nil {
		t.Error("confirmedSlot read a value that is not an end and a buffer")
	}
	b.Status = data.BookingCancelled
	for _, e := range bookingIndexes(b) {
		if e.bucket == bucketBookingsConfirmed {
			t.Errorf("a cancelled booking has a bookings_confirmed entry %q", e.key)
		}
	}
}

// TestBookingCursor: a cursor reads back as the position after its booking,
// and anything encodeCursor did not write is refused, by ListBookings too.
func TestBookingCursor(t *testing.T) {
	b := data.Booking{ID: "0123abc", Start: benchBase.Add(1500 * time.Microsecond)}
	pos, err := decodeCursor(encodeCursor(b))
	if want := indexKey(startKey(b.Start), b.ID); err != nil || pos != want {
		t.Errorf("decodeCursor(encodeCursor) = %q, %v; want %q", pos, err, want)
	}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	key := startKey(benchBase)
	for _, bad := range []string{
		"not base64!", enc("garbage"), enc(key), enc(key + "\x00"), enc(key + "x" + "id"),
		enc(key + "\x00a\x00b"), enc("2026-13-40T99:00:00.000Z\x00id"), key + "~id",
	} {
		if pos, err := decodeCursor(bad); err == nil {
			t.Errorf("decodeCursor(%q) = %q, want an error", bad, pos)
		}
	}
	s := openBench(t)
	_, err = s.ListBookings(t.Context(), data.BookingQuery{Organisation: "north", After: enc("garbage")})
	if fe, ok := errors.AsType[*data.ValidationError](err); !ok || fe.Errors[0].Field != "after" {
		t.Errorf("ListBookings with a forged cursor: %v, want a ValidationError on after", err)
	}
}

// TestListBookingsBoundsExact: From and To with nanoseconds keep exactly the
// bookings starting at or after From and before To, although start keys
// hold milliseconds.
func TestListBookingsBoundsExact(t *testing.T) {
	s := openBench(t)
	first := testBooking("b1", "i1", benchBase, time.Hour)
	second := testBooking("b2", "i2", benchBase.Add(time.Millisecond), time.Hour)
	seedBookings(t, s, []data.Booking{first, second})
	for _, tc := range []struct {
		from, to time.Time
		want     []string
	}{
		{benchBase, benchBase.Add(time.Millisecond), []string{"b1"}},
		{benchBase.Add(1), benchBase.Add(time.Hour), []string{"b2"}},
		{benchBase, benchBase.Add(1), []string{"b1"}},
		{benchBase.Add(1), benchBase.Add(time.Millisecond), nil},
		{benchBase.Add(time.Hour), benchBase, nil},
	} {
		page, err := s.ListBookings(t.Context(), data.BookingQuery{Organisation: "north", From: tc.from, To: tc.to})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := s.ConfirmedBookings(t.Context(), []string{"i2", "i1"}, tc.from, tc.to)
		if diff := cmp.Diff(tc.want, ids(page.Items)); diff != "" {
			t.Errorf("ListBookings [%v, %v) (-want +got):\n%s", tc.from, tc.to, diff)
		}
		if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
			t.Errorf("ConfirmedBookings [%v, %v) (-want +got):\n%s", tc.from, tc.to, diff)
		}
	}
}

// TestOverlapWindowEdges books at the edges of the window the overlap check
// seeks: the longest booking with the largest buffer, just before and just
// after the new one, blocks it by a millisecond and no more.
func TestOverlapWindowEdges(t *testing.T) {
	s := openBench(t)
	longest := testBooking("long", "i1", benchBase, data.MaxBookingDuration)
	longest.Buffer = data.MaxBuffer
	seedBookings(t, s, []data.Booking{longest})
	freeFrom := longest.End.Add(data.MaxBuffer)
	for _, tc := range []struct {
		b       data.Booking
		blocked bool
	}{
		{testBooking("after-1", "i1", freeFrom.Add(-time.Millisecond), time.Hour), true},
		{testBooking("after-0", "i1", freeFrom, time.Hour), false},
		{testBooking("before-1", "i1", benchBase.Add(-data.MaxBuffer-time.Hour+time.Millisecond), time.Hour), true},
		{testBooking("before-0", "i1", benchBase.Add(-data.MaxBuffer-time.Hour), time.Hour), false},
	} {
		err := s.CreateBooking(t.Context(), tc.b, testChange(tc.b.ID))
		if blocked := errors.Is(err, data.ErrOverlap); blocked != tc.blocked || (!blocked && err != nil) {
			t.Errorf("%s: %v, blocked %v", tc.b.ID, err, tc.blocked)
		}
		if err == nil { // free the slot again
			if _, err := s.UpdateBooking(t.Context(), tc.b.ID, func(b data.Booking) (data.Booking, data.Change, error) {
				b, err := b.Cancel("free the slot again", data.OutcomeCancelledByRequester, benchBase)
				return b, testChange(b.ID), err
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestCheckStorable: the store refuses bookings its overlap check could
// not cover, whatever its callers validated.
func TestCheckStorable(t *testing.T) {
	s := openBench(t)
	long := testBooking("long", "i1", benchBase, data.MaxBookingDuration+time.Millisecond)
	wide := testBooking("wide", "i1", benchBase, time.Hour)
	wide.Buffer = data.MaxBuffer + 1
	far := testBooking("far", "i1", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Hour)
	for _, tc := range []struct {
		b     data.Booking
		field string
	}{{long, "end"}, {wide, "buffer"}, {far, "start"}} {
		err := s.CreateBooking(t.Context(), tc.b, testChange(tc.b.ID))
		if fe, ok := errors.AsType[*data.ValidationError](err); !ok || fe.Errors[0].Field != tc.field {
			t.Errorf("%s: %v, want a ValidationError on %s", tc.b.ID, err, tc.field)
		}
	}
}

// TestOpenBuildsBookingIndexes opens a file holding cases and bookings but
// none of their index buckets: Open builds them, so listings, the overlap
// check and ConfirmedBookings see the bookings stored before.
func TestOpenBuildsBookingIndexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	c := data.Case{ID: "c1", Organisation: "north", Reference: "R", Version: 1}
	if err := s.CreateCase(ctx, c, testChange(c.ID)); err != nil {
		t.Fatal(err)
	}
	held := testBooking("b1", "i1", benchBase, time.Hour)
	cancelled := testBooking("b2", "i1", benchBase.Add(2*time.Hour), time.Hour)
	cancelled.Status = data.BookingCancelled
	seedBookings(t, s, []data.Booking{held, cancelled})
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, k := range []recordKind{caseKind, bookingKind} {
			for _, name := range k.indexes {
				if err := tx.DeleteBucket([]byte(name)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)

	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	err = s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte(bucketCasesByOrg)).Get([]byte(indexKey("north", "c1"))) == nil {
			t.Error("cases_by_org was not rebuilt")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []data.BookingQuery{
		{Organisation: "north"}, {Organisation: "north", CaseID: "c"}, {Organisation: "north", InterpreterID: "i1"},
		{Organisation: "north", CaseID: "c", InterpreterID: "i1"}, {Organisation: "north", BookedBy: "sw-1"},
		{Organisation: "north", CaseID: "c", InterpreterID: "i1", BookedBy: "sw-1"},
	} {
		page, err := s.ListBookings(ctx, q)
		if diff := cmp.Diff([]string{"b1", "b2"}, ids(page.Items)); err != nil || diff != "" {
			t.Errorf("ListBookings(%+v) after the migration: %v (-want +got):\n%s", q, err, diff)
		}
	}
	got, err := s.ConfirmedBookings(ctx, []string{"i1"}, benchBase, benchBase.Add(24*time.Hour))
	if diff := cmp.Diff([]string{"b1"}, ids(got)); err != nil || diff != "" {
		t.Errorf("ConfirmedBookings after the migration: %v (-want +got):\n%s", err, diff)
	}
	clash := testBooking("b3", "i1", benchBase.Add(30*time.Minute), time.Hour)
	if err := s.CreateBooking(ctx, clash, testChange(clash.ID)); !errors.Is(err, data.ErrOverlap) {
		t.Errorf("a clash with a booking stored before the migration: %v, want ErrOverlap", err)
	}
}

// testBooking is a confirmed video booking in north of case "c", booked by
// sw-1 as an additional interpreter: the tests here judge interpreters' time
// (the case's own rule is the conformance suite's CaseSlots).
func testBooking(id, interpreter string, start time.Time, d time.Duration) data.Booking {
	return data.Booking{
		ID: id, Organisation: "north", CaseID: "c", InterpreterID: interpreter, BookedBy: "sw-1", Start: start, End: start.Add(d),
		InterviewType: data.InterviewSocialWork, Modality: data.ModalityVideo, Status: data.BookingConfirmed,
		Additional: true, Version: 1, CreatedAt: benchBase, UpdatedAt: benchBase,
	}
}

// testChange is the change a test writes a booking (or a case) with.
func testChange(id string) data.Change {
	return data.Audited(data.NewAuditEntry(benchBase, data.User{ID: "a", Organisation: "north"}, "north", data.ActionBookingCreated, data.EntityBooking, id))
}

func ids(bs []data.Booking) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.ID)
	}
	return out
}

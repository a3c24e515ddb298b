package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
)

// TestRetentionPolicyFile: TOLK_RETENTION_POLICY overrides the defaults; a
// bad file stops the start with a message naming the bad key.
func TestRetentionPolicyFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("bookings: {years: 8}\n"), 0o600)
	if p, err := loadRetention(good); err != nil || p.Bookings.Years != 8 {
		t.Errorf("good retention policy: %+v, %v", p, err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("bookings: {years: 6, action: delete}\n"), 0o600)
	err := run(t.Context(), []string{"serve"}, func(k string) string {
		return map[string]string{"TOLK_DB": filepath.Join(dir, "tolk.db"), "TOLK_ADDR": freeAddr(t), "TOLK_RETENTION_POLICY": bad}[k]
	}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "bookings.action: must be anonymise") {
		t.Errorf("bad retention policy: %v", err)
	}
}

// TestRetentionWorker: a served store holding a booking of an interview
// seven years ago has it anonymised by the retention worker at start-up,
// with its tombstone in the audit.
func TestRetentionWorker(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tolk.db")
	s, err := bolt.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	start := time.Now().UTC().AddDate(-7, 0, 0).Truncate(time.Hour)
	sw := data.User{ID: "sw-old", Organisation: "default"}
	c := data.Case{ID: "case-old", Organisation: "default", Reference: "OLD-1", Child: data.Child{Languages: []string{"ti"}}, Version: 1, CreatedAt: start, UpdatedAt: start}
	b := data.Booking{ID: "booking-old", Organisation: "default", CaseID: c.ID, CaseReference: c.Reference, InterpreterID: "int-old", BookedBy: sw.ID,
		Start: start, End: start.Add(time.Hour), InterviewType: data.InterviewHealth, Modality: data.ModalityVideo, Location: "Clinic 3",
		Status: data.BookingConfirmed, Confirmation: data.ConfirmationDirect, Version: 1, CreatedAt: start, UpdatedAt: start}
	if err := s.CreateCase(ctx, c, data.Audited(data.NewAuditEntry(start, sw, "default", data.ActionCaseCreated, data.EntityCase, c.ID))); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBooking(ctx, b, data.Audited(data.NewAuditEntry(start, sw, "default", data.ActionBookingCreated, data.EntityBooking, b.ID))); err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)

	in := serveStore(t, db)
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, page := in.call(t, bootstrapKey, "GET", "/v1/audit?entityId="+b.ID, nil)
		items, _ := page["items"].([]any)
		if status == 200 && len(items) > 0 && items[0].(map[string]any)["action"] == string(data.ActionBookingAnonymised) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no anonymisation after 10 s: %d %v", status, page)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := in.shutdown(t); err != nil {
		t.Fatal(err)
	}
	s, err = bolt.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	got, err := s.Booking(ctx, b.ID)
	if err != nil || got.Anonymised.IsZero() || got.Location != "" || got.CaseReference != "" || !got.Start.Equal(start) {
		t.Errorf("the booking after retention: %+v, %v", got, err)
	}
}

// serveStore serves the store at db with the bootstrap key.
func serveStore(t *testing.T, db string) *instance {
	return start(t, map[string]string{"TOLK_DB": db, "TOLK_BOOTSTRAP_ADMIN_KEY": bootstrapKey, "TOLK_RATE_LIMITS": "off"})
}

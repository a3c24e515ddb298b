package datatest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// runCasesAndBookings runs the conformance tests of cases and bookings.
func runCasesAndBookings(t *testing.T, newDB NewDatabase) {
	t.Run("Cases", func(t *testing.T) { testCases(t, newDB(t)()) })
	t.Run("CaseListings", func(t *testing.T) { testCaseListings(t, newDB(t)()) })
	t.Run("Bookings", func(t *testing.T) { testBookings(t, newDB(t)()) })
	t.Run("BookingOverlaps", func(t *testing.T) { testBookingOverlaps(t, newDB(t)()) })
	t.Run("BookingUpdates", func(t *testing.T) { testBookingUpdates(t, newDB(t)()) })
	t.Run("BookingListings", func(t *testing.T) { testBookingListings(t, newDB(t)()) })
	t.Run("ConfirmedBookings", func(t *testing.T) { testConfirmedBookings(t, newDB(t)()) })
	t.Run("CaseSittings", func(t *testing.T) { testCaseSittings(t, newDB(t)()) })
	t.Run("MatchPool", func(t *testing.T) { testMatchPool(t, newDB(t)) })
	t.Run("ConcurrentBookings", func(t *testing.T) { testConcurrentBookings(t, newDB(t)) })
	t.Run("CompletedHoldsTime", func(t *testing.T) { testCompletedHoldsTime(t, newDB(t)()) })
	t.Run("ConcurrentRepeatedBookings", func(t *testing.T) { testConcurrentRepeatedBookings(t, newDB(t)) })
	t.Run("BookingConfirmations", func(t *testing.T) { testBookingConfirmations(t, newDB(t)()) })
	runSafety(t, newDB)
	t.Run("Retention", func(t *testing.T) { testRetention(t, newDB(t)()) })
	t.Run("OfferRetention", func(t *testing.T) { testOfferRetention(t, newDB(t)()) })
	t.Run("CaseRetention", func(t *testing.T) { testCaseRetention(t, newDB(t)()) })
	t.Run("InterpreterRetention", func(t *testing.T) { testInterpreterRetention(t, newDB(t)()) })
	t.Run("CaseSlots", func(t *testing.T) { testCaseSlots(t, newDB(t)()) })
	t.Run("ConcurrentCaseSlots", func(t *testing.T) { testConcurrentCaseSlots(t, newDB(t)) })
}

func newCase(n int, org string) data.Case {
	now := base.Add(time.Duration(n) * time.Millisecond)
	return data.Case{
		ID:               data.NewID(now),
		Organisation:     org,
		Reference:        "NR-2026-0042",
		LinkedReferences: []string{"OP-KESTREL-2024", "NR-2026-0043"},
		Child: data.Child{
			Languages:         []string{"ckb", "ar"},
			InterpreterGender: data.GenderWish{Preference: data.GenderFemale, Required: true},
			CommunityLinks:    []data.CommunityLink{{Kind: data.LinkTown, Value: "Ranya"}, {Kind: data.LinkCountry, Value: "IQ"}},
			AvoidOwnCommunity: true,
			AgeBand:           data.Age12To15,
		},
		ExcludedInterpreters: []data.CaseExclusion{{InterpreterID: "int-x", Reason: "known to the family"}},
		CreatedBy:            "sw-1",
		Version:              1,
		CreatedAt:            now,
		UpdatedAt:            now,
	}
}

func storedCase(c data.Case) data.Case {
	c.CreatedAt, c.UpdatedAt = data.Timestamp(c.CreatedAt), data.Timestamp(c.UpdatedAt)
	return c
}

func caseAudit(c data.Case, action data.Action) data.AuditEntry {
	return data.NewAuditEntry(base, actor, c.Organisation, action, data.EntityCase, c.ID)
}

func caseChange(c data.Case, action data.Action) data.Change {
	return data.Audited(caseAudit(c, action))
}

func testCases(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	if err := c.Validate(); err != nil {
		t.Fatalf("fixture invalid: %v", err)
	}
	if err := s.CreateCase(ctx, c, caseChange(c, data.ActionCaseCreated)); err != nil {
		t.Fatalf("CreateCase: %v", err)
	}
	got, err := s.Case(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(storedCase(c), got, cmpOpts); diff != "" {
		t.Errorf("Case round trip (-want +got):\n%s", diff)
	}
	bare := data.Case{ID: data.NewID(base), Organisation: "north", Reference: "R", Child: data.Child{Languages: []string{"ti"}}, Version: 1, CreatedAt: base, UpdatedAt: base}
	if err := s.CreateCase(ctx, bare, caseChange(bare, data.ActionCaseCreated)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Case(ctx, bare.ID); err != nil || !cmp.Equal(storedCase(bare), got, cmpOpts) {
		t.Errorf("bare case round trip: %+v, %v", got, err)
	}
	if err := s.CreateCase(ctx, c, caseChange(c, data.ActionCaseCreated)); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("CreateCase with a taken ID: %v, want ErrDuplicate", err)
	}
	if _, err := s.Case(ctx, "no-such-case"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("Case(unknown): %v, want ErrNotFound", err)
	}

	change := c
	change.Child.Languages = []string{"ckb"}
	change.ExcludedInterpreters = nil
	change.UpdatedAt = base.Add(time.Hour)
	updated, err := s.UpdateCase(ctx, c.ID, to(change, caseChange(c, data.ActionCaseUpdated)))
	if err != nil {
		t.Fatalf("UpdateCase: %v", err)
	}
	want := storedCase(change)
	want.Version = 2
	if diff := cmp.Diff(want, updated, cmpOpts); diff != "" {
		t.Errorf("UpdateCase result (-want +got):\n%s", diff)
	}
	if got, err := s.Case(ctx, c.ID); err != nil || !cmp.Equal(want, got, cmpOpts) {
		t.Errorf("stored after update: %+v, %v", got, err)
	}
	// A rule that holds the case to the version its writer read refuses
	// once another change landed, writing nothing.
	errStale := errors.New("the case changed since it was read")
	if _, err := s.UpdateCase(ctx, c.ID, func(cur data.Case) (data.Case, data.Change, error) {
		if cur.Version != 1 {
			return cur, data.Change{}, errStale
		}
		return change, caseChange(c, data.ActionCaseUpdated), nil
	}); !errors.Is(err, errStale) {
		t.Errorf("UpdateCase held to a stale version: %v, want the function's error", err)
	}
	unknown := newCase(9, "north")
	if _, err := s.UpdateCase(ctx, unknown.ID, to(unknown, caseChange(unknown, data.ActionCaseUpdated))); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("UpdateCase(unknown): %v, want ErrNotFound", err)
	}
	if got := auditActions(t, s, c.ID); !slices.Equal(got, []data.Action{data.ActionCaseCreated, data.ActionCaseUpdated}) {
		t.Errorf("case audit = %v", got)
	}
}

// testCaseListings pages through one organisation's cases newest first,
// never showing another organisation's.
func testCaseListings(t *testing.T, s data.Store) {
	ctx := t.Context()
	var north []string
	for n := range 7 {
		org := "north"
		if n%3 == 2 {
			org = "south"
		}
		c := newCase(n+1, org)
		if err := s.CreateCase(ctx, c, caseChange(c, data.ActionCaseCreated)); err != nil {
			t.Fatal(err)
		}
		if org == "north" {
			north = append([]string{c.ID}, north...) // newest first
		}
	}
	var got []string
	cursor := ""
	for range 10 {
		page, err := s.ListCases(ctx, data.CaseQuery{Organisation: "north", Before: cursor, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Items {
			if c.Organisation != "north" {
				t.Errorf("ListCases(north) returned a case of %s", c.Organisation)
			}
			got = append(got, c.ID)
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if diff := cmp.Diff(north, got); diff != "" {
		t.Errorf("ListCases(north) newest first, pages of 2 (-want +got):\n%s", diff)
	}
	if page, err := s.ListCases(ctx, data.CaseQuery{Organisation: "nowhere"}); err != nil || len(page.Items) != 0 {
		t.Errorf("ListCases(nowhere) = %d items, %v; want none", len(page.Items), err)
	}
	if _, err := s.ListCases(ctx, data.CaseQuery{}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("ListCases without an organisation: %v, want ErrInvalid", err)
	}
}

package datatest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

func runUnmetNeed(t *testing.T, newDB NewDatabase) {
	t.Run("UnmetNeedLandsWithItsChange", func(t *testing.T) { testUnmetNeedLands(t, newDB(t)()) })
	t.Run("UnmetNeedOfAnUnfilledOffer", func(t *testing.T) { testUnmetNeedOfOffer(t, newDB(t)()) })
	t.Run("UnmetNeedListing", func(t *testing.T) { testUnmetNeedListing(t, newDB(t)()) })
	t.Run("BookingFacts", func(t *testing.T) { testBookingFacts(t, newDB(t)()) })
	t.Run("OfferFacts", func(t *testing.T) { testOfferFacts(t, newDB(t)()) })
}

// newNeed is a search's unmet need in org for an interview starting at
// start, searched at base.
func newNeed(org, caseID string, start time.Time) data.UnmetNeed {
	return data.UnmetNeed{
		ID:           data.SearchNeedID(caseID, start, start.Add(time.Hour), data.InterviewSocialWork, data.ModalityVideo, "", base),
		Organisation: org, Source: data.NeedSearch, Language: "ti",
		InterviewType: data.InterviewSocialWork, Modality: data.ModalityVideo,
		Start: start, RecordedAt: base,
		Reasons: data.CountReasons(map[string]int{"clearance_invalid": 2, "unavailable": 1}),
	}
}

// storedNeed is n as a store gives it back.
func storedNeed(n data.UnmetNeed) data.UnmetNeed {
	n.Start, n.RecordedAt = data.Timestamp(n.Start), data.Timestamp(n.RecordedAt)
	return n
}

// needChange is the append-only change that records a search's need.
func needChange(n data.UnmetNeed) data.Change {
	ch := data.Audited(data.NewAuditEntry(base, actor, n.Organisation, data.ActionUnmetNeedRecorded, data.EntityUnmetNeed, n.ID))
	ch.UnmetNeed = []data.UnmetNeed{n}
	return ch
}

// pagesOf reads every page of a listing asked for pages of limit: list
// reads the page after a cursor ("" for the first). A page larger than
// limit, or more pages than the items could fill, fails the test.
func pagesOf[T any](t *testing.T, limit int, list func(after string) (data.Page[T], error)) []T {
	t.Helper()
	var out []T
	after := ""
	for pages := 1; ; pages++ {
		page, err := list(after)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > limit || pages > len(out)/limit+2 {
			t.Fatalf("page %d holds %d items (limit %d) after %d", pages, len(page.Items), limit, len(out))
		}
		out = append(out, page.Items...)
		if page.Next == "" {
			return out
		}
		after = page.Next
	}
}

// listNeed returns every entry of org's unmet need in [from, to).
func listNeed(t *testing.T, s data.Store, org string, from, to time.Time) []data.UnmetNeed {
	t.Helper()
	return pagesOf(t, data.MaxPageSize, func(after string) (data.Page[data.UnmetNeed], error) {
		return s.ListUnmetNeed(t.Context(), data.UnmetNeedQuery{Organisation: org, From: from, To: to, After: after, Limit: data.MaxPageSize})
	})
}

// testUnmetNeedLands: an entry lands with the change that carries it and
// comes back as it went in; the same entry again (a repeated search) is
// no error and leaves the first as it was; an invalid entry refuses its
// change, and a change refused for its audit entry lands no entry.
func testUnmetNeedLands(t *testing.T, s data.Store) {
	ctx := t.Context()
	n := newNeed("north", "case-1", at("10:00"))
	orig := needChange(n)
	if err := s.AppendChange(ctx, orig); err != nil {
		t.Fatalf("AppendChange with unmet need: %v", err)
	}
	got := listNeed(t, s, "north", time.Time{}, time.Time{})
	if diff := cmp.Diff([]data.UnmetNeed{storedNeed(n)}, got, cmpOpts); diff != "" {
		t.Fatalf("stored need (-want +got):\n%s", diff)
	}
	if acts := auditActions(t, s, n.ID); len(acts) != 1 || acts[0] != data.ActionUnmetNeedRecorded {
		t.Errorf("audit of the need: %v", acts)
	}

	again := n
	again.Reasons = data.CountReasons(map[string]int{"unavailable": 9})
	if err := s.AppendChange(ctx, needChange(again)); err != nil {
		t.Fatalf("the same need again: %v, want it to land as the same entry", err)
	}
	if got := listNeed(t, s, "north", time.Time{}, time.Time{}); len(got) != 1 || got[0].Reasons[0].Count != 2 {
		t.Errorf("after a repeat: %+v, want the first entry alone, unchanged", got)
	}

	bad := newNeed("north", "case-2", at("12:00"))
	bad.Language = ""
	if err := s.AppendChange(ctx, needChange(bad)); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("a need without a language: %v, want ErrInvalid", err)
	}
	refused := newNeed("north", "case-3", at("13:00"))
	first := orig.Audit[0]
	taken := data.Change{Audit: []data.AuditEntry{first}, UnmetNeed: []data.UnmetNeed{refused}}
	if err := s.AppendChange(ctx, taken); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("a change whose audit ID is taken: %v, want ErrDuplicate", err)
	}
	if got := listNeed(t, s, "north", time.Time{}, time.Time{}); len(got) != 1 {
		t.Errorf("refused changes landed need: %+v", got)
	}
}

// testUnmetNeedOfOffer: the entry of an offer left unfilled lands with the
// offer's own update, and an update refused by its function lands none.
func testUnmetNeedOfOffer(t *testing.T, s data.Store) {
	ctx := t.Context()
	c := newCase(1, "north")
	o := newOffer(c, data.OfferCascade, base, "in-1")
	createOffer(t, s, o)
	need := data.UnmetNeed{
		ID: data.OfferNeedID(o.ID, o.Start), Organisation: o.Organisation, Source: data.NeedOffer, Language: "ti",
		InterviewType: o.InterviewType, Modality: o.Modality, Start: o.Start, RecordedAt: base,
		Reasons: []data.ReasonCount{{Code: data.NeedDeclined, Count: 1}},
	}
	_, err := s.UpdateOffer(ctx, o.ID, func(o data.Offer) (data.Offer, data.Change, error) {
		return o, data.Change{UnmetNeed: []data.UnmetNeed{need}}, errors.New("refused")
	})
	if err == nil {
		t.Fatal("a refusing update landed")
	}
	if got := listNeed(t, s, "north", time.Time{}, time.Time{}); len(got) != 0 {
		t.Fatalf("a refused update landed need: %+v", got)
	}
	next, err := s.UpdateOffer(ctx, o.ID, func(o data.Offer) (data.Offer, data.Change, error) {
		next, err := o.Decline("in-1", data.DeclineUnavailable, base.Add(time.Minute), data.Judged{})
		if err != nil {
			return o, data.Change{}, err
		}
		ch := offerChange(o, data.ActionOfferDeclined)
		ch.UnmetNeed = []data.UnmetNeed{need}
		return next, ch, nil
	})
	if err != nil || next.Status != data.OfferUnfilled {
		t.Fatalf("the last decline: %v, status %s", err, next.Status)
	}
	if diff := cmp.Diff([]data.UnmetNeed{storedNeed(need)}, listNeed(t, s, "north", time.Time{}, time.Time{}), cmpOpts); diff != "" {
		t.Errorf("the unfilled offer's need (-want +got):\n%s", diff)
	}
}

// testUnmetNeedListing: one organisation's entries in a start range, by
// start then ID, paged, with another organisation's entries between
// them; the register's, both organisations' in one order, each naming its
// organisation; a cursor it did not issue and a missing organisation are
// invalid.
func testUnmetNeedListing(t *testing.T, s data.Store) {
	ctx := t.Context()
	var want, wantAll []data.UnmetNeed
	for i := range 7 {
		start := day.Add(time.Duration(i) * 24 * time.Hour)
		for _, org := range []string{"north", "south"} {
			n := newNeed(org, fmt.Sprintf("%s-case-%d", org, i), start)
			if err := s.AppendChange(ctx, needChange(n)); err != nil {
				t.Fatal(err)
			}
			if i >= 2 && i < 6 {
				wantAll = append(wantAll, storedNeed(n))
				if org == "north" {
					want = append(want, storedNeed(n))
				}
			}
		}
	}
	// Two at the same start: ordered by ID.
	twin := newNeed("north", "case-twin", day.Add(3*24*time.Hour))
	if err := s.AppendChange(ctx, needChange(twin)); err != nil {
		t.Fatal(err)
	}
	want, wantAll = append(want, storedNeed(twin)), append(wantAll, storedNeed(twin))
	sortNeed(want)
	sortNeed(wantAll)
	from, to := day.Add(2*24*time.Hour), day.Add(6*24*time.Hour)
	got := pagesOf(t, 2, func(after string) (data.Page[data.UnmetNeed], error) {
		return s.ListUnmetNeed(ctx, data.UnmetNeedQuery{Organisation: "north", From: from, To: to, After: after, Limit: 2})
	})
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("north's need in the range, paged (-want +got):\n%s", diff)
	}
	all := pagesOf(t, 3, func(after string) (data.Page[data.UnmetNeed], error) {
		return s.ListUnmetNeed(ctx, data.UnmetNeedQuery{Register: true, From: from, To: to, After: after, Limit: 3})
	})
	if diff := cmp.Diff(wantAll, all, cmpOpts); diff != "" {
		t.Errorf("the register's need in the range, each with its organisation (-want +got):\n%s", diff)
	}
	if _, err := s.ListUnmetNeed(ctx, data.UnmetNeedQuery{Organisation: "north", Register: true}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("an organisation and the register: %v, want ErrInvalid", err)
	}
	if _, err := s.ListUnmetNeed(ctx, data.UnmetNeedQuery{From: from}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("without an organisation: %v, want ErrInvalid", err)
	}
	if _, err := s.ListUnmetNeed(ctx, data.UnmetNeedQuery{Organisation: "north", After: "not a cursor"}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("a cursor it did not issue: %v, want ErrInvalid", err)
	}
}

// sortNeed orders entries by start then ID, as listings return them.
func sortNeed(ns []data.UnmetNeed) {
	for i := 1; i < len(ns); i++ {
		for j := i; j > 0 && (ns[j].Start.Before(ns[j-1].Start) || ns[j].Start.Equal(ns[j-1].Start) && ns[j].ID < ns[j-1].ID); j-- {
			ns[j], ns[j-1] = ns[j-1], ns[j]
		}
	}
}

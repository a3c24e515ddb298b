package datatest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// newInterpreter returns a complete, valid record with every field set, so a
// round trip checks that no field is dropped.
func newInterpreter(n int, tags ...string) data.Interpreter {
	now := base.Add(time.Duration(n) * time.Millisecond)
	var langs []data.LanguageSkill
	for _, tag := range tags {
		langs = append(langs, data.LanguageSkill{Tag: tag, Proficiency: data.ProficiencyNative})
	}
	return data.Interpreter{
		ID:         data.NewID(now),
		Name:       fmt.Sprintf("Interpreter %d", n),
		Email:      fmt.Sprintf("interpreter%d@example.org", n),
		Phone:      "+44 20 7946 0000",
		Gender:     data.GenderFemale,
		Languages:  langs,
		Modalities: []data.Modality{data.ModalityInPerson, data.ModalityVideo},
		Regions:    []string{"GB-LND", "GB-MAN"},
		Qualifications: []data.Qualification{
			{Kind: data.QualificationDPSILaw, Reference: "DPSI-123", Awarded: data.MustDate("2019-07-01")},
			{Kind: data.QualificationNRPSIFull, Reference: "NR-99", Awarded: data.MustDate("2020-01-01"), Expires: data.MustDate("2027-01-01")},
		},
		Training: []data.Training{
			{Kind: data.TrainingChildProtectionL2, Completed: data.MustDate("2025-05-01"), Expires: data.MustDate("2028-05-01")},
			{Kind: data.TrainingTraumaInformed, Completed: data.MustDate("2024-02-29")},
		},
		Clearance: data.Clearance{
			Level: data.ClearanceEnhancedBarredChildren, Certificate: "001234567890",
			Issued: data.MustDate("2025-01-10"), ValidUntil: data.MustDate("2028-01-10"), UpdateService: true,
		},
		Agreements:     data.Agreements{ConfidentialitySigned: data.MustDate("2025-01-11")},
		CommunityLinks: []data.CommunityLink{{Kind: data.LinkCountry, Value: "ER"}, {Kind: data.LinkTown, Value: "Mékelle"}},
		Experience:     data.Experience{ChildInterviews: 40, TraffickingCases: 12, Years: 9},
		Vetting: data.Vetting{
			Status: data.VettingApproved, DecidedBy: "coordinator-1", DecidedAt: now, Note: "references checked",
		},
		Availability: data.Availability{
			TimeZone: "Europe/London",
			Weekly: []data.WeeklyHours{
				{Day: time.Monday, From: 9 * 60, To: 17 * 60}, {Day: time.Tuesday, From: 0, To: data.EndOfDay},
				{Day: time.Sunday, From: 22*60 + 30, To: data.EndOfDay},
			},
			Unavailable: []data.Period{{Start: now.Add(48 * time.Hour), End: now.Add(72 * time.Hour)}},
		},
		Version:   1,
		CreatedAt: now,
		UpdatedAt: now,
	}
}

func storedInterpreter(in data.Interpreter) data.Interpreter {
	in.CreatedAt = data.Timestamp(in.CreatedAt)
	in.UpdatedAt = data.Timestamp(in.UpdatedAt)
	in.Vetting.DecidedAt = data.Timestamp(in.Vetting.DecidedAt)
	in.Availability.Unavailable = slices.Clone(in.Availability.Unavailable)
	for i, p := range in.Availability.Unavailable {
		in.Availability.Unavailable[i] = data.Period{Start: data.Timestamp(p.Start), End: data.Timestamp(p.End)}
	}
	return in
}

func testInterpreters(t *testing.T, s data.Store) {
	ctx := t.Context()
	in := newInterpreter(1, "ti", "ar-SD")
	if err := in.Validate(); err != nil {
		t.Fatalf("fixture invalid: %v", err)
	}
	if err := s.CreateInterpreter(ctx, in, interpreterChange(in, data.ActionInterpreterCreated)); err != nil {
		t.Fatalf("CreateInterpreter: %v", err)
	}
	got, err := s.Interpreter(ctx, in.ID)
	if err != nil {
		t.Fatalf("Interpreter: %v", err)
	}
	if diff := cmp.Diff(storedInterpreter(in), got, cmpOpts); diff != "" {
		t.Errorf("Interpreter round trip (-want +got):\n%s", diff)
	}

	// A record with only the required fields round-trips with its zero values.
	bare := data.Interpreter{
		ID: data.NewID(base), Name: "Bare", Email: "bare@example.org", Gender: data.GenderUndisclosed,
		Languages: []data.LanguageSkill{{Tag: "vi", Proficiency: data.ProficiencyFluent}},
		Vetting:   data.Vetting{Status: data.VettingPending}, Version: 1, CreatedAt: base, UpdatedAt: base,
	}
	if err := s.CreateInterpreter(ctx, bare, interpreterChange(bare, data.ActionInterpreterCreated)); err != nil {
		t.Fatalf("CreateInterpreter(bare): %v", err)
	}
	if got, err := s.Interpreter(ctx, bare.ID); err != nil {
		t.Fatal(err)
	} else if diff := cmp.Diff(storedInterpreter(bare), got, cmpOpts); diff != "" {
		t.Errorf("bare round trip (-want +got):\n%s", diff)
	}

	if err := s.CreateInterpreter(ctx, in, interpreterChange(in, data.ActionInterpreterCreated)); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("CreateInterpreter with a taken ID: error = %v, want ErrDuplicate", err)
	}
	if got := auditActions(t, s, in.ID); !slices.Equal(got, []data.Action{data.ActionInterpreterCreated}) {
		t.Errorf("audit after a refused second create = %v, want one creation", got)
	}
	if _, err := s.Interpreter(ctx, "no-such-interpreter"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("Interpreter(unknown) error = %v, want ErrNotFound", err)
	}
}

func testInterpreterUpdates(t *testing.T, s data.Store) {
	ctx := t.Context()
	in := newInterpreter(1, "ti")
	if err := s.CreateInterpreter(ctx, in, interpreterChange(in, data.ActionInterpreterCreated)); err != nil {
		t.Fatal(err)
	}
	change := in
	change.Languages = []data.LanguageSkill{{Tag: "ti", Proficiency: data.ProficiencyNative}, {Tag: "am", Proficiency: data.ProficiencyFluent}}
	change.Clearance.ValidUntil = data.MustDate("2029-01-10")
	change.UpdatedAt = base.Add(time.Hour)
	var read data.Interpreter
	updated, err := s.UpdateInterpreter(ctx, in.ID, func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
		read = cur
		return change, interpreterChange(in, data.ActionInterpreterUpdated), nil
	})
	if err != nil {
		t.Fatalf("UpdateInterpreter: %v", err)
	}
	if diff := cmp.Diff(storedInterpreter(in), read, cmpOpts); diff != "" {
		t.Errorf("the update function got (-want +got):\n%s", diff)
	}
	want := storedInterpreter(change)
	want.Version = 2
	if diff := cmp.Diff(want, updated, cmpOpts); diff != "" {
		t.Errorf("UpdateInterpreter result (-want +got):\n%s", diff)
	}
	if got, err := s.Interpreter(ctx, in.ID); err != nil {
		t.Fatal(err)
	} else if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("stored after update (-want +got):\n%s", diff)
	}

	// A rule that holds the record to the version its writer read (an
	// If-Match) refuses once another change landed, writing nothing.
	errStale := errors.New("the record changed since it was read")
	ifVersion := func(v int64, next data.Interpreter) data.Update[data.Interpreter] {
		return func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
			if cur.Version != v {
				return cur, data.Change{}, errStale
			}
			return next, interpreterChange(cur, data.ActionInterpreterUpdated), nil
		}
	}
	stale := change
	stale.Name = "Stale writer"
	if _, err := s.UpdateInterpreter(ctx, in.ID, ifVersion(1, stale)); !errors.Is(err, errStale) {
		t.Errorf("UpdateInterpreter held to a stale version: error = %v, want the function's", err)
	}
	if got, _ := s.Interpreter(ctx, in.ID); got.Name != in.Name || got.Version != 2 {
		t.Errorf("stale update wrote: name %q version %d", got.Name, got.Version)
	}
	unknown := newInterpreter(2, "ti")
	if _, err := s.UpdateInterpreter(ctx, unknown.ID, ifVersion(1, unknown)); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("UpdateInterpreter(unknown) error = %v, want ErrNotFound", err)
	}
	// The indexes follow the update: found by the new language and status,
	// no longer by the old status.
	page, err := s.ListInterpreters(ctx, data.InterpreterQuery{LanguageKey: "am"})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != in.ID {
		t.Errorf("after adding am, lookup by am = %v, %v", ids(page.Items), err)
	}
	if _, err := s.UpdateInterpreter(ctx, in.ID, func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
		cur.Vetting.Status = data.VettingSuspended
		return cur, interpreterChange(cur, data.ActionVettingSuspend), nil
	}); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[data.InterpreterQuery]int{
		{Status: data.VettingApproved}:                     0,
		{Status: data.VettingSuspended}:                    1,
		{LanguageKey: "am", Status: data.VettingApproved}:  0,
		{LanguageKey: "am", Status: data.VettingSuspended}: 1,
	} {
		page, err := s.ListInterpreters(ctx, q)
		if err != nil || len(page.Items) != want {
			t.Errorf("after suspending, ListInterpreters(%+v) = %v, %v; want %d", q, ids(page.Items), err, want)
		}
	}
	wantAudit := []data.Action{data.ActionInterpreterCreated, data.ActionInterpreterUpdated, data.ActionVettingSuspend}
	if got := auditActions(t, s, in.ID); !slices.Equal(got, wantAudit) {
		t.Errorf("audit = %v", got)
	}
}

func testInterpreterLanguageLookup(t *testing.T, s data.Store) {
	ctx := t.Context()
	sudanese := newInterpreter(1, "ar-SD")
	apd := newInterpreter(2, "apd", "en")
	sorani := newInterpreter(3, "ckb")
	kurmanji := newInterpreter(4, "kmr")
	tigrinya := newInterpreter(5, "ti")
	tigrinya.Vetting.Status = data.VettingPending
	all := []data.Interpreter{sudanese, apd, sorani, kurmanji, tigrinya}
	for _, in := range all {
		if err := s.CreateInterpreter(ctx, in, interpreterChange(in, data.ActionInterpreterCreated)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		q    data.InterpreterQuery
		want []data.Interpreter
	}{
		{data.InterpreterQuery{}, all},
		{data.InterpreterQuery{LanguageKey: "ar"}, []data.Interpreter{sudanese, apd}},
		{data.InterpreterQuery{LanguageKey: "ar-SD"}, []data.Interpreter{sudanese}},
		{data.InterpreterQuery{LanguageKey: "apd"}, []data.Interpreter{apd}},
		{data.InterpreterQuery{LanguageKey: "ku"}, []data.Interpreter{sorani, kurmanji}},
		{data.InterpreterQuery{LanguageKey: "ckb"}, []data.Interpreter{sorani}},
		{data.InterpreterQuery{LanguageKey: "ti"}, []data.Interpreter{tigrinya}},
		{data.InterpreterQuery{LanguageKey: "ti", Status: data.VettingApproved}, nil},
		{data.InterpreterQuery{LanguageKey: "ti", Status: data.VettingPending}, []data.Interpreter{tigrinya}},
		{data.InterpreterQuery{LanguageKey: "ku", Status: data.VettingApproved}, []data.Interpreter{sorani, kurmanji}},
		{data.InterpreterQuery{Status: data.VettingApproved}, []data.Interpreter{sudanese, apd, sorani, kurmanji}},
		{data.InterpreterQuery{Status: data.VettingPending}, []data.Interpreter{tigrinya}},
		{data.InterpreterQuery{LanguageKey: "vi"}, nil},
	} {
		page, err := s.ListInterpreters(ctx, tc.q)
		if err != nil {
			t.Fatalf("ListInterpreters(%+v): %v", tc.q, err)
		}
		if diff := cmp.Diff(ids(tc.want), ids(page.Items)); diff != "" {
			t.Errorf("ListInterpreters(%+v) IDs (-want +got):\n%s", tc.q, diff)
		}
	}
	page, err := s.ListInterpreters(ctx, data.InterpreterQuery{LanguageKey: "ar-SD"})
	if err != nil || len(page.Items) != 1 {
		t.Fatal(page, err)
	}
	if diff := cmp.Diff(storedInterpreter(sudanese), page.Items[0], cmpOpts); diff != "" {
		t.Errorf("listed record differs from stored (-want +got):\n%s", diff)
	}
}

// testInterpreterPaging pages through one language's records while
// records of other languages and statuses sit between them in ID order, and
// while others are inserted: every record present at the start is seen
// exactly once, in ID order, and no record that does not match appears.
func testInterpreterPaging(t *testing.T, s data.Store) {
	ctx := t.Context()
	var want []string
	create := func(in data.Interpreter) {
		t.Helper()
		if err := s.CreateInterpreter(ctx, in, interpreterChange(in, data.ActionInterpreterCreated)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 17 {
		in := newInterpreter(3*i, "ro")
		want = append(want, in.ID)
		create(in)
		create(newInterpreter(3*i+1, "vi"))
		pending := newInterpreter(3*i+2, "ro")
		pending.Vetting.Status = data.VettingPending
		create(pending)
	}
	for _, status := range []data.VettingStatus{data.VettingApproved, ""} {
		var got []string
		q := data.InterpreterQuery{LanguageKey: "ro", Status: data.VettingApproved, Limit: 4}
		if status == "" {
			q = data.InterpreterQuery{LanguageKey: "ro", Limit: 4}
		}
		for pages := 0; ; pages++ {
			if pages > 30 {
				t.Fatal("paging does not end")
			}
			page, err := s.ListInterpreters(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) > 4 || (page.Next != "" && len(page.Items) != 4) {
				t.Fatalf("page of %d with next %q, limit 4", len(page.Items), page.Next)
			}
			for _, in := range page.Items {
				if !slices.Contains(in.LanguageKeys(), "ro") || (q.Status != "" && in.Vetting.Status != q.Status) {
					t.Errorf("%s does not match %+v", in.ID, q)
				}
			}
			got = append(got, ids(page.Items)...)
			// Someone inserts a record while we page; it sorts after everything seen.
			late := newInterpreter(1000+pages, "ro")
			late.ID = data.NewID(base.Add(time.Hour + time.Duration(pages)*time.Millisecond))
			create(late)
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
		if !slices.IsSorted(got) {
			t.Errorf("pages not in ID order: %v", got)
		}
		seen := map[string]int{}
		for _, id := range got {
			seen[id]++
		}
		for _, id := range want {
			if seen[id] != 1 {
				t.Errorf("status %q: record %s seen %d times, want once", status, id, seen[id])
			}
		}
	}
}

// testInterpreterRenewals finds approved records with an item that lapses by
// a date or is missing, and follows updates that add or remove items.
func testInterpreterRenewals(t *testing.T, s data.Store) {
	ctx := t.Context()
	create := func(in data.Interpreter) data.Interpreter {
		t.Helper()
		if err := s.CreateInterpreter(ctx, in, interpreterChange(in, data.ActionInterpreterCreated)); err != nil {
			t.Fatal(err)
		}
		return in
	}
	// newInterpreter's earliest expiry is the NRPSI entry on 2027-01-01.
	late := create(newInterpreter(1, "ti"))
	soon := newInterpreter(2, "ti")
	soon.Training[0].Expires = data.MustDate("2026-04-01")
	soon = create(soon)
	noClearance := newInterpreter(3, "ti")
	noClearance.Clearance = data.Clearance{}
	noClearance = create(noClearance)
	pendingSoon := newInterpreter(4, "ti")
	pendingSoon.Vetting.Status = data.VettingPending
	pendingSoon.Training[0].Expires = data.MustDate("2026-04-01")
	create(pendingSoon)
	for i := range 5 { // records with nothing to renew for a long time
		far := newInterpreter(10+i, "vi")
		far.Qualifications = far.Qualifications[:1]
		far.Training[0].Expires = data.MustDate("2030-01-01")
		far.Clearance.ValidUntil = data.MustDate("2030-01-01")
		create(far)
	}
	query := func(by string) []string {
		t.Helper()
		page, err := s.ListInterpreters(ctx, data.InterpreterQuery{Status: data.VettingApproved, RenewalBy: data.MustDate(by)})
		if err != nil {
			t.Fatal(err)
		}
		return ids(page.Items)
	}
	sorted := func(ins ...data.Interpreter) []string {
		out := ids(ins)
		slices.Sort(out)
		return out
	}
	if diff := cmp.Diff(sorted(soon, noClearance), query("2026-06-30")); diff != "" {
		t.Errorf("renewals by 2026-06-30 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sorted(late, soon, noClearance), query("2027-01-01")); diff != "" {
		t.Errorf("renewals by 2027-01-01, an expiry on that day included (-want +got):\n%s", diff)
	}
	// Removing the agreement of a record makes it due at once; renewing the
	// early training takes the other off the list.
	if _, err := s.UpdateInterpreter(ctx, late.ID, func(in data.Interpreter) (data.Interpreter, data.Change, error) {
		in.Agreements = data.Agreements{}
		return in, interpreterChange(in, data.ActionInterpreterUpdated), nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateInterpreter(ctx, soon.ID, func(in data.Interpreter) (data.Interpreter, data.Change, error) {
		in.Training[0].Expires = data.MustDate("2029-01-01")
		return in, interpreterChange(in, data.ActionInterpreterUpdated), nil
	}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sorted(late, noClearance), query("2026-06-30")); diff != "" {
		t.Errorf("renewals after updates (-want +got):\n%s", diff)
	}
}

func ids(ins []data.Interpreter) []string {
	var out []string
	for _, in := range ins {
		out = append(out, in.ID)
	}
	return out
}

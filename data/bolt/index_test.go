package bolt

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// TestSeekIndex walks prefixes whose neighbours share leading bytes, both
// ways, with and without a cursor.
func TestSeekIndex(t *testing.T) {
	s := openBench(t)
	keys := []string{indexKey("a", "1"), indexKey("a", "2"), indexKey("a", "3"), indexKey("ab", "0"), indexKey("ab", "9"), indexKey("b", "5")}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("t"))
		for _, k := range keys {
			err = b.Put([]byte(k), nil)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		prefix  []byte
		from    string
		reverse bool
		want    []string
	}{
		{indexPrefix("a"), "", false, []string{"1", "2", "3"}},
		{indexPrefix("a"), "1", false, []string{"2", "3"}},
		{indexPrefix("a"), "15", false, []string{"2", "3"}},
		{indexPrefix("a"), "3", false, nil},
		{indexPrefix("a"), "", true, []string{"3", "2", "1"}},
		{indexPrefix("a"), "3", true, []string{"2", "1"}},
		{indexPrefix("a"), "9", true, []string{"3", "2", "1"}},
		{indexPrefix("a"), "1", true, nil},
		{indexPrefix("ab"), "", true, []string{"9", "0"}},
		{indexPrefix("b"), "", true, []string{"5"}},
		{indexPrefix("b"), "", false, []string{"5"}},
		{indexPrefix("c"), "", true, nil},
		{indexPrefix("0"), "", false, nil},
		{nil, "", true, []string{"5", "9", "0", "3", "2", "1"}},
		{nil, indexKey("ab", "0"), true, []string{"3", "2", "1"}},
		{nil, indexKey("ab", "0"), false, []string{"9", "5"}},
	} {
		var got []string
		s.db.View(func(tx *bolt.Tx) error {
			got = seekIndex(tx.Bucket([]byte("t")), tc.prefix, tc.from, tc.reverse).take(10, nil)
			return nil
		})
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("seek %q from %q reverse %v (-want +got):\n%s", tc.prefix, tc.from, tc.reverse, diff)
		}
	}
}

// TestOpenBuildsMissingIndexes opens a file written before the index
// buckets existed: Open builds them from the records, so queries find
// records written by the old version, including fields it stored and this
// one no longer does.
func TestOpenBuildsMissingIndexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	ti, ar := benchInterpreter(1, "ti"), benchInterpreter(4, "ar") // 4: pending
	for _, in := range []data.Interpreter{ti, ar} {
		if err := s.CreateInterpreter(ctx, in, interpreterChange(in.ID)); err != nil {
			t.Fatal(err)
		}
	}
	u := data.User{ID: "u1", Name: "A", Email: "a@example.org", Role: data.RoleAdmin, Organisation: "north", KeyHash: data.HashKey("k")}
	if err := s.CreateUser(ctx, u, data.Audited(data.NewAuditEntry(benchBase, u, "north", data.ActionUserCreated, data.EntityUser, u.ID))); err != nil {
		t.Fatal(err)
	}
	// Make the file look like the previous version's: no index buckets but
	// the users' unique keys, and an interpreter with its stored languageKeys.
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, k := range kinds {
			for _, name := range k.indexes {
				if name != bucketUserEmails && name != bucketUserKeys {
					if err := tx.DeleteBucket([]byte(name)); err != nil {
						return err
					}
				}
			}
		}
		legacy := `{"id":"00legacy","name":"Old","email":"old@example.org","gender":"male",` +
			`"languages":[{"tag":"ti","proficiency":"native"}],"languageKeys":["ti"],` +
			`"clearance":{},"experience":{"childInterviews":0,"traffickingCases":0,"years":0},` +
			`"vetting":{"status":"approved"},"version":3,"createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-01-01T00:00:00Z"}`
		return tx.Bucket(bucketInterpreters).Put([]byte("00legacy"), []byte(legacy))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)

	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	listed := func(q data.InterpreterQuery) []string {
		t.Helper()
		page, err := s.ListInterpreters(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, in := range page.Items {
			ids = append(ids, in.ID)
		}
		return ids
	}
	for _, tc := range []struct {
		q    data.InterpreterQuery
		want []string
	}{
		{data.InterpreterQuery{LanguageKey: "ti"}, []string{"00legacy", ti.ID}},
		{data.InterpreterQuery{LanguageKey: "ar", Status: data.VettingPending}, []string{ar.ID}},
		{data.InterpreterQuery{Status: data.VettingApproved}, []string{"00legacy", ti.ID}},
		// The legacy record lacks a clearance, an agreement and child protection training.
		{data.InterpreterQuery{RenewalBy: data.MustDate("2025-01-01")}, []string{"00legacy"}},
		// The register's search by email and by name (issue 21) finds it too.
		{data.InterpreterQuery{Email: "OLD@example.org"}, []string{"00legacy"}},
		{data.InterpreterQuery{NamePrefix: "ol"}, []string{"00legacy"}},
	} {
		if diff := cmp.Diff(tc.want, listed(tc.q)); diff != "" {
			t.Errorf("ListInterpreters(%+v) after the migration (-want +got):\n%s", tc.q, diff)
		}
	}
	page, err := s.ListAudit(ctx, data.AuditQuery{EntityID: ti.ID, Scopes: []string{data.ScopeRegister}})
	if err != nil || len(page.Items) != 1 {
		t.Errorf("audit of %s after the migration: %v, %v", ti.ID, page.Items, err)
	}
	page, err = s.ListAudit(ctx, data.AuditQuery{Scopes: []string{"north"}})
	if err != nil || len(page.Items) != 1 || page.Items[0].EntityID != u.ID {
		t.Errorf("audit of north after the migration: %v, %v", page.Items, err)
	}
	if got, err := s.UserByKeyHash(ctx, u.KeyHash); err != nil || got.ID != u.ID {
		t.Errorf("UserByKeyHash after the migration: %v, %v", got.ID, err)
	}
	// An update of the legacy record moves its index entries.
	old, err := s.Interpreter(ctx, "00legacy")
	if err != nil {
		t.Fatal(err)
	}
	old.Languages = []data.LanguageSkill{{Tag: "am", Proficiency: data.ProficiencyNative}}
	if _, err := s.UpdateInterpreter(ctx, old.ID, replace(old)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{ti.ID}, listed(data.InterpreterQuery{LanguageKey: "ti"})); diff != "" {
		t.Errorf("ti after the legacy record dropped it (-want +got):\n%s", diff)
	}
}

// TestRenewalsPaging pages through the renewal report across statuses and
// by language: pages are exact, in ID order, each record once.
func TestRenewalsPaging(t *testing.T) {
	s := openBench(t)
	ins := benchRegister(300)
	seed(t, s, ins, nil)
	by := data.MustDate("2026-03-01")
	for _, q := range []data.InterpreterQuery{
		{RenewalBy: by, Limit: 7},
		{RenewalBy: by, Status: data.VettingPending, Limit: 3},
		{RenewalBy: by, LanguageKey: "ar", Limit: 4},
		{RenewalBy: by, LanguageKey: "ar", Status: data.VettingApproved, Limit: 5},
	} {
		var want []string
		for _, in := range ins {
			due := slices.ContainsFunc(in.RenewalKeys(), func(k string) bool { return k <= by.String() })
			if due && (q.Status == "" || in.Vetting.Status == q.Status) && (q.LanguageKey == "" || slices.Contains(in.LanguageKeys(), q.LanguageKey)) {
				want = append(want, in.ID)
			}
		}
		var got []string
		for pages := 0; ; pages++ {
			if pages > 100 {
				t.Fatal("paging does not end")
			}
			page, err := s.ListInterpreters(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) > q.Limit || (page.Next != "" && len(page.Items) != q.Limit) {
				t.Fatalf("%+v: page of %d with next %q", q, len(page.Items), page.Next)
			}
			for _, in := range page.Items {
				got = append(got, in.ID)
			}
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
		if len(want) < 10 {
			t.Fatalf("%+v: only %d records due, the fixture should give more", q, len(want))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%+v (-want +got):\n%s", q, diff)
		}
	}
}

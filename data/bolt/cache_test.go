package bolt

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// listIDs lists q's first page and returns its IDs, with each record's
// name and status.
func listIDs(t *testing.T, s *Store, q data.InterpreterQuery) []string {
	t.Helper()
	page, err := s.ListInterpreters(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, in := range page.Items {
		out = append(out, fmt.Sprintf("%s %s %s", in.ID, in.Name, in.Vetting.Status))
	}
	return out
}

// dates compares dates by value.
var dates = cmp.Comparer(func(a, b data.Date) bool { return a == b })

// interpreterChange is the change a test writes interpreter id with.
func interpreterChange(id string) data.Change {
	return data.Audited(data.NewAuditEntry(benchBase, data.User{ID: "a"}, data.ScopeRegister, data.ActionInterpreterUpdated, data.EntityInterpreter, id))
}

// replace is the update function that stores in, whatever is stored.
func replace(in data.Interpreter) data.Update[data.Interpreter] {
	return func(data.Interpreter) (data.Interpreter, data.Change, error) {
		return in, interpreterChange(in.ID), nil
	}
}

// TestLanguagePoolNeverStale reads a language's pool (kept decoded after the
// first read) after every kind of interpreter write: each listing must show
// the write at once.
func TestLanguagePoolNeverStale(t *testing.T) {
	s := openBench(t)
	ctx := t.Context()
	a, b := benchInterpreter(0, "ti"), benchInterpreter(1, "ti")
	for _, in := range []data.Interpreter{a, b} {
		if err := s.CreateInterpreter(ctx, in, interpreterChange(in.ID)); err != nil {
			t.Fatal(err)
		}
	}
	ti := data.InterpreterQuery{LanguageKey: "ti"}
	tiApproved := data.InterpreterQuery{LanguageKey: "ti", Status: data.VettingApproved}
	row := func(in data.Interpreter) string { return fmt.Sprintf("%s %s %s", in.ID, in.Name, in.Vetting.Status) }
	check := func(step string, q data.InterpreterQuery, want ...data.Interpreter) {
		t.Helper()
		var rows []string
		for _, in := range want {
			rows = append(rows, row(in))
		}
		if diff := cmp.Diff(rows, listIDs(t, s, q)); diff != "" {
			t.Errorf("%s: %+v (-want +got):\n%s", step, q, diff)
		}
	}
	update := func(in data.Interpreter) data.Interpreter {
		t.Helper()
		got, err := s.UpdateInterpreter(ctx, in.ID, replace(in))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	check("created", ti, a, b)
	check("created", tiApproved, a, b)

	b.Vetting.Status = data.VettingSuspended
	b = update(b)
	check("suspended", tiApproved, a)
	check("suspended", ti, a, b)

	a.Name = "Renamed"
	a = update(a)
	check("renamed", ti, a, b)

	a.Languages = []data.LanguageSkill{{Tag: "am", Proficiency: data.ProficiencyNative}}
	a = update(a)
	check("moved to another language", ti, b)
	check("moved to another language", data.InterpreterQuery{LanguageKey: "am"}, a)

	c := benchInterpreter(2, "ti")
	if err := s.CreateInterpreter(ctx, c, interpreterChange(c.ID)); err != nil {
		t.Fatal(err)
	}
	check("another created", ti, b, c)

	// A write its function refuses changes nothing, nor does one that
	// finds nothing to change, and the pool still answers.
	refused := errors.New("refused")
	for _, fnErr := range []error{refused, data.ErrNoChange} {
		_, err := s.UpdateInterpreter(ctx, b.ID, func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
			cur.Vetting.Status = data.VettingApproved
			return cur, interpreterChange(cur.ID), fnErr
		})
		want := fnErr
		if fnErr == data.ErrNoChange {
			want = nil
		}
		if err != want {
			t.Fatalf("an update whose function returned %v: %v, want %v", fnErr, err, want)
		}
		check(fmt.Sprintf("after an update whose function returned %v", fnErr), ti, b, c)
	}

	// What a caller does to the records it got never reaches the pool.
	page, err := s.ListInterpreters(ctx, ti)
	if err != nil {
		t.Fatal(err)
	}
	page.Items[0].Name = "Scribbled"
	page.Items[0].Languages[0].Tag = "zz"
	page.Items[0].Regions = append(page.Items[0].Regions, "GB-XX")
	page.Items[1].Modalities[0] = data.ModalityPhone
	again, err := s.ListInterpreters(ctx, ti)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]data.Interpreter{b, c}, again.Items, dates, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the pool after a caller changed its copies (-want +got):\n%s", diff)
	}
}

// TestLanguagePoolOlderSnapshot reads a pool in a read transaction begun
// before a write: it must see the records as they were then, and must not
// leave them for later reads.
func TestLanguagePoolOlderSnapshot(t *testing.T) {
	s := openBench(t)
	ctx := t.Context()
	a := benchInterpreter(0, "ti")
	if err := s.CreateInterpreter(ctx, a, interpreterChange(a.ID)); err != nil {
		t.Fatal(err)
	}
	// Make room in the file first: a write needing a larger mapping would
	// wait for the open read transaction to end.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("scratch"))
		if err != nil {
			return err
		}
		return b.Put([]byte("room"), make([]byte, 4<<20))
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("scratch")) }); err != nil {
		t.Fatal(err)
	}
	old, err := s.db.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Rollback()
	a.Vetting.Status = data.VettingSuspended
	if a, err = s.UpdateInterpreter(ctx, a.ID, replace(a)); err != nil {
		t.Fatal(err)
	}
	if got := listIDs(t, s, data.InterpreterQuery{LanguageKey: "ti"}); len(got) != 1 || got[0] != a.ID+" "+a.Name+" suspended" {
		t.Errorf("after the update: %q", got)
	}
	pool, err := s.languagePool(old, "ti")
	if err != nil {
		t.Fatal(err)
	}
	if len(pool) != 1 || pool[0].Vetting.Status != data.VettingApproved {
		t.Errorf("the older transaction's pool: %+v, want the record before the update", pool)
	}
	if got := listIDs(t, s, data.InterpreterQuery{LanguageKey: "ti"}); len(got) != 1 || got[0] != a.ID+" "+a.Name+" suspended" {
		t.Errorf("after an older transaction read the pool: %q", got)
	}
}

// TestPoolPagesMatchIndex pages through every language of a mixed register,
// with and without a status and at several page sizes, from the pools and
// from the indexes the pools replace: the pages and cursors must be the
// same, before and after writes.
func TestPoolPagesMatchIndex(t *testing.T) {
	s := openBench(t)
	ctx := t.Context()
	r := rand.New(rand.NewPCG(1, 2))
	tags := []string{"ti", "am", "ar", "so"}
	var ins []data.Interpreter
	for i := range 150 {
		in := benchInterpreter(i, tags[r.IntN(len(tags))])
		if r.IntN(3) == 0 {
			in.Languages = append(in.Languages, data.LanguageSkill{Tag: tags[r.IntN(len(tags))], Proficiency: data.ProficiencyFluent})
		}
		in.Vetting.Status = data.VettingStatuses[r.IntN(len(data.VettingStatuses))]
		ins = append(ins, in)
	}
	seed(t, s, ins, nil)
	compare := func(step string) {
		t.Helper()
		for _, lang := range append(tags, "en", "xx") {
			for _, status := range append([]data.VettingStatus{""}, data.VettingStatuses...) {
				for _, limit := range []int{1, 7, 100} {
					q := data.InterpreterQuery{LanguageKey: lang, Status: status, Limit: limit}
					for pages := 0; ; pages++ {
						got, err := s.ListInterpreters(ctx, q)
						if err != nil {
							t.Fatal(err)
						}
						var want data.Page[data.Interpreter]
						err = s.db.View(func(tx *bolt.Tx) (err error) {
							want, err = cachedPageOf(tx.Bucket(bucketInterpreters), interpreterIDs(tx, q, limit+1), limit, s.interpreters)
							return err
						})
						if err != nil {
							t.Fatal(err)
						}
						if diff := cmp.Diff(want, got, dates); diff != "" {
							t.Fatalf("%s: %+v page %d (-index +pool):\n%s", step, q, pages, diff)
						}
						if got.Next == "" {
							break
						}
						q.After = got.Next
					}
				}
			}
		}
	}
	compare("seeded")
	for i := range 20 {
		in := ins[r.IntN(len(ins))]
		cur, err := s.Interpreter(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		cur.Vetting.Status = data.VettingStatuses[r.IntN(len(data.VettingStatuses))]
		cur.Languages[0].Tag = tags[(i+r.IntN(2))%len(tags)]
		if _, err := s.UpdateInterpreter(ctx, cur.ID, replace(cur)); err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			compare(fmt.Sprintf("after update %d", i))
		}
	}
	compare("after the updates")
}

// TestLanguagePoolConcurrent reads a pool from several goroutines while
// another updates its interpreters: no reader may see a record older than
// one it saw before, and once the writes are done every reader sees the
// last of them. Run with -race, it also checks the pool's locking.
func TestLanguagePoolConcurrent(t *testing.T) {
	s := openBench(t)
	ctx := t.Context()
	var ins []data.Interpreter
	for i := range 20 {
		in := benchInterpreter(i, "ti")
		in.Vetting.Status = data.VettingApproved
		ins = append(ins, in)
	}
	seed(t, s, ins, nil)
	const updates = 60
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			seen := map[string]int64{}
			for {
				select {
				case <-done:
					return
				default:
				}
				page, err := s.ListInterpreters(ctx, data.InterpreterQuery{LanguageKey: "ti", Limit: 7})
				if err != nil {
					t.Error(err)
					return
				}
				for _, in := range page.Items {
					if in.Version < seen[in.ID] {
						t.Errorf("%s at version %d after version %d", in.ID, in.Version, seen[in.ID])
						return
					}
					seen[in.ID] = in.Version
				}
			}
		})
	}
	for i := range updates {
		cur, err := s.Interpreter(ctx, ins[i%7].ID) // all on the first page
		if err != nil {
			t.Fatal(err)
		}
		cur.Vetting.Status = []data.VettingStatus{data.VettingSuspended, data.VettingApproved}[i%2]
		if _, err := s.UpdateInterpreter(ctx, cur.ID, replace(cur)); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	page, err := s.ListInterpreters(ctx, data.InterpreterQuery{LanguageKey: "ti", Limit: 7})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range page.Items {
		want, err := s.Interpreter(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if in.Version != want.Version || in.Vetting.Status != want.Vetting.Status {
			t.Errorf("%s listed at version %d (%s), stored at %d (%s)", in.ID, in.Version, in.Vetting.Status, want.Version, want.Vetting.Status)
		}
	}
}

package bolt

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// The benchmarks show that a listing costs what its page costs: the same
// query among 30 records and among 10,000 (or 100,000 audit entries) takes
// about the same time.

var benchBase = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

// openBench opens a store in a temporary directory, closed when tb ends.
func openBench(tb testing.TB) *Store {
	tb.Helper()
	s, err := Open(filepath.Join(tb.TempDir(), "bench.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close(tb.Context()) })
	return s
}

// seed writes records in batches of a few thousand per transaction (one
// fsync each) through the same functions the store's writes use.
func seed(tb testing.TB, s *Store, ins []data.Interpreter, entries []data.AuditEntry) {
	tb.Helper()
	const batch = 5000
	for chunk := range slices.Chunk(ins, batch) {
		if err := s.db.Update(func(tx *bolt.Tx) error {
			for _, in := range chunk {
				if err := createInterpreter(tx, in); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			tb.Fatal(err)
		}
	}
	for chunk := range slices.Chunk(entries, 4*batch) {
		if err := s.db.Update(func(tx *bolt.Tx) error {
			return putChange(tx, data.Audited(chunk...))
		}); err != nil {
			tb.Fatal(err)
		}
	}
}

// benchInterpreter is a complete record speaking English and the given languages.
func benchInterpreter(n int, tags ...string) data.Interpreter {
	now := benchBase.Add(time.Duration(n) * time.Millisecond)
	langs := []data.LanguageSkill{{Tag: "en", Proficiency: data.ProficiencyFluent}}
	for _, tag := range tags {
		langs = append(langs, data.LanguageSkill{Tag: tag, Proficiency: data.ProficiencyNative})
	}
	status := data.VettingApproved
	if n%5 == 4 {
		status = data.VettingPending
	}
	return data.Interpreter{
		ID: data.NewID(now), Name: fmt.Sprintf("Interpreter %d", n), Email: fmt.Sprintf("i%d@example.org", n),
		Phone: "+44 20 7946 0000", Gender: data.GenderFemale, Languages: langs,
		Modalities: []data.Modality{data.ModalityInPerson, data.ModalityVideo}, Regions: []string{"GB-LND"},
		Qualifications: []data.Qualification{{Kind: data.QualificationDPSILaw, Reference: "DPSI-1", Awarded: data.MustDate("2019-07-01")}},
		Training: []data.Training{{
			Kind: data.TrainingChildProtectionL2, Completed: data.MustDate("2025-05-01"),
			Expires: data.MustDate("2026-01-01").AddDays(n % 1000),
		}},
		Clearance: data.Clearance{
			Level: data.ClearanceEnhancedBarredChildren, Certificate: "001234567890",
			Issued: data.MustDate("2025-01-10"), ValidUntil: data.MustDate("2028-01-10"),
		},
		Agreements:     data.Agreements{ConfidentialitySigned: data.MustDate("2025-01-11")},
		CommunityLinks: []data.CommunityLink{{Kind: data.LinkCountry, Value: "ER"}},
		Experience:     data.Experience{ChildInterviews: 4, Years: 3},
		Vetting:        data.Vetting{Status: status, DecidedBy: "coordinator-1", DecidedAt: now},
		Version:        1, CreatedAt: now, UpdatedAt: now,
	}
}

// benchRegister returns n interpreters: three speak Tigrinya (spread
// through the ID range), the rest one of five common languages.
func benchRegister(n int) []data.Interpreter {
	common := []string{"ar", "fa", "ps", "ur", "so"}
	ins := make([]data.Interpreter, n)
	for i := range ins {
		if i%(n/3) == n/6 {
			ins[i] = benchInterpreter(i, "ti")
		} else {
			ins[i] = benchInterpreter(i, common[i%len(common)])
		}
	}
	return ins
}

// benchAudit returns n entries about interpreters and users, in three
// scopes; the entity "target" has five of them, spread through the log.
func benchAudit(n int) []data.AuditEntry {
	scopes := []string{data.ScopeRegister, "north", "south"}
	entries := make([]data.AuditEntry, n)
	for i := range entries {
		at := benchBase.Add(time.Duration(i) * time.Millisecond)
		entity := fmt.Sprintf("entity-%d", i%(n/5+1))
		if i%(n/5) == n/10 {
			entity = "target"
		}
		scope := scopes[i%len(scopes)]
		entries[i] = data.AuditEntry{
			ID: data.NewID(at), At: at, Actor: "actor-1", Organisation: "north", Scope: scope,
			Action: data.ActionInterpreterUpdated, EntityType: data.EntityInterpreter, EntityID: entity,
		}
	}
	return entries
}

func BenchmarkRareLanguage(b *testing.B) {
	for _, n := range []int{30, 10_000} {
		b.Run(fmt.Sprintf("interpreters=%d", n), func(b *testing.B) {
			s := openBench(b)
			seed(b, s, benchRegister(n), nil)
			for b.Loop() {
				page, err := s.ListInterpreters(b.Context(), data.InterpreterQuery{LanguageKey: "ti"})
				if err != nil || len(page.Items) != 3 {
					b.Fatalf("%d items, %v", len(page.Items), err)
				}
			}
		})
	}
}

func BenchmarkRareLanguageApproved(b *testing.B) {
	for _, n := range []int{30, 10_000} {
		b.Run(fmt.Sprintf("interpreters=%d", n), func(b *testing.B) {
			s := openBench(b)
			seed(b, s, benchRegister(n), nil)
			for b.Loop() {
				page, err := s.ListInterpreters(b.Context(), data.InterpreterQuery{LanguageKey: "ti", Status: data.VettingApproved})
				if err != nil || len(page.Items) == 0 {
					b.Fatalf("%d items, %v", len(page.Items), err)
				}
			}
		})
	}
}

func BenchmarkCommonLanguagePage(b *testing.B) {
	s := openBench(b)
	seed(b, s, benchRegister(10_000), nil)
	for b.Loop() {
		page, err := s.ListInterpreters(b.Context(), data.InterpreterQuery{LanguageKey: "ar", Limit: 50})
		if err != nil || len(page.Items) != 50 || page.Next == "" {
			b.Fatalf("%d items, %v", len(page.Items), err)
		}
	}
}

func BenchmarkRenewals(b *testing.B) {
	for _, n := range []int{30, 10_000} {
		b.Run(fmt.Sprintf("interpreters=%d", n), func(b *testing.B) {
			s := openBench(b)
			seed(b, s, benchRegister(n), nil)
			// About one approved record in 200 has training lapsing by then.
			q := data.InterpreterQuery{Status: data.VettingApproved, RenewalBy: data.MustDate("2026-01-05"), Limit: 50}
			for b.Loop() {
				if _, err := s.ListInterpreters(b.Context(), q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEntityAudit(b *testing.B) {
	for _, n := range []int{30, 100_000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			s := openBench(b)
			seed(b, s, nil, benchAudit(n))
			for b.Loop() {
				page, err := s.ListAudit(b.Context(), data.AuditQuery{EntityID: "target"})
				if err != nil || len(page.Items) != 5 {
					b.Fatalf("%d items, %v", len(page.Items), err)
				}
			}
		})
	}
}

func BenchmarkAuditScopesPage(b *testing.B) {
	for _, n := range []int{30, 100_000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			s := openBench(b)
			seed(b, s, nil, benchAudit(n))
			q := data.AuditQuery{Scopes: []string{"north", data.ScopeRegister}, Limit: 10}
			for b.Loop() {
				page, err := s.ListAudit(b.Context(), q)
				if err != nil || len(page.Items) != 10 {
					b.Fatalf("%d items, %v", len(page.Items), err)
				}
			}
		})
	}
}

// BenchmarkLanguagePool reads a language's whole pool, 834 of 10,000
// interpreters, page after page as matching does: from the pool kept
// decoded, and, as the baseline, through the language index and the
// per-record cache the pool replaces.
func BenchmarkLanguagePool(b *testing.B) {
	s := openBench(b)
	ins := make([]data.Interpreter, 10_000)
	common := []string{"ar", "fa", "ps", "ur", "so"}
	for i := range ins {
		if i%12 == 0 {
			ins[i] = benchInterpreter(i, "ckb")
		} else {
			ins[i] = benchInterpreter(i, common[i%len(common)])
		}
	}
	seed(b, s, ins, nil)
	const want = 834
	b.Run("pool", func(b *testing.B) {
		for b.Loop() {
			if n := readPool(b, func(q data.InterpreterQuery) (data.Page[data.Interpreter], error) {
				return s.ListInterpreters(b.Context(), q)
			}); n != want {
				b.Fatalf("%d interpreters, want %d", n, want)
			}
		}
	})
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			if n := readPool(b, func(q data.InterpreterQuery) (page data.Page[data.Interpreter], err error) {
				limit := data.PageSize(q.Limit)
				err = s.view(b.Context(), func(tx *bolt.Tx) (err error) {
					page, err = cachedPageOf(tx.Bucket(bucketInterpreters), interpreterIDs(tx, q, limit+1), limit, s.interpreters)
					return err
				})
				return page, err
			}); n != want {
				b.Fatalf("%d interpreters, want %d", n, want)
			}
		}
	})
}

// readPool pages through the Sorani pool with list and returns its size.
func readPool(b *testing.B, list func(data.InterpreterQuery) (data.Page[data.Interpreter], error)) int {
	n := 0
	q := data.InterpreterQuery{LanguageKey: "ckb", Limit: data.MaxPageSize}
	for {
		page, err := list(q)
		if err != nil {
			b.Fatal(err)
		}
		n += len(page.Items)
		if page.Next == "" {
			return n
		}
		q.After = page.Next
	}
}

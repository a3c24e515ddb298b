package bolt

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tolk/tolk/data"
)

// TestUpdateFunctionRunsOnce: bbolt runs one write transaction at a time
// and an update function runs inside it, so no writer ever loses a race:
// each function runs exactly once, and no update is lost.
func TestUpdateFunctionRunsOnce(t *testing.T) {
	s := openBench(t)
	ctx := t.Context()
	in := benchInterpreter(0, "ti")
	if err := s.CreateInterpreter(ctx, in, interpreterChange(in.ID)); err != nil {
		t.Fatal(err)
	}
	const writers = 20
	var calls atomic.Int64
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			_, err := s.UpdateInterpreter(ctx, in.ID, func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
				calls.Add(1)
				cur.Experience.Years++
				return cur, interpreterChange(cur.ID), nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if calls.Load() != writers {
		t.Errorf("%d writers' update functions ran %d times, want once each", writers, calls.Load())
	}
	got, err := s.Interpreter(ctx, in.ID)
	if err != nil || got.Experience.Years != in.Experience.Years+writers || got.Version != 1+writers {
		t.Errorf("after %d increments: %d years at version %d, %v", writers, got.Experience.Years, got.Version, err)
	}
}

// TestNoChangeWritesNoPage: an update whose function finds nothing to
// change rolls its transaction back: it writes no page, so it costs no
// fsync, and neither does one its function refuses.
func TestNoChangeWritesNoPage(t *testing.T) {
	s := openBench(t)
	ctx := t.Context()
	in := benchInterpreter(0, "ti")
	if err := s.CreateInterpreter(ctx, in, interpreterChange(in.ID)); err != nil {
		t.Fatal(err)
	}
	written := pagesWritten(s)
	for _, fnErr := range []error{data.ErrNoChange, &data.StateError{Code: "refused"}} {
		if _, err := s.UpdateInterpreter(ctx, in.ID, func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
			cur.Name = "Changed"
			return cur, interpreterChange(cur.ID), fnErr
		}); err != nil && fnErr == data.ErrNoChange {
			t.Fatal(err)
		}
	}
	if now := pagesWritten(s); now != written {
		t.Errorf("updates that changed nothing wrote %d pages", now-written)
	}
}

// pagesWritten is how many pages the store's write transactions wrote.
func pagesWritten(s *Store) int64 {
	stats := s.db.Stats()
	return stats.TxStats.GetWrite()
}

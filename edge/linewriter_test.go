package edge

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// slowWriter takes its time over every write, as a pipe whose reader lags.
type slowWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *slowWriter) Write(p []byte) (int, error) {
	time.Sleep(100 * time.Microsecond)
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *slowWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestLineWriterKeepsEveryLine: lines written at once by many goroutines
// through a slow writer all arrive whole, each goroutine's in its order,
// none dropped however far the writer lags (Write waits instead); a line
// written after Close is written too.
func TestLineWriterKeepsEveryLine(t *testing.T) {
	out := &slowWriter{}
	l := NewLineWriter(out)
	const writers, lines = 8, 500
	pad := strings.Repeat("x", 600) // 8 × 500 × 600 bytes: more than maxPending
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				fmt.Fprintf(l, "%d %d %s\n", g, i, pad)
			}
		})
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l.Close() // twice: harmless
	fmt.Fprintf(l, "after close\n")
	next := make([]int, writers)
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != writers*lines+1 || got[len(got)-1] != "after close" {
		t.Fatalf("%d lines, last %.40q; want %d and the line written after Close", len(got), got[len(got)-1], writers*lines+1)
	}
	for _, line := range got[:len(got)-1] {
		var g, i int
		var rest string
		if _, err := fmt.Sscanf(line, "%d %d %s", &g, &i, &rest); err != nil || rest != pad {
			t.Fatalf("a line cut or mixed: %.60q", line)
		}
		if i != next[g] {
			t.Fatalf("writer %d's line %d came where %d was due", g, i, next[g])
		}
		next[g]++
	}
}

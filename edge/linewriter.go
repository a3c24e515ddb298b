package edge

import (
	"io"
	"sync"
)

// LineWriter writes the service's log to w from a goroutine of its own,
// gathering the lines written meanwhile into one write. A logger writes
// each request's line with one call of Write, under its handler's mutex
// (slog's JSON handler holds it across the write): written straight to
// stderr, every request in flight then queues behind a system call. Here a
// Write copies the line into a buffer and returns; the writer goroutine,
// woken at once, writes out whatever has gathered, so a quiet service
// writes each line as it comes and a busy one a batch per system call. The
// order of lines is kept, and nothing is dropped: past maxPending bytes
// waiting, Write waits for the writer (zerolog's diode writer, the
// maintained alternative, drops lines instead). What it costs: lines
// written in the moment before the process dies without Close (a crash,
// SIGKILL) may be lost with it; Close writes every line written before it.
//
// BenchmarkMiddleware ("log/...") measures a request's line written
// through it against one written straight to a file.
type LineWriter struct {
	w    io.Writer
	wake chan struct{} // a Write has left bytes for the writer (capacity 1)
	stop chan struct{} // closed by Close
	done chan struct{} // closed by the writer when it has stopped

	mu      sync.Mutex
	room    *sync.Cond // broadcast when the writer takes the buffer
	buf     []byte
	closed  bool
	closing sync.Once
}

// maxPending bounds the bytes waiting to be written.
const maxPending = 1 << 20

// NewLineWriter starts writing to w; Close stops it.
func NewLineWriter(w io.Writer) *LineWriter {
	l := &LineWriter{w: w, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	l.room = sync.NewCond(&l.mu)
	go l.run()
	return l
}

// Write queues p, a whole line, to be written, and returns at once unless
// maxPending bytes are waiting already. After Close it writes p itself.
// It never fails: the writer's errors (a closed stderr) are not the
// logging request's to handle.
func (l *LineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	for !l.closed && len(l.buf) > 0 && len(l.buf)+len(p) > maxPending {
		l.room.Wait()
	}
	if l.closed {
		defer l.mu.Unlock()
		l.w.Write(p)
		return len(p), nil
	}
	l.buf = append(l.buf, p...)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default: // the writer is awake already and will find it
	}
	return len(p), nil
}

// run writes what Writes leave until Close, then what is left.
func (l *LineWriter) run() {
	defer close(l.done)
	var spare []byte
	for {
		select {
		case <-l.wake:
		case <-l.stop:
			l.mu.Lock()
			defer l.mu.Unlock()
			l.closed = true
			l.w.Write(l.buf)
			l.buf = nil
			l.room.Broadcast()
			return
		}
		l.mu.Lock()
		spare, l.buf = l.buf, spare[:0]
		l.room.Broadcast()
		l.mu.Unlock()
		if len(spare) > 0 {
			l.w.Write(spare)
		}
	}
}

// Close writes every line written before it and stops the writer; later
// lines are written as they come. Closing twice is harmless.
func (l *LineWriter) Close() error {
	l.closing.Do(func() { close(l.stop) })
	<-l.done
	return nil
}

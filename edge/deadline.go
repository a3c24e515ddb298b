package edge

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// requestContext is a request's context: the edge's base context with the
// request's deadline, as context.WithDeadline would make it, but with no
// timer until something waits on it. WithDeadline starts a runtime timer
// for every request and stops it at the end, though most requests never
// wait on their context: the embedded store only asks its Err, which a
// comparison with the clock answers. The first Done (a MongoDB query,
// a context derived from this one) makes the real deadline context, from
// then on the answer to every question; end cancels it, or marks the
// context ended when nothing made one, so a request's work is cancelled
// once it has been answered, as WithDeadline's cancel would.
//
// Measured in BenchmarkMiddleware ("timeout/..."): WithTimeout and its
// cancel cost a timer's start and stop on a runtime heap shared by every
// request in flight; this costs one allocation.
type requestContext struct {
	parent   context.Context
	deadline time.Time
	ended    atomic.Pointer[error] // the error at the end: the deadline's, or Canceled

	mu     sync.Mutex
	timed  context.Context // made by the first Done; nil before
	cancel context.CancelFunc
}

// newRequestContext returns the context of a request that must end by
// deadline, with parent's values and cancellation.
func newRequestContext(parent context.Context, deadline time.Time) *requestContext {
	return &requestContext{parent: parent, deadline: deadline}
}

// Deadline is the request's deadline.
func (c *requestContext) Deadline() (time.Time, bool) { return c.deadline, true }

// Value is the parent's.
func (c *requestContext) Value(key any) any { return c.parent.Value(key) }

// Done returns a channel closed at the deadline, when the parent is done,
// or when the request has ended, making the deadline context that closes
// it on the first call.
func (c *requestContext) Done() <-chan struct{} {
	return c.timedContext().Done()
}

// timedContext returns the deadline context, made on the first call (and
// already cancelled when the request has ended).
func (c *requestContext) timedContext() context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timed == nil {
		c.timed, c.cancel = context.WithDeadline(c.parent, c.deadline)
		if c.ended.Load() != nil {
			c.cancel()
		}
	}
	return c.timed
}

// Err is the deadline context's error once there is one; before, the
// parent's, context.DeadlineExceeded once the deadline has passed, or the
// error the request ended with. As with WithDeadline, the first error
// stays: a request past its deadline when it ends stays DeadlineExceeded.
func (c *requestContext) Err() error {
	c.mu.Lock()
	timed := c.timed
	c.mu.Unlock()
	switch {
	case timed != nil:
		return timed.Err()
	case c.ended.Load() != nil:
		return *c.ended.Load()
	case c.parent.Err() != nil:
		return c.parent.Err()
	case !time.Now().Before(c.deadline):
		return context.DeadlineExceeded
	}
	return nil
}

// end cancels the context: the request has been answered. Its error is
// then the one it had, or Canceled.
func (c *requestContext) end() {
	err := c.Err()
	if err == nil {
		err = context.Canceled
	}
	c.ended.Store(&err)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancel != nil {
		c.cancel()
	}
}

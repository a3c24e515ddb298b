package edge

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// TestRequestTimeoutApplies: a request's work learns that its time is up
// whether it asks its context's Err (as the embedded store does) or waits
// on Done (as the MongoDB driver does), and its context is cancelled once
// it has been answered.
func TestRequestTimeoutApplies(t *testing.T) {
	var asked, waited, kept context.Context
	e := New(Config{RequestTimeout: 20 * time.Millisecond})
	e.Mount(testDoor{prefixes: []string{"/v1"}, routes: func(r fiber.Router) {
		r.Get("/v1/ask", func(c *fiber.Ctx) error {
			asked = c.UserContext()
			for asked.Err() == nil {
				time.Sleep(time.Millisecond)
			}
			return c.SendStatus(204)
		})
		r.Get("/v1/wait", func(c *fiber.Ctx) error {
			waited = c.UserContext()
			<-waited.Done()
			return c.SendStatus(204)
		})
		r.Get("/v1/quick", func(c *fiber.Ctx) error {
			kept = c.UserContext()
			if kept.Err() != nil {
				t.Errorf("a fresh request's context: %v", kept.Err())
			}
			return c.SendStatus(204)
		})
	}})
	for _, path := range []string{"/v1/ask", "/v1/wait", "/v1/quick"} {
		if _, err := e.App().Test(httptest.NewRequest("GET", path, nil), -1); err != nil {
			t.Fatal(err)
		}
	}
	for name, ctx := range map[string]context.Context{"asked": asked, "waited on": waited} {
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Errorf("the context %s past its timeout: %v, want DeadlineExceeded", name, ctx.Err())
		}
	}
	if !errors.Is(kept.Err(), context.Canceled) {
		t.Errorf("a request's context after its answer: %v, want Canceled", kept.Err())
	}
	select {
	case <-kept.Done():
	default:
		t.Error("a request's context is not done after its answer")
	}
}

// TestRequestContext: the context keeps its parent's values and
// cancellation, its deadline, and cancels what derives from it when the
// request ends, whether or not something waited on it first.
func TestRequestContext(t *testing.T) {
	type key struct{}
	parent, cancelParent := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	far := time.Now().Add(time.Hour)
	c := newRequestContext(parent, far)
	if d, ok := c.Deadline(); !ok || !d.Equal(far) || c.Value(key{}) != "v" || c.Err() != nil {
		t.Fatalf("deadline %v %v, value %v, err %v", d, ok, c.Value(key{}), c.Err())
	}
	derived, stop := context.WithCancel(c)
	defer stop()
	c.end()
	<-derived.Done()
	if !errors.Is(c.Err(), context.Canceled) || !errors.Is(derived.Err(), context.Canceled) {
		t.Errorf("after end: %v, derived %v; want Canceled", c.Err(), derived.Err())
	}

	ended := newRequestContext(context.Background(), far)
	ended.end()
	if !errors.Is(ended.Err(), context.Canceled) {
		t.Errorf("ended before anything waited: %v", ended.Err())
	}
	<-ended.Done() // made after the end: closed already

	past := newRequestContext(context.Background(), time.Now().Add(-time.Second))
	if !errors.Is(past.Err(), context.DeadlineExceeded) {
		t.Errorf("past its deadline: %v", past.Err())
	}
	<-past.Done()

	orphan := newRequestContext(parent, far)
	cancelParent()
	if !errors.Is(orphan.Err(), context.Canceled) {
		t.Errorf("parent cancelled (Shutdown): %v", orphan.Err())
	}
	<-orphan.Done()
}

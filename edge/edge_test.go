package edge

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// pagesDoor owns every other path and answers its errors in plain text,
// as the pages answer theirs with HTML.
type pagesDoor struct{}

func (pagesDoor) Prefixes() []string { return nil }

func (pagesDoor) Routes(r fiber.Router) {
	r.Get("/", func(c *fiber.Ctx) error { return c.SendString("home") })
	r.Post("/form", func(c *fiber.Ctx) error { return c.SendString("posted") })
}

func (pagesDoor) Answer(c *fiber.Ctx, err error) error {
	c.Status(http.StatusTeapot)
	return c.SendString("page for " + err.Error())
}

// TestEachDoorAnswersItsPaths: an error on a path is answered by the door
// owning it (the longest prefix, whatever the case, else the door owning
// the rest): a handler's error with the security headers set afresh, the
// router's 404, and its 405 with Allow naming the path's methods.
func TestEachDoorAnswersItsPaths(t *testing.T) {
	e := New(Config{})
	e.Mount(testDoor{prefixes: []string{"/v1"}, routes: func(r fiber.Router) {
		r.Get("/v1/me", func(c *fiber.Ctx) error { return c.SendString("me") })
		r.Get("/v1/fail", func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderCacheControl, "private, max-age=900")
			return fiber.ErrConflict
		})
	}})
	e.Mount(pagesDoor{})
	for _, tc := range []struct {
		method, path string
		status       int
		code, allow  string // a problem's code; "" for the pages' answer
	}{
		{"GET", "/v1/no-such-route", 404, "door_not_found", ""},
		{"GET", "/V1/NO-SUCH-ROUTE", 404, "door_not_found", ""},
		{"GET", "/v1", 404, "door_not_found", ""},
		{"DELETE", "/v1/me", 405, "door_method_not_allowed", "GET, HEAD"},
		{"GET", "/v1/fail", 409, "door_conflict", ""},
		{"GET", "/v1x", http.StatusTeapot, "", ""},
		{"GET", "/no/such/page", http.StatusTeapot, "", ""},
		{"GET", "/form", http.StatusTeapot, "", "POST"}, // the pages' door decides what to keep
	} {
		res := get(t, e, tc.method, tc.path)
		name := tc.method + " " + tc.path
		if tc.code != "" {
			wireProblem(t, res, tc.status, tc.code)
		} else if res.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d from the pages' door", name, res.StatusCode, tc.status)
		}
		if got := res.Header.Get("Allow"); tc.allow != "" && got != tc.allow {
			t.Errorf("%s: Allow = %q, want %q", name, got, tc.allow)
		}
		wantSecurityHeaders(t, name, res.Header, "no-store")
	}
	if res := get(t, e, "GET", "/v1/me"); res.StatusCode != 200 {
		t.Errorf("GET /v1/me: %d", res.StatusCode)
	}
}

// TestUnownedPaths: with no door owning the rest, a path no door owns is
// the edge's 404 problem (405 with Allow for another method), counted
// against the client's address.
func TestUnownedPaths(t *testing.T) {
	e := newTestEdge(t, func(c *Config) {
		c.RateLimits = true
		c.PerAddress = Rate{N: 2, Per: time.Hour, Burst: 2}
	})
	wireProblem(t, get(t, e, "GET", "/nothing"), 404, "not_found")
	res := get(t, e, "GET", "/nothing")
	wireProblem(t, res, 404, "not_found")
	wantSecurityHeaders(t, "404", res.Header, "no-store")
	res = get(t, e, "GET", "/nothing")
	wireProblem(t, res, 429, "rate_limited")
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

// TestMountRefusesAmbiguousDoors: two doors may not own one prefix (in any
// case), nor both own the rest.
func TestMountRefusesAmbiguousDoors(t *testing.T) {
	for name, second := range map[string]Door{
		"the same prefix": testDoor{prefixes: []string{"/V1/"}},
		"the rest twice":  pagesDoor{},
	} {
		t.Run(name, func(t *testing.T) {
			e := New(Config{})
			e.Mount(testDoor{prefixes: []string{"/v1"}})
			e.Mount(pagesDoor{})
			defer func() {
				if recover() == nil {
					t.Error("Mount accepted the second door")
				}
			}()
			e.Mount(second)
		})
	}
}

// TestShutdownCancelsInFlightWork: Shutdown lets a request in flight
// finish while its ctx lasts; a request still running when ctx ends has
// its context cancelled (it derives from the edge's base context, not the
// connection's), and Shutdown returns once it has returned.
func TestShutdownCancelsInFlightWork(t *testing.T) {
	entered, quick := make(chan struct{}, 2), make(chan struct{})
	var ctxErr error
	returned := make(chan struct{})
	e := New(Config{})
	e.Mount(testDoor{prefixes: []string{"/v1"}, routes: func(r fiber.Router) {
		r.Get("/v1/slow", func(c *fiber.Ctx) error {
			defer close(returned)
			entered <- struct{}{}
			<-c.UserContext().Done()
			ctxErr = c.UserContext().Err()
			time.Sleep(50 * time.Millisecond) // put back what it held
			return ctxErr
		})
		r.Get("/v1/quick", func(c *fiber.Ctx) error {
			entered <- struct{}{}
			<-quick
			return c.SendString("done")
		})
	}})
	addr := "http://" + serveEdge(t, e)
	answers := make(chan int, 2)
	for _, path := range []string{"/v1/slow", "/v1/quick"} {
		go func() {
			res, err := http.Get(addr + path)
			if err != nil {
				answers <- 0
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			answers <- res.StatusCode
		}()
	}
	<-entered
	<-entered
	time.AfterFunc(100*time.Millisecond, func() { close(quick) }) // finishes within the grace
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if err := e.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v, want context.DeadlineExceeded (a request had to be cancelled)", err)
	}
	select {
	case <-returned:
	default:
		t.Error("Shutdown returned before the cancelled request did")
		<-returned
	}
	if !errors.Is(ctxErr, context.Canceled) {
		t.Errorf("the slow request's context ended with %v, want context.Canceled", ctxErr)
	}
	got := map[int]bool{<-answers: true, <-answers: true}
	if !got[200] || !got[500] {
		t.Errorf("answers %v, want the quick request's 200 and the cancelled one's 500", got)
	}
}

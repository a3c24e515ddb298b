package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// losingStore is a store on which a writer loses its first race once, as
// on a backend that writes optimistically: the first call of method reads
// the record, runs the app's update function on it, and before it can
// write, the rival's write lands; then the call goes ahead as the store's
// own, which runs the function again on the record as the rival left it.
// A create (or EndSession) loses by the rival landing first. runs counts
// how often the function of method ran.
type losingStore struct {
	data.Store
	method string
	rival  func(ctx context.Context)
	runs   int
}

// losing returns the rival's write if this call of method is the one that
// loses, once.
func (s *losingStore) losing(method string) func(context.Context) {
	if method != s.method || s.rival == nil {
		return nil
	}
	r := s.rival
	s.rival = nil
	return r
}

// lose runs an update that loses its first race.
func lose[T any](s *losingStore, method string, ctx context.Context, id string, fn data.Update[T],
	read func(context.Context, string) (T, error), update func(context.Context, string, data.Update[T]) (T, error)) (T, error) {
	counted := fn
	if method == s.method {
		counted = func(cur T) (T, data.Change, error) {
			s.runs++
			return fn(cur)
		}
	}
	rival := s.losing(method)
	if rival == nil {
		return update(ctx, id, counted)
	}
	var zero T
	cur, err := read(ctx, id)
	if err != nil {
		return zero, err
	}
	switch _, _, err := counted(cur); {
	case errors.Is(err, data.ErrNoChange):
		return cur, nil
	case err != nil: // refused before any write: no race to lose
		return zero, err
	}
	rival(ctx)
	return update(ctx, id, counted)
}

func (s *losingStore) UpdateUser(ctx context.Context, id string, fn data.Update[data.User]) (data.User, error) {
	return lose(s, "UpdateUser", ctx, id, fn, s.Store.User, s.Store.UpdateUser)
}

func (s *losingStore) UpdateInterpreter(ctx context.Context, id string, fn data.Update[data.Interpreter]) (data.Interpreter, error) {
	return lose(s, "UpdateInterpreter", ctx, id, fn, s.Store.Interpreter, s.Store.UpdateInterpreter)
}

func (s *losingStore) UpdateCase(ctx context.Context, id string, fn data.Update[data.Case]) (data.Case, error) {
	return lose(s, "UpdateCase", ctx, id, fn, s.Store.Case, s.Store.UpdateCase)
}

func (s *losingStore) UpdateBooking(ctx context.Context, id string, fn data.Update[data.Booking]) (data.Booking, error) {
	return lose(s, "UpdateBooking", ctx, id, fn, s.Store.Booking, s.Store.UpdateBooking)
}

func (s *losingStore) UpdateFeed(ctx context.Context, id string, fn data.Update[data.Feed]) (data.Feed, error) {
	return lose(s, "UpdateFeed", ctx, id, fn, s.Store.Feed, s.Store.UpdateFeed)
}

func (s *losingStore) CreateUser(ctx context.Context, u data.User, ch data.Change) error {
	if rival := s.losing("CreateUser"); rival != nil {
		rival(ctx)
	}
	return s.Store.CreateUser(ctx, u, ch)
}

func (s *losingStore) CreateBooking(ctx context.Context, b data.Booking, ch data.Change) error {
	if rival := s.losing("CreateBooking"); rival != nil {
		rival(ctx)
	}
	return s.Store.CreateBooking(ctx, b, ch)
}

func (s *losingStore) EndSession(ctx context.Context, id string, at time.Time, ch data.Change) (data.Session, error) {
	if rival := s.losing("EndSession"); rival != nil {
		rival(ctx)
	}
	return s.Store.EndSession(ctx, id, at, ch)
}

// racing returns an app whose first call of method loses to rival, which
// writes through a second app on the same store a minute later on the
// clock, and the wrapper to count the function's runs by.
func (e *env) racing(method string, rival func(ctx context.Context, other *app.App)) (*app.App, *losingStore) {
	other := app.New(app.Config{Store: e.store, Now: func() time.Time { return e.now.Add(time.Minute) }})
	s := &losingStore{Store: e.store, method: method}
	s.rival = func(ctx context.Context) { rival(ctx, other) }
	return e.appOver(s), s
}

// must fails the test on a rival's error.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("the rival's write: %v", err)
	}
}

// wantRuns checks that the app's function ran on both records.
func wantRuns(t testing.TB, s *losingStore) {
	t.Helper()
	if s.runs != 2 {
		t.Errorf("the update function ran %d times, want 2 (the race was not lost)", s.runs)
	}
}

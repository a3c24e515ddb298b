package app_test

import (
	"context"
	"fmt"
	"time"

	"github.com/tolk/tolk/data"
)

// downStore is a store whose server goes away: once after calls (of the
// method only, when set) have been answered, every such call answers
// data.ErrUnavailable without reaching the store. failed names the first
// call refused.
type downStore struct {
	data.Store
	after  int
	only   string
	calls  int
	failed string
}

func (s *downStore) down(method string) error {
	if s.only != "" && s.only != method {
		return nil
	}
	s.calls++
	if s.calls <= s.after {
		return nil
	}
	if s.failed == "" {
		s.failed = method
	}
	return fmt.Errorf("%s: %w", method, data.ErrUnavailable)
}

// answer is the answer of a call that returns a value.
func answer[T any](s *downStore, method string, call func() (T, error)) (T, error) {
	if err := s.down(method); err != nil {
		var zero T
		return zero, err
	}
	return call()
}

func (s *downStore) Ping(ctx context.Context) error {
	if err := s.down("Ping"); err != nil {
		return err
	}
	return s.Store.Ping(ctx)
}

func (s *downStore) CreateUser(ctx context.Context, u data.User, ch data.Change) error {
	if err := s.down("CreateUser"); err != nil {
		return err
	}
	return s.Store.CreateUser(ctx, u, ch)
}

func (s *downStore) User(ctx context.Context, id string) (data.User, error) {
	return answer(s, "User", func() (data.User, error) { return s.Store.User(ctx, id) })
}

func (s *downStore) UserByKeyHash(ctx context.Context, h string) (data.User, error) {
	return answer(s, "UserByKeyHash", func() (data.User, error) { return s.Store.UserByKeyHash(ctx, h) })
}

func (s *downStore) UserByEmail(ctx context.Context, email string) (data.User, error) {
	return answer(s, "UserByEmail", func() (data.User, error) { return s.Store.UserByEmail(ctx, email) })
}

func (s *downStore) ListUsers(ctx context.Context, q data.UserQuery) (data.Page[data.User], error) {
	return answer(s, "ListUsers", func() (data.Page[data.User], error) { return s.Store.ListUsers(ctx, q) })
}

func (s *downStore) UpdateUser(ctx context.Context, id string, fn data.Update[data.User]) (data.User, error) {
	return answer(s, "UpdateUser", func() (data.User, error) { return s.Store.UpdateUser(ctx, id, fn) })
}

func (s *downStore) AppendChange(ctx context.Context, ch data.Change) error {
	if err := s.down("AppendChange"); err != nil {
		return err
	}
	return s.Store.AppendChange(ctx, ch)
}

func (s *downStore) ListAudit(ctx context.Context, q data.AuditQuery) (data.Page[data.AuditEntry], error) {
	return answer(s, "ListAudit", func() (data.Page[data.AuditEntry], error) { return s.Store.ListAudit(ctx, q) })
}

func (s *downStore) CreateInterpreter(ctx context.Context, in data.Interpreter, ch data.Change) error {
	if err := s.down("CreateInterpreter"); err != nil {
		return err
	}
	return s.Store.CreateInterpreter(ctx, in, ch)
}

func (s *downStore) Interpreter(ctx context.Context, id string) (data.Interpreter, error) {
	return answer(s, "Interpreter", func() (data.Interpreter, error) { return s.Store.Interpreter(ctx, id) })
}

func (s *downStore) UpdateInterpreter(ctx context.Context, id string, fn data.Update[data.Interpreter]) (data.Interpreter, error) {
	return answer(s, "UpdateInterpreter", func() (data.Interpreter, error) { return s.Store.UpdateInterpreter(ctx, id, fn) })
}

func (s *downStore) ListInterpreters(ctx context.Context, q data.InterpreterQuery) (data.Page[data.Interpreter], error) {
	return answer(s, "ListInterpreters", func() (data.Page[data.Interpreter], error) { return s.Store.ListInterpreters(ctx, q) })
}

func (s *downStore) CreateCase(ctx context.Context, c data.Case, ch data.Change) error {
	if err := s.down("CreateCase"); err != nil {
		return err
	}
	return s.Store.CreateCase(ctx, c, ch)
}

func (s *downStore) Case(ctx context.Context, id string) (data.Case, error) {
	return answer(s, "Case", func() (data.Case, error) { return s.Store.Case(ctx, id) })
}

func (s *downStore) UpdateCase(ctx context.Context, id string, fn data.Update[data.Case]) (data.Case, error) {
	return answer(s, "UpdateCase", func() (data.Case, error) { return s.Store.UpdateCase(ctx, id, fn) })
}

func (s *downStore) ListCases(ctx context.Context, q data.CaseQuery) (data.Page[data.Case], error) {
	return answer(s, "ListCases", func() (data.Page[data.Case], error) { return s.Store.ListCases(ctx, q) })
}

func (s *downStore) CreateBooking(ctx context.Context, b data.Booking, ch data.Change) error {
	if err := s.down("CreateBooking"); err != nil {
		return err
	}
	return s.Store.CreateBooking(ctx, b, ch)
}

func (s *downStore) Booking(ctx context.Context, id string) (data.Booking, error) {
	return answer(s, "Booking", func() (data.Booking, error) { return s.Store.Booking(ctx, id) })
}

func (s *downStore) UpdateBooking(ctx context.Context, id string, fn data.Update[data.Booking]) (data.Booking, error) {
	return answer(s, "UpdateBooking", func() (data.Booking, error) { return s.Store.UpdateBooking(ctx, id, fn) })
}

func (s *downStore) ListBookings(ctx context.Context, q data.BookingQuery) (data.Page[data.Booking], error) {
	return answer(s, "ListBookings", func() (data.Page[data.Booking], error) { return s.Store.ListBookings(ctx, q) })
}

func (s *downStore) CaseSittings(ctx context.Context, q data.BookingQuery) (data.Page[data.Sitting], error) {
	return answer(s, "CaseSittings", func() (data.Page[data.Sitting], error) { return s.Store.CaseSittings(ctx, q) })
}

func (s *downStore) ConfirmedBookings(ctx context.Context, ids []string, from, to time.Time) ([]data.Booking, error) {
	return answer(s, "ConfirmedBookings", func() ([]data.Booking, error) { return s.Store.ConfirmedBookings(ctx, ids, from, to) })
}

func (s *downStore) CreateFeed(ctx context.Context, f data.Feed, ch data.Change) error {
	if err := s.down("CreateFeed"); err != nil {
		return err
	}
	return s.Store.CreateFeed(ctx, f, ch)
}

func (s *downStore) Feed(ctx context.Context, id string) (data.Feed, error) {
	return answer(s, "Feed", func() (data.Feed, error) { return s.Store.Feed(ctx, id) })
}

func (s *downStore) FeedByTokenHash(ctx context.Context, h string) (data.Feed, error) {
	return answer(s, "FeedByTokenHash", func() (data.Feed, error) { return s.Store.FeedByTokenHash(ctx, h) })
}

func (s *downStore) PollFeed(ctx context.Context, h string, n int, covers func(data.Feed) []string) (data.Feed, data.AuditMark, error) {
	if err := s.down("PollFeed"); err != nil {
		return data.Feed{}, data.AuditMark{}, err
	}
	return s.Store.PollFeed(ctx, h, n, covers)
}

func (s *downStore) UpdateFeed(ctx context.Context, id string, fn data.Update[data.Feed]) (data.Feed, error) {
	return answer(s, "UpdateFeed", func() (data.Feed, error) { return s.Store.UpdateFeed(ctx, id, fn) })
}

func (s *downStore) ListFeeds(ctx context.Context, q data.FeedQuery) (data.Page[data.Feed], error) {
	return answer(s, "ListFeeds", func() (data.Page[data.Feed], error) { return s.Store.ListFeeds(ctx, q) })
}

func (s *downStore) CreateSession(ctx context.Context, sess data.Session, ch data.Change) error {
	if err := s.down("CreateSession"); err != nil {
		return err
	}
	return s.Store.CreateSession(ctx, sess, ch)
}

func (s *downStore) Session(ctx context.Context, id string) (data.Session, error) {
	return answer(s, "Session", func() (data.Session, error) { return s.Store.Session(ctx, id) })
}

func (s *downStore) TouchSession(ctx context.Context, id string, at time.Time) error {
	if err := s.down("TouchSession"); err != nil {
		return err
	}
	return s.Store.TouchSession(ctx, id, at)
}

func (s *downStore) EndSession(ctx context.Context, id string, at time.Time, ch data.Change) (data.Session, error) {
	return answer(s, "EndSession", func() (data.Session, error) { return s.Store.EndSession(ctx, id, at, ch) })
}

func (s *downStore) ListSessions(ctx context.Context, q data.SessionQuery) (data.Page[data.Session], error) {
	return answer(s, "ListSessions", func() (data.Page[data.Session], error) { return s.Store.ListSessions(ctx, q) })
}

package datatest

import (
	"context"
	"errors"
	"testing"

	"github.com/tolk/tolk/data"
)

// testCancelledContext: a cancelled request reads nothing and writes nothing,
// and says why with the context's error.
func testCancelledContext(t *testing.T, s data.Store) {
	in := newInterpreter(1, "ti")
	if err := s.CreateInterpreter(t.Context(), in, interpreterAudit(in, "interpreter.created")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Interpreter(ctx, in.ID); !errors.Is(err, context.Canceled) {
		t.Errorf("Interpreter with a cancelled context: error = %v, want context.Canceled", err)
	}
	if _, err := s.ListInterpreters(ctx, data.InterpreterQuery{LanguageKey: "ti"}); !errors.Is(err, context.Canceled) {
		t.Errorf("ListInterpreters with a cancelled context: error = %v, want context.Canceled", err)
	}
	other := newInterpreter(2, "ti")
	if err := s.CreateInterpreter(ctx, other, interpreterAudit(other, "interpreter.created")); !errors.Is(err, context.Canceled) {
		t.Errorf("CreateInterpreter with a cancelled context: error = %v, want context.Canceled", err)
	}
	if _, err := s.Interpreter(t.Context(), other.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("a create refused for its cancelled context was stored: %v", err)
	}
	if got := auditActions(t, s, other.ID); len(got) != 0 {
		t.Errorf("a create refused for its cancelled context left audit entries %v", got)
	}
}

// testAfterClose: every call after Close fails with ErrClosed.
func testAfterClose(t *testing.T, s data.Store) {
	ctx := t.Context()
	u := newUser(1, data.RoleAdmin, "north")
	if err := s.CreateUser(ctx, u, userAudit(u, "user.created")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	in := newInterpreter(1, "ti")
	f := newFeed(1, u.ID)
	for name, err := range map[string]error{
		"Ping":              s.Ping(ctx),
		"User":              second(s.User(ctx, u.ID)),
		"UserByKeyHash":     second(s.UserByKeyHash(ctx, u.KeyHash)),
		"AppendAudit":       s.AppendAudit(ctx, userAudit(u, "user.read")),
		"ListAudit":         second(s.ListAudit(ctx, data.AuditQuery{})),
		"CreateInterpreter": s.CreateInterpreter(ctx, in, interpreterAudit(in, "interpreter.created")),
		"ListInterpreters":  second(s.ListInterpreters(ctx, data.InterpreterQuery{})),
		"CreateFeed":        s.CreateFeed(ctx, f, feedAudit(f, "feed.created")),
		"FeedByTokenHash":   second(s.FeedByTokenHash(ctx, f.TokenHash)),
		"ListFeeds":         second(s.ListFeeds(ctx, data.FeedQuery{Owner: f.Owner})),
	} {
		if !errors.Is(err, data.ErrClosed) {
			t.Errorf("%s after Close: error = %v, want ErrClosed", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

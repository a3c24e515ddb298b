package datatest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// testCancelledContext: a cancelled request reads nothing and writes nothing,
// and says why with the context's error.
func testCancelledContext(t *testing.T, s data.Store) {
	in := newInterpreter(1, "ti")
	if err := s.CreateInterpreter(t.Context(), in, interpreterChange(in, data.ActionInterpreterCreated)); err != nil {
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
	if err := s.CreateInterpreter(ctx, other, interpreterChange(other, data.ActionInterpreterCreated)); !errors.Is(err, context.Canceled) {
		t.Errorf("CreateInterpreter with a cancelled context: error = %v, want context.Canceled", err)
	}
	if _, err := s.Interpreter(t.Context(), other.ID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("a create refused for its cancelled context was stored: %v", err)
	}
	if got := auditActions(t, s, other.ID); len(got) != 0 {
		t.Errorf("a create refused for its cancelled context left audit entries %v", got)
	}
	called := false
	_, err := s.UpdateInterpreter(ctx, in.ID, func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
		called = true
		cur.Name = "Cancelled"
		return cur, interpreterChange(cur, data.ActionInterpreterUpdated), nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("UpdateInterpreter with a cancelled context: error = %v, want context.Canceled", err)
	}
	if got, err := s.Interpreter(t.Context(), in.ID); err != nil || got.Name != in.Name || got.Version != 1 {
		t.Errorf("an update refused for its cancelled context was stored (its function called: %v): %+v, %v", called, got, err)
	}
}

// testAfterClose: every call after Close fails with ErrClosed.
func testAfterClose(t *testing.T, s data.Store) {
	ctx := t.Context()
	u := newUser(1, data.RoleAdmin, "north")
	if err := s.CreateUser(ctx, u, userChange(u, data.ActionUserCreated)); err != nil {
		t.Fatal(err)
	}
	// A feed polled before Close, so that a store keeping polls has one
	// to hand out after it.
	polled := newFeed(2, u.ID)
	if err := s.CreateFeed(ctx, polled, feedChange(polled, data.ActionFeedCreated)); err != nil {
		t.Fatal(err)
	}
	pollScopes := func(data.Feed) []string { return []string{"north"} }
	if _, _, err := s.PollFeed(ctx, polled.TokenHash, 5, pollScopes); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// Before any other call: a failed write may move a store's count on.
	if _, _, err := s.PollFeed(ctx, polled.TokenHash, 5, pollScopes); !errors.Is(err, data.ErrClosed) {
		t.Errorf("PollFeed of a feed polled before Close: %v, want ErrClosed", err)
	}
	in := newInterpreter(1, "ti")
	f := newFeed(1, u.ID)
	o := newOffer(newCase(1, "north"), data.OfferBroadcast, base, "int-1")
	m := newMessage("north", data.MessageSignInLink, base)
	for name, err := range map[string]error{
		"Ping":                        s.Ping(ctx),
		"User":                        second(s.User(ctx, u.ID)),
		"UserByKeyHash":               second(s.UserByKeyHash(ctx, u.KeyHash)),
		"AppendChange":                s.AppendChange(ctx, userChange(u, data.ActionKeyIssued)),
		"ListAudit":                   second(s.ListAudit(ctx, data.AuditQuery{})),
		"CreateInterpreter":           s.CreateInterpreter(ctx, in, interpreterChange(in, data.ActionInterpreterCreated)),
		"ListInterpreters":            second(s.ListInterpreters(ctx, data.InterpreterQuery{})),
		"CreateFeed":                  s.CreateFeed(ctx, f, feedChange(f, data.ActionFeedCreated)),
		"FeedByTokenHash":             second(s.FeedByTokenHash(ctx, f.TokenHash)),
		"PollFeed":                    third(s.PollFeed(ctx, f.TokenHash, 5, func(data.Feed) []string { return []string{"north"} })),
		"ListFeeds":                   second(s.ListFeeds(ctx, data.FeedQuery{Owner: f.Owner})),
		"UpdateUser":                  second(s.UpdateUser(ctx, u.ID, to(u, userChange(u, data.ActionKeyIssued)))),
		"CreateOffer":                 s.CreateOffer(ctx, o, offerChange(o, data.ActionOfferCreated)),
		"Offer":                       second(s.Offer(ctx, o.ID)),
		"UpdateOffer":                 second(s.UpdateOffer(ctx, o.ID, cancelOffer("closed", base))),
		"FillOffer":                   third(s.FillOffer(ctx, o.ID, accept("int-1", "b-1", base))),
		"ListOffers":                  second(s.ListOffers(ctx, data.OfferQuery{InterpreterID: "int-1"})),
		"DueOffers":                   second(s.DueOffers(ctx, base, 10)),
		"OfferByToken":                second(s.OfferByToken(ctx, data.HashKey("a token"))),
		"ListUsers by role":           second(s.ListUsers(ctx, data.UserQuery{Role: data.RoleCoordinator})),
		"AppendChange with a message": s.AppendChange(ctx, messageChange(m)),
		"ClaimDue":                    second(s.ClaimDue(ctx, base, time.Minute, "deliverer", 10)),
		"SettleSent":                  second(s.SettleSent(ctx, "deliverer", asSent(base, m))),
		"MarkFailed":                  s.MarkFailed(ctx, m.ID, "deliverer", "421", base, false),
		"Message":                     second(s.Message(ctx, m.ID)),
		"UpdateMessage":               second(s.UpdateMessage(ctx, m.ID, to(m, messageChange()))),
		"ListMessages":                second(s.ListMessages(ctx, data.MessageQuery{Organisation: "north"})),
	} {
		if !errors.Is(err, data.ErrClosed) {
			t.Errorf("%s after Close: error = %v, want ErrClosed", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func third[T, U any](_ T, _ U, err error) error { return err }

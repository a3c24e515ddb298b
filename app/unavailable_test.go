package app_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// fixture is what the use cases of TestUnavailable work on.
type fixture struct {
	in                   app.Interpreter
	c                    data.Case
	b, later             data.Booking // north's, by its social worker: day 0 and day 2
	keyed                app.NewBooking
	feed                 data.Feed
	feedToken, sessToken string
}

// useCases are every use case that reads or writes the store, each run
// as in a request. ignores lists the calls whose failure a use case
// survives by design (a sweep or an audit of a failure, retried later).
var useCases = []struct {
	name    string
	ignores []string
	run     func(e *env, f fixture) error
}{
	{name: "Authenticate", run: func(e *env, f fixture) error {
		_, err := e.app.Authenticate(e.t.Context(), e.keys[e.north[data.RoleSocialWorker].ID])
		return err
	}},
	{name: "CreateUser", run: func(e *env, f fixture) error {
		_, _, err := e.app.CreateUser(e.t.Context(), e.north[data.RoleAdmin], app.NewUser{Name: "New", Email: "new@north.example", Role: data.RoleCoordinator})
		return err
	}},
	{name: "IssueKey", run: func(e *env, f fixture) error {
		_, err := e.app.IssueKey(e.t.Context(), e.north[data.RoleAdmin], e.north[data.RoleSocialWorker].ID)
		return err
	}},
	{name: "RevokeKey", run: func(e *env, f fixture) error {
		return e.app.RevokeKey(e.t.Context(), e.north[data.RoleAdmin], e.north[data.RoleSocialWorker].ID)
	}},
	{name: "EnsureBootstrapAdmin", run: func(e *env, f fixture) error {
		return e.app.EnsureBootstrapAdmin(e.t.Context(), bootstrapKey+"-next")
	}},
	{name: "ListUsers", run: func(e *env, f fixture) error {
		_, err := e.app.ListUsers(e.t.Context(), e.north[data.RoleAdmin], "", "", 0)
		return err
	}},
	{name: "ListAudit", run: func(e *env, f fixture) error {
		_, err := e.app.ListAudit(e.t.Context(), e.north[data.RoleCoordinator], app.AuditFilter{})
		return err
	}},
	{name: "CreateInterpreter", run: func(e *env, f fixture) error {
		_, err := e.app.CreateInterpreter(e.t.Context(), e.north[data.RoleCoordinator], eligible("dara"))
		return err
	}},
	{name: "GetInterpreter", run: func(e *env, f fixture) error {
		_, err := e.app.GetInterpreter(e.t.Context(), e.north[data.RoleCoordinator], f.in.ID)
		return err
	}},
	{name: "InterpreterBrief", run: func(e *env, f fixture) error {
		_, err := e.app.InterpreterBrief(e.t.Context(), e.north[data.RoleSocialWorker], f.in.ID)
		return err
	}},
	{name: "ListInterpreters", run: func(e *env, f fixture) error {
		_, err := e.app.ListInterpreters(e.t.Context(), e.north[data.RoleSocialWorker], app.InterpreterFilter{Language: "ckb"})
		return err
	}},
	{name: "UpdateInterpreter", run: func(e *env, f fixture) error {
		record := eligible("hana")
		record.Modalities = []data.Modality{data.ModalityInPerson} // rules out the video bookings
		_, err := e.app.UpdateInterpreter(e.t.Context(), e.north[data.RoleCoordinator], f.in.ID, f.in.Version, record)
		return err
	}},
	{name: "DecideVetting", run: func(e *env, f fixture) error {
		_, err := e.app.DecideVetting(e.t.Context(), e.north[data.RoleCoordinator], f.in.ID, data.DecisionSuspend, "")
		return err
	}},
	{name: "WithdrawBookings", run: func(e *env, f fixture) error {
		fields := caseFields("NR-1")
		fields.ExcludedInterpreters = []data.CaseExclusion{{InterpreterID: f.in.ID}}
		if _, err := e.store.UpdateCase(e.t.Context(), f.c.ID, func(c data.Case) (data.Case, data.Change, error) {
			c.ExcludedInterpreters = fields.ExcludedInterpreters
			return c, data.Audited(data.NewAuditEntry(e.now, app.System("north", ""), "north", data.ActionCaseUpdated, data.EntityCase, c.ID)), nil
		}); err != nil {
			e.t.Fatal(err)
		}
		_, err := e.app.WithdrawBookings(e.t.Context(), e.north[data.RoleCoordinator], f.in.ID)
		return err
	}},
	{name: "FutureBookings", run: func(e *env, f fixture) error {
		_, err := e.app.FutureBookings(e.t.Context(), e.north[data.RoleCoordinator], f.in.ID)
		return err
	}},
	{name: "Renewals", run: func(e *env, f fixture) error {
		_, err := e.app.Renewals(e.t.Context(), e.north[data.RoleCoordinator], 365)
		return err
	}},
	{name: "CreateCase", run: func(e *env, f fixture) error {
		fields := caseFields("NR-2")
		fields.ExcludedInterpreters = []data.CaseExclusion{{InterpreterID: f.in.ID}}
		_, err := e.app.CreateCase(e.t.Context(), e.north[data.RoleSocialWorker], fields)
		return err
	}},
	{name: "GetCase", run: func(e *env, f fixture) error {
		_, err := e.app.GetCase(e.t.Context(), e.north[data.RoleSocialWorker], f.c.ID)
		return err
	}},
	{name: "UpdateCase", run: func(e *env, f fixture) error {
		fields := caseFields("NR-1")
		fields.ExcludedInterpreters = []data.CaseExclusion{{InterpreterID: f.in.ID}}
		_, err := e.app.UpdateCase(e.t.Context(), e.north[data.RoleSocialWorker], f.c.ID, f.c.Version, fields)
		return err
	}},
	{name: "ListCases", run: func(e *env, f fixture) error {
		_, err := e.app.ListCases(e.t.Context(), e.north[data.RoleSocialWorker], "", 0)
		return err
	}},
	{name: "Match", run: func(e *env, f fixture) error {
		_, err := e.app.Match(e.t.Context(), e.north[data.RoleSocialWorker], f.c.ID, app.MatchRequest{
			Start: interview.AddDate(0, 0, 1), End: interview.AddDate(0, 0, 1).Add(time.Hour), InterviewType: data.InterviewABEPolice, Modality: data.ModalityVideo,
		})
		return err
	}},
	{name: "CreateBooking", run: func(e *env, f fixture) error {
		_, _, err := e.app.CreateBooking(e.t.Context(), e.north[data.RoleSocialWorker], request(f.c.ID, f.in.ID, 1))
		return err
	}},
	{name: "CreateBooking with a new key", run: func(e *env, f fixture) error {
		nb := request(f.c.ID, f.in.ID, 1)
		nb.IdempotencyKey = "new-key"
		_, _, err := e.app.CreateBooking(e.t.Context(), e.north[data.RoleSocialWorker], nb)
		return err
	}},
	{name: "CreateBooking replayed", run: func(e *env, f fixture) error {
		_, _, err := e.app.CreateBooking(e.t.Context(), e.north[data.RoleSocialWorker], f.keyed)
		return err
	}},
	{name: "GetBooking", run: func(e *env, f fixture) error {
		_, err := e.app.GetBooking(e.t.Context(), e.north[data.RoleSocialWorker], f.b.ID)
		return err
	}},
	{name: "ListBookings", run: func(e *env, f fixture) error {
		_, err := e.app.ListBookings(e.t.Context(), e.north[data.RoleSocialWorker], app.BookingFilter{CaseID: f.c.ID})
		return err
	}},
	{name: "ChangeBooking", run: func(e *env, f fixture) error {
		later := f.b.Start.Add(2 * time.Hour)
		_, err := e.app.ChangeBooking(e.t.Context(), e.north[data.RoleSocialWorker], f.b.ID, app.BookingChange{Start: &later, End: ptr(later.Add(time.Hour))})
		return err
	}},
	{name: "CancelBooking", run: func(e *env, f fixture) error {
		_, err := e.app.CancelBooking(e.t.Context(), e.north[data.RoleSocialWorker], f.b.ID, "ill")
		return err
	}},
	{name: "RecordOutcome", run: func(e *env, f fixture) error {
		e.now = f.b.End
		_, err := e.app.RecordOutcome(e.t.Context(), e.north[data.RoleSocialWorker], f.b.ID, app.Outcome{Attended: true, Checklist: allChecked()})
		return err
	}},
	{name: "BookingInvite", run: func(e *env, f fixture) error {
		_, err := e.app.BookingInvite(e.t.Context(), e.north[data.RoleSocialWorker], f.b.ID)
		return err
	}},
	{name: "CreateFeed", run: func(e *env, f fixture) error {
		_, _, err := e.app.CreateFeed(e.t.Context(), e.north[data.RoleCoordinator], app.NewFeed{Scope: data.FeedInterpreter, InterpreterID: f.in.ID})
		return err
	}},
	{name: "ListFeeds", run: func(e *env, f fixture) error {
		_, err := e.app.ListFeeds(e.t.Context(), e.north[data.RoleSocialWorker], "", 0)
		return err
	}},
	{name: "RevokeFeed", run: func(e *env, f fixture) error {
		return e.app.RevokeFeed(e.t.Context(), e.north[data.RoleSocialWorker], f.feed.ID)
	}},
	{name: "RenderFeed", run: func(e *env, f fixture) error {
		_, err := e.app.RenderFeed(e.t.Context(), f.feedToken, app.FeedConditions{})
		return err
	}},
	{name: "SignInWithKey", ignores: []string{"ListSessions", "EndSession"}, run: func(e *env, f fixture) error {
		_, err := e.app.SignInWithKey(e.t.Context(), e.keys[e.north[data.RoleCoordinator].ID])
		return err
	}},
	{name: "SignInWithEmail", ignores: []string{"ListSessions", "EndSession"}, run: func(e *env, f fixture) error {
		_, err := e.app.SignInWithEmail(e.t.Context(), e.north[data.RoleCoordinator].Email)
		return err
	}},
	{name: "SessionUser", run: func(e *env, f fixture) error {
		_, _, err := e.app.SessionUser(e.t.Context(), f.sessToken)
		return err
	}},
	{name: "SignOut", run: func(e *env, f fixture) error {
		return e.app.SignOut(e.t.Context(), f.sessToken)
	}},
}

// TestUnavailable runs every use case with the store going away at each
// of its calls in turn: every answer is an error the front doors show as
// unavailable (never internal), and the store holds no change without its
// entries, nor an entry without its change.
func TestUnavailable(t *testing.T) {
	base := newEnv(t)
	ctx := t.Context()
	sw := base.north[data.RoleSocialWorker]
	var f fixture
	f.in = base.approved("hana")
	f.c = base.newCase(sw, "NR-1")
	f.b, f.later = base.book(sw, request(f.c.ID, f.in.ID, 0)), base.book(sw, request(f.c.ID, f.in.ID, 2))
	f.keyed = request(f.c.ID, f.in.ID, 4)
	f.keyed.IdempotencyKey = "old-key"
	base.book(sw, f.keyed)
	var err error
	if f.feed, f.feedToken, err = base.app.CreateFeed(ctx, sw, app.NewFeed{Scope: data.FeedMine}); err != nil {
		t.Fatal(err)
	}
	signed, err := base.app.SignInWithKey(ctx, base.keys[sw.ID])
	if err != nil {
		t.Fatal(err)
	}
	f.sessToken = signed.Token
	base.now = base.now.Add(5 * time.Minute) // sessions are touched again
	for _, uc := range useCases {
		t.Run(uc.name, func(t *testing.T) {
			healthy := &downStore{after: 1 << 30}
			e := base.clone(t)
			healthy.Store = e.store
			e.app = e.appOver(healthy)
			if err := uc.run(e, f); err != nil {
				t.Fatalf("with the store up: %v", err)
			}
			if healthy.calls == 0 {
				t.Fatal("the use case calls no store")
			}
			for after := range healthy.calls {
				e := base.clone(t)
				down := &downStore{Store: e.store, after: after}
				e.app = e.appOver(down)
				err := uc.run(e, f)
				switch {
				case err == nil && !slices.Contains(uc.ignores, down.failed):
					t.Errorf("%s down after %d calls: no error", down.failed, after)
				case err != nil:
					if fl := app.Classify(err); fl.Kind != app.KindUnavailable {
						t.Errorf("%s down after %d calls: %v is %s, want Unavailable", down.failed, after, err, kindNames[fl.Kind])
					}
				}
				e.checkConsistent()
			}
		})
	}
}

package app_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// TestInterpreterRoles: coordinators (of any organisation: the register is
// shared) keep the register; social workers read it reduced; admins do
// neither.
func TestInterpreterRoles(t *testing.T) {
	type op func(e *env, actor data.User, id string) error
	ops := map[string]op{
		"CreateInterpreter": func(e *env, actor data.User, _ string) error {
			_, err := e.app.CreateInterpreter(e.t.Context(), actor, eligible("new"))
			return err
		},
		"GetInterpreter": func(e *env, actor data.User, id string) error {
			_, err := e.app.GetInterpreter(e.t.Context(), actor, id)
			return err
		},
		"InterpreterBrief": func(e *env, actor data.User, id string) error {
			_, err := e.app.InterpreterBrief(e.t.Context(), actor, id)
			return err
		},
		"ListInterpreters": func(e *env, actor data.User, _ string) error {
			_, err := e.app.ListInterpreters(e.t.Context(), actor, app.InterpreterFilter{})
			return err
		},
		"UpdateInterpreter": func(e *env, actor data.User, id string) error {
			_, err := e.app.UpdateInterpreter(e.t.Context(), actor, id, 2, eligible("renamed"))
			return err
		},
		"DecideVetting": func(e *env, actor data.User, id string) error {
			_, err := e.app.DecideVetting(e.t.Context(), actor, id, data.DecisionSuspend, "")
			return err
		},
		"WithdrawBookings": func(e *env, actor data.User, id string) error {
			_, err := e.app.WithdrawBookings(e.t.Context(), actor, id)
			return err
		},
		"FutureBookings": func(e *env, actor data.User, id string) error {
			_, err := e.app.FutureBookings(e.t.Context(), actor, id)
			return err
		},
		"Renewals": func(e *env, actor data.User, _ string) error {
			_, err := e.app.Renewals(e.t.Context(), actor, 30)
			return err
		},
		"MayEditRegister": func(e *env, actor data.User, _ string) error { return e.app.MayEditRegister(actor) },
	}
	reads := map[string]bool{"GetInterpreter": true, "InterpreterBrief": true, "ListInterpreters": true}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			actors := map[string]data.User{
				"north coordinator": e.north[data.RoleCoordinator], "south coordinator": e.south[data.RoleCoordinator],
				"social worker": e.north[data.RoleSocialWorker], "admin": e.north[data.RoleAdmin], "bootstrap": e.boot,
			}
			for who, actor := range actors {
				t.Run(who, func(t *testing.T) {
					want := app.KindForbidden
					if actor.Role == data.RoleCoordinator || (actor.Role == data.RoleSocialWorker && reads[name]) {
						want = allow
					}
					id := e.approved("hana").ID // each actor's own record, at version 2
					expect(t, op(e, actor, id), want)
				})
			}
		})
	}
}

// TestInterpreterViews: only a coordinator's read of one record shows the
// sensitive fields, and that read is audited before it is shown.
func TestInterpreterViews(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	fields := eligible("hana")
	fields.CommunityLinks = []data.CommunityLink{{Kind: data.LinkTown, Value: "Ranya"}}
	in := e.interpreter(fields, "")
	in, err := e.app.DecideVetting(ctx, e.north[data.RoleCoordinator], in.ID, data.DecisionApprove, "referee called back")
	if err != nil {
		t.Fatal(err)
	}
	sensitive := func(in app.Interpreter) []string {
		return []string{in.Phone, in.Clearance.Certificate, in.Vetting.Note, strings.Repeat("link", len(in.CommunityLinks))}
	}
	none := []string{"", "", "", ""}
	full := []string{"+44 7700 900123", "0099", "referee called back", "link"}

	got, err := e.app.GetInterpreter(ctx, e.south[data.RoleCoordinator], in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(full, sensitive(got)); diff != "" || !got.Full {
		t.Errorf("coordinator's read (full %v) (-want +got):\n%s", got.Full, diff)
	}
	page, err := e.store.ListAudit(ctx, data.AuditQuery{EntityID: in.ID, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if a := page.Items[0]; a.Action != data.ActionInterpreterReadSensitive || a.Actor != e.south[data.RoleCoordinator].ID || a.Scope != data.ScopeRegister {
		t.Errorf("newest entry %+v, want south's coordinator's sensitive read in the register", a)
	}

	before := len(e.actions(in.ID))
	for _, actor := range []data.User{e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]} {
		brief, err := e.app.InterpreterBrief(ctx, actor, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		list, err := e.app.ListInterpreters(ctx, actor, app.InterpreterFilter{})
		if err != nil {
			t.Fatal(err)
		}
		views := []app.Interpreter{brief, list.Items[0]}
		if actor.Role == data.RoleSocialWorker {
			got, err := e.app.GetInterpreter(ctx, actor, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			views = append(views, got)
		}
		for _, v := range views {
			if diff := cmp.Diff(none, sensitive(v)); diff != "" || v.Full {
				t.Errorf("%s's reduced view (full %v) (-want +got):\n%s", actor.Role, v.Full, diff)
			}
		}
	}
	if after := len(e.actions(in.ID)); after != before {
		t.Errorf("reduced reads wrote %d audit entries", after-before)
	}
	_, err = e.app.GetInterpreter(ctx, e.north[data.RoleCoordinator], "nobody")
	wantKind(t, err, app.KindNotFound)
}

func TestListInterpreters(t *testing.T) {
	e := newEnv(t)
	e.approved("hana")
	e.interpreter(eligible("pending"), "")
	e.interpreter(eligible("rejected"), data.DecisionReject)
	arabic := eligible("arabic")
	arabic.Languages = []data.LanguageSkill{{Tag: "apd", Proficiency: data.ProficiencyFluent}}
	e.interpreter(arabic, data.DecisionApprove)
	tests := []struct {
		name   string
		actor  data.User
		filter app.InterpreterFilter
		want   []string // names, or nil with a kind
		kind   app.Kind
	}{
		{"social worker: approved only", e.north[data.RoleSocialWorker], app.InterpreterFilter{}, []string{"hana", "arabic"}, allow},
		{"social worker asks for pending", e.north[data.RoleSocialWorker], app.InterpreterFilter{Status: data.VettingPending}, []string{"pending"}, allow},
		{"coordinator: everyone", e.north[data.RoleCoordinator], app.InterpreterFilter{}, []string{"hana", "pending", "rejected", "arabic"}, allow},
		{"by language, as a language (ar finds apd)", e.north[data.RoleCoordinator], app.InterpreterFilter{Language: "ar"}, []string{"arabic"}, allow},
		{"a bad language", e.north[data.RoleCoordinator], app.InterpreterFilter{Language: "!!"}, nil, app.KindInvalid},
		{"a bad status", e.north[data.RoleCoordinator], app.InterpreterFilter{Status: "retired"}, nil, app.KindInvalid},
		{"admin", e.north[data.RoleAdmin], app.InterpreterFilter{}, nil, app.KindForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := e.app.ListInterpreters(t.Context(), tc.actor, tc.filter)
			if !expect(t, err, tc.kind) {
				return
			}
			var names []string
			for _, in := range page.Items {
				names = append(names, in.Name)
			}
			if diff := cmp.Diff(tc.want, names); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCreateInterpreter(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	fields := eligible("hana")
	fields.ID, fields.Version = "chosen-by-client", 7
	fields.Vetting = data.Vetting{Status: data.VettingApproved, Note: "self-approved"}
	fields.Email = "  Hana@Interpreters.Example "
	in, err := e.app.CreateInterpreter(ctx, e.north[data.RoleCoordinator], fields)
	if err != nil {
		t.Fatal(err)
	}
	if in.ID == "chosen-by-client" || in.Version != 1 || in.Vetting != (data.Vetting{Status: data.VettingPending}) ||
		in.Email != "hana@interpreters.example" || !in.CreatedAt.Equal(testNow) {
		t.Errorf("created %+v", in.Interpreter)
	}
	if diff := cmp.Diff([]data.Action{data.ActionInterpreterCreated}, e.actions(in.ID)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	bad := eligible("hana")
	bad.Name, bad.Languages = "", nil
	_, err = e.app.CreateInterpreter(ctx, e.north[data.RoleCoordinator], bad)
	f := wantKind(t, err, app.KindInvalid)
	if diff := cmp.Diff([]data.FieldError{{Field: "name", Message: "is required"}, {Field: "languages", Message: "must list at least one language"}}, f.Fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

func TestUpdateInterpreter(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	coord := e.north[data.RoleCoordinator]
	in := e.approved("hana") // version 2
	fields := eligible("hana renamed")
	fields.Vetting = data.Vetting{Status: data.VettingPending}
	fields.ID, fields.Version, fields.CreatedAt = "other", 99, testNow.AddDate(-1, 0, 0)

	_, err := e.app.UpdateInterpreter(ctx, coord, in.ID, 1, fields)
	f := wantCode(t, err, app.KindStale, "precondition_failed")
	if se, ok := errors.AsType[*app.StaleError](err); !ok || se.Current != 2 {
		t.Errorf("err = %v, want a *StaleError naming version 2", err)
	}
	if !strings.Contains(f.Message, "version 2") {
		t.Errorf("message %q names no version", f.Message)
	}

	e.now = e.now.Add(16 * time.Minute)
	got, err := e.app.UpdateInterpreter(ctx, coord, in.ID, 2, fields)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != in.ID || got.Version != 3 || got.Name != "hana renamed" || got.Vetting.Status != data.VettingApproved ||
		!got.CreatedAt.Equal(in.CreatedAt) || !got.UpdatedAt.Equal(e.now) {
		t.Errorf("updated %+v", got.Interpreter)
	}
	want := []data.Action{data.ActionInterpreterCreated, data.ActionVettingApprove, data.ActionInterpreterUpdated}
	if diff := cmp.Diff(want, e.actions(in.ID)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}

	bad := eligible("hana")
	bad.Email = "not an email"
	_, err = e.app.UpdateInterpreter(ctx, coord, in.ID, 3, bad)
	wantKind(t, err, app.KindInvalid)
	_, err = e.app.UpdateInterpreter(ctx, coord, "nobody", 1, fields)
	wantKind(t, err, app.KindNotFound)
	e.checkConsistent()
}

// TestDecideVetting: pending → approved | rejected, approved → suspended →
// approved, any status but left → left; every other decision is an
// invalid transition that changes nothing.
func TestDecideVetting(t *testing.T) {
	// paths reach each status from a new record.
	paths := map[data.VettingStatus][]data.Decision{
		data.VettingPending:   nil,
		data.VettingApproved:  {data.DecisionApprove},
		data.VettingRejected:  {data.DecisionReject},
		data.VettingSuspended: {data.DecisionApprove, data.DecisionSuspend},
		data.VettingLeft:      {data.DecisionLeave},
	}
	allowed := map[data.VettingStatus]map[data.Decision]data.VettingStatus{
		data.VettingPending:   {data.DecisionApprove: data.VettingApproved, data.DecisionReject: data.VettingRejected, data.DecisionLeave: data.VettingLeft},
		data.VettingApproved:  {data.DecisionSuspend: data.VettingSuspended, data.DecisionLeave: data.VettingLeft},
		data.VettingSuspended: {data.DecisionApprove: data.VettingApproved, data.DecisionLeave: data.VettingLeft},
		data.VettingRejected:  {data.DecisionLeave: data.VettingLeft},
		data.VettingLeft:      {},
	}
	e := newEnv(t)
	ctx := t.Context()
	coord := e.north[data.RoleCoordinator]
	for from, path := range paths {
		for _, d := range data.Decisions {
			t.Run(string(from)+"/"+string(d), func(t *testing.T) {
				in := e.interpreter(eligible("hana"), "")
				for _, step := range path {
					if _, err := e.app.DecideVetting(ctx, coord, in.ID, step, ""); err != nil {
						t.Fatal(err)
					}
				}
				got, err := e.app.DecideVetting(ctx, coord, in.ID, d, "why", app.ViewFull)
				to, ok := allowed[from][d]
				if !ok {
					wantCode(t, err, app.KindConflict, "invalid_transition")
					stored, _ := e.store.Interpreter(ctx, in.ID)
					if stored.Vetting.Status != from || stored.Version != int64(1+len(path)) {
						t.Errorf("refused decision changed the record: %+v", stored.Vetting)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got.Vetting.Status != to || got.Vetting.DecidedBy != coord.ID || got.Vetting.Note != "why" {
					t.Errorf("vetting %+v, want %s by %s", got.Vetting, to, coord.ID)
				}
				actions := e.actions(in.ID)
				if last := actions[len(actions)-2:]; !slices.Equal(last, []data.Action{data.VettingAction(d), data.ActionInterpreterReadSensitive}) {
					t.Errorf("last entries %v, want %s and the read of the record it answered", last, data.VettingAction(d))
				}
			})
		}
	}
	in := e.interpreter(eligible("hana"), "")
	_, err := e.app.DecideVetting(ctx, coord, in.ID, "promote", "")
	wantKind(t, err, app.KindInvalid)
	_, err = e.app.DecideVetting(ctx, coord, in.ID, data.DecisionApprove, "bad\x00note")
	wantKind(t, err, app.KindInvalid)
	_, err = e.app.DecideVetting(ctx, coord, "nobody", data.DecisionApprove, "")
	wantKind(t, err, app.KindNotFound)
	e.checkConsistent()
}

// changeStore records the changes the app lands on interpreters.
type changeStore struct {
	data.Store
	changes *[]data.Change
}

func (s changeStore) CreateInterpreter(ctx context.Context, in data.Interpreter, ch data.Change) error {
	*s.changes = append(*s.changes, ch)
	return s.Store.CreateInterpreter(ctx, in, ch)
}

func (s changeStore) UpdateInterpreter(ctx context.Context, id string, fn data.Update[data.Interpreter]) (data.Interpreter, error) {
	return s.Store.UpdateInterpreter(ctx, id, func(cur data.Interpreter) (data.Interpreter, data.Change, error) {
		next, ch, err := fn(cur)
		if err == nil {
			*s.changes = append(*s.changes, ch)
		}
		return next, ch, err
	})
}

// TestChangesAnswerTheViewAskedFor: creating, changing and vetting a record
// answer the reduced view and write no read, unless the caller asks for the
// full record (app.ViewFull); then the change lands in one write with two
// entries, the change's and the coordinator's sensitive read, so no answer
// discloses the sensitive fields without its entry.
func TestChangesAnswerTheViewAskedFor(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	coord := e.north[data.RoleCoordinator]
	var changes []data.Change
	a := e.appOver(changeStore{Store: e.store, changes: &changes})
	fields := eligible("hana")
	fields.CommunityLinks = []data.CommunityLink{{Kind: data.LinkTown, Value: "Ranya"}}
	sensitive := func(in app.Interpreter) bool {
		return in.Phone != "" || in.Clearance.Certificate != "" || len(in.CommunityLinks) > 0 || in.Vetting.Note != ""
	}
	var id string
	steps := []struct {
		name   string
		action data.Action
		change func(view ...app.View) (app.Interpreter, error)
	}{
		{"create", data.ActionInterpreterCreated, func(view ...app.View) (app.Interpreter, error) {
			in, err := a.CreateInterpreter(ctx, coord, fields, view...)
			id = in.ID
			return in, err
		}},
		{"update", data.ActionInterpreterUpdated, func(view ...app.View) (app.Interpreter, error) {
			cur, err := e.store.Interpreter(ctx, id)
			if err != nil {
				return app.Interpreter{}, err
			}
			return a.UpdateInterpreter(ctx, coord, id, cur.Version, fields, view...)
		}},
		{"approve", data.ActionVettingApprove, func(view ...app.View) (app.Interpreter, error) {
			return a.DecideVetting(ctx, coord, id, data.DecisionApprove, "referee called back", view...)
		}},
		{"suspend", data.ActionVettingSuspend, func(view ...app.View) (app.Interpreter, error) {
			return a.DecideVetting(ctx, coord, id, data.DecisionSuspend, "lapsed", view...)
		}},
	}
	for i, step := range steps {
		view := []app.View{app.ViewFull}
		if i%2 == 0 {
			view = nil // the default: the reduced view
		}
		changes = nil
		got, err := step.change(view...)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		want := []data.Action{step.action}
		if view != nil {
			want = append(want, data.ActionInterpreterReadSensitive)
		}
		if len(changes) != 1 {
			t.Fatalf("%s: %d changes landed, want 1", step.name, len(changes))
		}
		var actions []data.Action
		for _, entry := range changes[0].Audit {
			actions = append(actions, entry.Action)
			if entry.Actor != coord.ID || entry.EntityID != id || !entry.At.Equal(changes[0].Audit[0].At) {
				t.Errorf("%s: entry %+v, want the coordinator's, of %s, at the change's time", step.name, entry, id)
			}
		}
		if diff := cmp.Diff(want, actions); diff != "" {
			t.Errorf("%s (view %v): the change's entries (-want +got):\n%s", step.name, view, diff)
		}
		if got.Full != (view != nil) || sensitive(got) != (view != nil) {
			t.Errorf("%s (view %v): answered full %v with sensitive fields %v", step.name, view, got.Full, sensitive(got))
		}
	}
	e.checkConsistent()
}

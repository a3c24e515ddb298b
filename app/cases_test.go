package app_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// TestCaseRoles: social workers and coordinators work on cases; admins,
// the bootstrap admin included, do not.
func TestCaseRoles(t *testing.T) {
	type op func(e *env, actor data.User, c data.Case) error
	ops := map[string]op{
		"CreateCase": func(e *env, actor data.User, _ data.Case) error {
			_, err := e.app.CreateCase(e.t.Context(), actor, caseFields("NEW-1"))
			return err
		},
		"GetCase": func(e *env, actor data.User, c data.Case) error {
			_, err := e.app.GetCase(e.t.Context(), actor, c.ID)
			return err
		},
		"UpdateCase": func(e *env, actor data.User, c data.Case) error {
			cur, err := e.store.Case(e.t.Context(), c.ID)
			if err != nil {
				return err
			}
			_, err = e.app.UpdateCase(e.t.Context(), actor, c.ID, cur.Version, caseFields("NR-1-renamed"))
			return err
		},
		"ListCases": func(e *env, actor data.User, _ data.Case) error {
			_, err := e.app.ListCases(e.t.Context(), actor, "", 0)
			return err
		},
		"Match": func(e *env, actor data.User, c data.Case) error {
			_, err := e.app.Match(e.t.Context(), actor, c.ID, app.MatchRequest{
				Start: interview, End: interview.Add(time.Hour), InterviewType: data.InterviewABEPolice, Modality: data.ModalityVideo,
			})
			return err
		},
	}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			c := e.newCase(e.north[data.RoleSocialWorker], "NR-1")
			for who, actor := range e.roles() {
				t.Run(who, func(t *testing.T) {
					want := allow
					if actor.Role == data.RoleAdmin {
						want = app.KindForbidden
					}
					expect(t, op(e, actor, c), want)
				})
			}
		})
	}
}

// TestCaseIsolation: another organisation's case is not found by any use
// case, never forbidden, and not listed.
func TestCaseIsolation(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	theirs := e.newCase(e.south[data.RoleSocialWorker], "SO-1")
	in := e.approved("hana")
	for _, actor := range []data.User{e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]} {
		_, err := e.app.GetCase(ctx, actor, theirs.ID)
		wantCode(t, err, app.KindNotFound, "not_found")
		_, err = e.app.UpdateCase(ctx, actor, theirs.ID, 1, caseFields("TAKEN"))
		wantKind(t, err, app.KindNotFound)
		_, err = e.app.Match(ctx, actor, theirs.ID, app.MatchRequest{
			Start: interview, End: interview.Add(time.Hour), InterviewType: data.InterviewABEPolice, Modality: data.ModalityVideo,
		})
		wantKind(t, err, app.KindNotFound)
		// Booking for it names the same field as booking for no case.
		_, _, err = e.app.CreateBooking(ctx, actor, request(theirs.ID, in.ID, 0))
		f := wantKind(t, err, app.KindInvalid)
		_, _, err = e.app.CreateBooking(ctx, actor, request("no-such-case", in.ID, 0))
		if g := app.Classify(err); !cmp.Equal(f, g) {
			t.Errorf("another organisation's case answers %+v, no case %+v", f, g)
		}
		page, err := e.app.ListCases(ctx, actor, "", 0)
		if err != nil || len(page.Items) != 0 {
			t.Errorf("north lists %d cases, %v; want none", len(page.Items), err)
		}
	}
	if got, _ := e.store.Case(ctx, theirs.ID); got.Version != 1 || got.Reference != "SO-1" {
		t.Errorf("south's case changed: %+v", got)
	}
	if page, _ := e.store.ListBookings(ctx, data.BookingQuery{Organisation: "south"}); len(page.Items) != 0 {
		t.Errorf("a booking landed for south's case: %+v", page.Items)
	}
}

func TestCreateCase(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	fields := caseFields(" NR-7 ")
	fields.ID, fields.Organisation, fields.CreatedBy, fields.Version = "mine", "south", "someone", 9
	fields.Child.Languages = []string{"CKB"}
	c, err := e.app.CreateCase(ctx, sw, fields)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == "mine" || c.Organisation != "north" || c.CreatedBy != sw.ID || c.Version != 1 || c.Reference != "NR-7" ||
		c.Child.Languages[0] != "ckb" || !c.CreatedAt.Equal(testNow) {
		t.Errorf("created %+v", c)
	}
	if diff := cmp.Diff([]data.Action{data.ActionCaseCreated}, e.actions(c.ID)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}

	// Every problem at once: the case's own and an exclusion naming no one.
	bad := caseFields("")
	bad.ExcludedInterpreters = []data.CaseExclusion{{InterpreterID: "nobody", Reason: "conflict"}}
	_, err = e.app.CreateCase(ctx, sw, bad)
	f := wantKind(t, err, app.KindInvalid)
	want := []data.FieldError{{Field: "reference", Message: "is required"}, {Field: "excludedInterpreters[0].interpreterId", Message: "names no interpreter"}}
	if diff := cmp.Diff(want, f.Fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	in := e.approved("hana")
	good := caseFields("NR-8")
	good.ExcludedInterpreters = []data.CaseExclusion{{InterpreterID: in.ID, Reason: "conflict"}}
	if _, err := e.app.CreateCase(ctx, sw, good); err != nil {
		t.Errorf("excluding an interpreter who exists: %v", err)
	}
}

func TestUpdateCase(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw, coord := e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]
	c := e.newCase(sw, "NR-1")
	fields := caseFields("NR-1-B")
	fields.ID, fields.Organisation, fields.CreatedBy, fields.CreatedAt = "other", "south", "someone", testNow.AddDate(-1, 0, 0)

	e.now = e.now.Add(time.Hour)
	got, err := e.app.UpdateCase(ctx, coord, c.ID, 1, fields)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != c.ID || got.Organisation != "north" || got.CreatedBy != sw.ID || !got.CreatedAt.Equal(c.CreatedAt) ||
		got.Version != 2 || got.Reference != "NR-1-B" || !got.UpdatedAt.Equal(e.now) {
		t.Errorf("updated %+v", got)
	}
	_, err = e.app.UpdateCase(ctx, sw, c.ID, 1, caseFields("NR-1-C"))
	wantCode(t, err, app.KindStale, "precondition_failed")
	if se, ok := errors.AsType[*app.StaleError](err); !ok || se.Current != 2 {
		t.Errorf("err = %v, want a *StaleError naming version 2", err)
	}
	_, err = e.app.UpdateCase(ctx, sw, c.ID, 2, caseFields(""))
	wantKind(t, err, app.KindInvalid)
	_, err = e.app.UpdateCase(ctx, sw, "nobody", 1, caseFields("X"))
	wantKind(t, err, app.KindNotFound)
	// A new reference is screened against interpreters' case links.
	if diff := cmp.Diff([]data.Action{data.ActionCaseCreated, data.ActionCaseLinksChanged}, e.actions(c.ID)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	e.checkConsistent()
}

func TestListCases(t *testing.T) {
	e := newEnv(t)
	sw := e.north[data.RoleSocialWorker]
	var refs []string
	for _, ref := range []string{"NR-1", "NR-2", "NR-3"} {
		e.newCase(sw, ref)
		refs = append([]string{ref}, refs...) // newest first
	}
	e.newCase(e.south[data.RoleSocialWorker], "SO-1")
	var got []string
	cursor := ""
	for {
		page, err := e.app.ListCases(t.Context(), e.north[data.RoleCoordinator], cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Items {
			got = append(got, c.Reference)
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if diff := cmp.Diff(refs, got); diff != "" {
		t.Errorf("references (-want +got):\n%s", diff)
	}
}

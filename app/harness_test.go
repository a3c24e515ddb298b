package app_test

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
)

// testNow is the clock of every test: Sunday 2026-11-22 09:00 UTC.
var testNow = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// interview is the start of the tests' interview: the Monday after next,
// 10:00 UTC, 90 minutes long.
var interview = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)

// bootstrapKey is the bootstrap admin's key in every test.
const bootstrapKey = "bootstrap-key-of-the-app-tests-0123456789"

// env is the application over a real bolt store in a temporary directory,
// with a clock the test may move, and one user of each role in two
// organisations, north and south, made through the app by the bootstrap
// admin and each organisation's admin.
type env struct {
	t     testing.TB
	path  string      // the bolt file
	store *bolt.Store // the store itself, never wrapped
	app   *app.App    // the application over store
	now   time.Time   // the clock of every app of the env

	boot         data.User
	north, south map[data.Role]data.User
	keys         map[string]string // API key by user ID
}

// newEnv returns an env with its users.
func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, path: filepath.Join(t.TempDir(), "tolk.db"), now: testNow, keys: map[string]string{}}
	e.open()
	ctx := t.Context()
	if err := e.app.EnsureBootstrapAdmin(ctx, bootstrapKey); err != nil {
		t.Fatal(err)
	}
	boot, err := e.app.Authenticate(ctx, bootstrapKey)
	if err != nil {
		t.Fatal(err)
	}
	e.boot, e.keys[boot.ID] = boot, bootstrapKey
	e.north, e.south = e.organisation("north"), e.organisation("south")
	return e
}

// open opens the store at e.path and the app over it.
func (e *env) open() {
	e.t.Helper()
	s, err := bolt.Open(e.path)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { s.Close(e.t.Context()) })
	e.store, e.app = s, e.appOver(s)
}

// appOver returns an application over store (a wrapper of e.store) on
// the env's clock.
func (e *env) appOver(store data.Store) *app.App {
	return app.New(app.Config{Store: store, Now: func() time.Time { return e.now }})
}

// organisation makes an admin (by the bootstrap admin), then a
// coordinator and a social worker (by that admin) in org.
func (e *env) organisation(org string) map[data.Role]data.User {
	e.t.Helper()
	users := map[data.Role]data.User{}
	users[data.RoleAdmin] = e.user(e.boot, org, data.RoleAdmin, "admin")
	for _, r := range []data.Role{data.RoleCoordinator, data.RoleSocialWorker} {
		users[r] = e.user(users[data.RoleAdmin], org, r, string(r))
	}
	return users
}

// user makes a user through the app, keeping their key.
func (e *env) user(by data.User, org string, role data.Role, name string) data.User {
	e.t.Helper()
	u, key, err := e.app.CreateUser(e.t.Context(), by, app.NewUser{
		Name: "Test " + name, Email: name + "@" + org + ".example", Role: role, Organisation: org,
	})
	if err != nil {
		e.t.Fatalf("create %s in %s: %v", role, org, err)
	}
	e.keys[u.ID] = key
	return u
}

// clone returns a copy of the env on a copy of its store file, for a test
// that runs the same use case many times from the same start. It closes
// e's store: e itself is done with.
func (e *env) clone(t testing.TB) *env {
	t.Helper()
	if err := e.store.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	c := *e
	c.t, c.path = t, filepath.Join(t.TempDir(), "tolk.db")
	copyFile(t, e.path, c.path)
	c.open()
	return &c
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// eligible is an interpreter record that passes every hard rule for the
// tests' interview (abe_police, video or in person in GB-LND) of a case
// from caseFields: a cleared, trained, qualified woman speaking Sorani,
// with no community links. Tests change one thing at a time.
func eligible(name string) data.Interpreter {
	return data.Interpreter{
		Name: name, Email: strings.ReplaceAll(name, " ", ".") + "@interpreters.example", Phone: "+44 7700 900123", Gender: data.GenderFemale,
		Languages:      []data.LanguageSkill{{Tag: "ckb", Proficiency: data.ProficiencyNative}},
		Modalities:     []data.Modality{data.ModalityInPerson, data.ModalityVideo},
		Regions:        []string{"GB-LND"},
		Qualifications: []data.Qualification{{Kind: data.QualificationDPSI, Awarded: data.MustDate("2020-01-01")}},
		Training: []data.Training{
			{Kind: data.TrainingChildProtectionL2, Completed: data.MustDate("2025-01-01"), Expires: data.MustDate("2028-01-01")},
			{Kind: data.TrainingABEInterviewing, Completed: data.MustDate("2024-01-01")},
		},
		Clearance: data.Clearance{Level: data.ClearanceEnhancedBarredChildren, Certificate: "0099",
			Issued: data.MustDate("2025-01-01"), ValidUntil: data.MustDate("2028-01-01")},
		Agreements: data.Agreements{ConfidentialitySigned: data.MustDate("2025-01-01")},
		Experience: data.Experience{ChildInterviews: 10, TraffickingCases: 3, Years: 4},
	}
}

// interpreter creates a record as north's coordinator and, unless d is
// "", decides its vetting.
func (e *env) interpreter(fields data.Interpreter, d data.Decision) app.Interpreter {
	e.t.Helper()
	coord := e.north[data.RoleCoordinator]
	in, err := e.app.CreateInterpreter(e.t.Context(), coord, fields)
	if err != nil {
		e.t.Fatal(err)
	}
	if d != "" {
		if in, err = e.app.DecideVetting(e.t.Context(), coord, in.ID, d, "checked"); err != nil {
			e.t.Fatal(err)
		}
	}
	return in
}

// approved creates and approves an eligible interpreter.
func (e *env) approved(name string) app.Interpreter {
	e.t.Helper()
	return e.interpreter(eligible(name), data.DecisionApprove)
}

// caseFields is a case of a Sorani-speaking child, 12-15.
func caseFields(reference string) data.Case {
	return data.Case{Reference: reference, Child: data.Child{Languages: []string{"ckb"}, AgeBand: data.Age12To15}}
}

// newCase creates a case as actor.
func (e *env) newCase(actor data.User, reference string) data.Case {
	e.t.Helper()
	c, err := e.app.CreateCase(e.t.Context(), actor, caseFields(reference))
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// request is a booking of the tests' interview, shifted by days, by video.
func request(caseID, interpreterID string, days int) app.NewBooking {
	start := interview.AddDate(0, 0, days)
	return app.NewBooking{
		CaseID: caseID, InterpreterID: interpreterID, Start: start, End: start.Add(90 * time.Minute),
		InterviewType: data.InterviewABEPolice, Modality: data.ModalityVideo, JoinDetails: "https://meet.example.org/interview",
	}
}

// book books as actor.
func (e *env) book(actor data.User, nb app.NewBooking) data.Booking {
	e.t.Helper()
	b, _, err := e.app.CreateBooking(e.t.Context(), actor, nb)
	if err != nil {
		e.t.Fatalf("book: %v", err)
	}
	return b
}

// booking reads a booking from the store itself.
func (e *env) booking(id string) data.Booking {
	e.t.Helper()
	b, err := e.store.Booking(e.t.Context(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// actions lists the audit actions about an entity, oldest first.
func (e *env) actions(entityID string) []data.Action {
	e.t.Helper()
	page, err := e.store.ListAudit(e.t.Context(), data.AuditQuery{EntityID: entityID, Limit: data.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	out := []data.Action{}
	for _, a := range slices.Backward(page.Items) {
		out = append(out, a.Action)
	}
	return out
}

// kindNames names the kinds in failure messages.
var kindNames = map[app.Kind]string{
	app.KindInternal: "Internal", app.KindInvalid: "Invalid", app.KindUnauthenticated: "Unauthenticated",
	app.KindForbidden: "Forbidden", app.KindNotFound: "NotFound", app.KindConflict: "Conflict",
	app.KindStale: "Stale", app.KindUnprocessable: "Unprocessable", app.KindUnavailable: "Unavailable",
}

// wantKind fails the test unless err classifies as want; it returns the
// failure.
func wantKind(t testing.TB, err error, want app.Kind) app.Failure {
	t.Helper()
	if err == nil {
		t.Errorf("err = nil, want kind %s", kindNames[want])
		return app.Failure{}
	}
	f := app.Classify(err)
	if f.Kind != want {
		t.Errorf("err = %v: kind %s, want %s", err, kindNames[f.Kind], kindNames[want])
	}
	return f
}

// wantCode is wantKind that checks the failure's code too.
func wantCode(t testing.TB, err error, kind app.Kind, code string) app.Failure {
	t.Helper()
	f := wantKind(t, err, kind)
	if err != nil && f.Code != code {
		t.Errorf("err = %v: code %q, want %q", err, f.Code, code)
	}
	return f
}

// allow is the kind a table expects of a call that succeeds.
const allow app.Kind = -1

// roles are the actors of role tables: each role in north, and the
// bootstrap admin.
func (e *env) roles() map[string]data.User {
	return map[string]data.User{
		"admin": e.north[data.RoleAdmin], "coordinator": e.north[data.RoleCoordinator],
		"social_worker": e.north[data.RoleSocialWorker], "bootstrap": e.boot,
	}
}

// checkConsistent checks what a store must hold whatever failed: every
// versioned record has exactly one change entry per version (a record
// never changed without its entry, nor an entry landed without its
// change), and every entry about such a record names one that exists.
func (e *env) checkConsistent() {
	e.t.Helper()
	ctx := e.t.Context()
	versions := map[string]int64{} // by entity ID
	var users []data.User
	for _, org := range []string{"north", "south", app.BootstrapOrganisation} {
		cases, err := e.store.ListCases(ctx, data.CaseQuery{Organisation: org, Limit: data.MaxPageSize})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, c := range cases.Items {
			versions[c.ID] = c.Version
		}
		bookings, err := e.store.ListBookings(ctx, data.BookingQuery{Organisation: org, Limit: data.MaxPageSize})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, b := range bookings.Items {
			versions[b.ID] = b.Version
		}
		offers, err := e.store.ListOffers(ctx, data.OfferQuery{Organisation: org, Limit: data.MaxPageSize})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, o := range offers.Items {
			versions[o.ID] = o.Version
		}
		transfers, err := e.store.ListTransfers(ctx, data.TransferQuery{From: org, Limit: data.MaxPageSize})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, tr := range transfers.Items {
			versions[tr.ID] = 2 * tr.Version // each change is in both organisations' audits
		}
		unmet, err := e.store.ListUnmetNeed(ctx, data.UnmetNeedQuery{Organisation: org, Limit: data.MaxPageSize})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, u := range unmet.Items {
			versions[u.ID] = 1 // recorded once, never changed
		}
		us, err := e.store.ListUsers(ctx, data.UserQuery{Organisation: org, Limit: data.MaxPageSize})
		if err != nil {
			e.t.Fatal(err)
		}
		users = append(users, us.Items...)
	}
	for _, u := range users {
		feeds, err := e.store.ListFeeds(ctx, data.FeedQuery{Owner: u.ID, Limit: data.MaxPageSize})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, f := range feeds.Items {
			versions[f.ID] = f.Version
		}
	}
	ins, err := e.store.ListInterpreters(ctx, data.InterpreterQuery{Limit: data.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, in := range ins.Items {
		versions[in.ID] = in.Version
	}
	entries, err := e.store.ListAudit(ctx, data.AuditQuery{Limit: data.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	if entries.Next != "" {
		e.t.Fatal("checkConsistent reads one page of audit entries; the test wrote more")
	}
	changes := map[string]int64{}
	for _, a := range entries.Items {
		switch {
		case a.EntityType == data.EntityUser, a.EntityType == data.EntityStore, a.Action == data.ActionInterpreterReadSensitive, a.Action == data.ActionCaseLinksChurn,
			a.Action == data.ActionSafeguardingIncident:
			continue // users carry no version; a read, a notice or an incident (beside its outcome) changes nothing
		}
		if _, ok := versions[a.EntityID]; !ok {
			e.t.Errorf("audit entry %s (%s) names %s %s, which the store does not hold", a.ID, a.Action, a.EntityType, a.EntityID)
		}
		changes[a.EntityID]++
	}
	for id, v := range versions {
		if changes[id] != v {
			e.t.Errorf("record %s is at version %d but has %d change entries", id, v, changes[id])
		}
	}
}

// expect checks err against a table's expectation (allow: no error) and
// reports whether the call succeeded.
func expect(t testing.TB, err error, want app.Kind) bool {
	t.Helper()
	if want == allow {
		if err != nil {
			t.Errorf("err = %v (kind %s), want none", err, kindNames[app.Classify(err).Kind])
		}
		return err == nil
	}
	wantKind(t, err, want)
	return false
}

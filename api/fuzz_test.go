package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// FuzzRequestBodies sends each fuzzed body to every endpoint that reads a
// JSON body, through the real app on a bolt store, as a caller allowed to
// use it. No body may draw a 5xx or take long; every 4xx is problem+json
// and writes nothing: no store write succeeds and the audit log does not
// grow. In a body, $CASE, $INTERPRETER and $TARGET stand for the IDs of
// the fixtures (a case, an approved interpreter to book, an interpreter to
// update and vet), so that the fuzzer can reach past "no such record".
func FuzzRequestBodies(f *testing.F) {
	fx := newBodyFixtures(f)
	for _, seed := range []string{
		``, ` `, `{}`, `[]`, `null`, `{"a":1}`, `{"name":"x"} {}`, `{"name":"x"`, "{\"name\":\"\xff\"}",
		`{"name":"Ann","email":"ann@north.example","role":"coordinator"}`,
		`{"name":"Ann","email":"ann@north.example","role":"admin","organisation":"south"}`,
		`{"name":"Selam","email":"selam@example.org","gender":"female","languages":[{"tag":"ti","proficiency":"native"}],"regions":["gb-lnd"],"communityLinks":[{"kind":"country","value":"er"}],"clearance":{"level":"enhanced","certificate":"1","issued":"2024-01-10","validUntil":"2027-01-01"}}`,
		`{"id":"$TARGET","name":"Selam","email":"selam@example.org","gender":"female","languages":[{"tag":"x-klingon","proficiency":"native"}],"training":[{"kind":"child_protection_l2","completed":"2025-02-30"}]}`,
		`{"reference":"NR-1","child":{"languages":[{"tag":"ckb"}],"communityLinks":[{"kind":"region","value":"iq-su"}]},"excludedInterpreters":[{"interpreterId":"$TARGET"}]}`,
		`{"start":"2026-11-30T10:00:00Z","end":"2026-11-30T11:30:00Z","interviewType":"abe_police","modality":"video","limit":5}`,
		`{"caseId":"$CASE","interpreterId":"$INTERPRETER","start":"2026-12-20T10:00:00Z","end":"2026-12-20T11:00:00Z","interviewType":"abe_police","modality":"video","location":"Room 1","joinDetails":"https://meet.example.org/r1"}`,
		`{"start":"2026-12-21T10:00:00Z","end":"2026-12-21T09:00:00Z","location":"a\u0000b"}`,
		`{"reason":"the police moved the interview"}`,
		`{"attended":true,"childComfortable":false,"note":"ok"}`,
		`{"scope":"interpreter","interpreterId":"$TARGET"}`, `{"scope":"mine"}`,
		`{"decision":"approve","note":"checked"}`, `{"decision":"suspend"}`,
		`{"start":"0001-01-01T00:00:00Z","end":"9999-12-31T23:59:59Z","limit":-1,"region":"GB-LND","modality":"in_person"}`,
		`{"languages":[` + strings.Repeat(`{"tag":"ckb","proficiency":"native"},`, 30) + `{}]}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fx.h.t = t
		fx.send(strings.NewReplacer("$CASE", fx.caseID, "$INTERPRETER", fx.bookable, "$TARGET", fx.target).Replace(body))
	})
}

// bodyFixtures is the state FuzzRequestBodies sends bodies against, built
// once per fuzzing process and kept usable: a version that a 2xx changes is
// followed, and a booking that a 2xx ends is replaced.
type bodyFixtures struct {
	h      *harness
	store  *writeCounter
	caseID string
	// bookable is approved and books; target is updated and vetted.
	bookable, target           string
	targetVersion, caseVersion int64
	booking                    string
	slot                       int // the last slot booked, in hours after the first
}

func newBodyFixtures(f *testing.F) *bodyFixtures {
	h := newHarness(f)
	counter := &writeCounter{Store: h.store}
	h.serve(counter)
	fx := &bodyFixtures{h: h, store: counter, bookable: h.approved(soraniInterpreter("bookable"))}
	target := h.createInterpreter(validInterpreter())
	fx.target, fx.targetVersion = target.ID, target.Version
	c := h.createCase(data.RoleSocialWorker, soraniCase())
	fx.caseID, fx.caseVersion = c.ID, c.Version
	fx.book()
	return fx
}

// book replaces the fixture booking with a new one in the next free slot.
func (fx *bodyFixtures) book() {
	fx.h.t.Helper()
	first := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	for range 50 {
		fx.slot++
		start := first.Add(time.Duration(fx.slot) * time.Hour)
		body := bookingBody(fx.caseID, fx.bookable)
		body["start"], body["end"] = start.Format(time.RFC3339), start.Add(30*time.Minute).Format(time.RFC3339)
		r := fx.h.do(data.RoleSocialWorker, "POST", "/v1/bookings", body)
		if r.status == http.StatusCreated {
			var b bookingView
			r.json(fx.h.t, &b)
			fx.booking = b.ID
			return
		}
		switch r.status {
		case http.StatusConflict: // a slot taken by a fuzzed booking
		case http.StatusUnprocessableEntity, http.StatusBadRequest:
			// The case was changed or the child was uncomfortable with
			// the interpreter: book for a new case.
			c := fx.h.createCase(data.RoleSocialWorker, soraniCase())
			fx.caseID, fx.caseVersion = c.ID, c.Version
		default:
			fx.h.t.Fatalf("book the fixture: %d %s", r.status, r.body)
		}
	}
	fx.h.t.Fatal("book the fixture: no free slot in 50")
}

// bodyRequest is one endpoint a body goes to.
type bodyRequest struct {
	role         data.Role
	method, path string
	headers      []string
	now          time.Time // the clock for this request, when not the harness's
	after        func(r response)
}

func (fx *bodyFixtures) requests() []bodyRequest {
	etag := func(v *int64) func(response) {
		return func(r response) {
			if n, err := strconv.ParseInt(strings.Trim(r.header.Get("ETag"), `"`), 10, 64); err == nil {
				*v = n
			}
		}
	}
	ifMatch := func(v int64) []string { return []string{"If-Match", strconv.Quote(strconv.FormatInt(v, 10))} }
	rebook := func(response) { fx.book() }
	bk := "/v1/bookings/" + fx.booking
	return []bodyRequest{
		{role: data.RoleAdmin, method: "POST", path: "/v1/users"},
		{role: data.RoleCoordinator, method: "POST", path: "/v1/interpreters"},
		{role: data.RoleCoordinator, method: "PUT", path: "/v1/interpreters/" + fx.target, headers: ifMatch(fx.targetVersion), after: etag(&fx.targetVersion)},
		{role: data.RoleCoordinator, method: "POST", path: "/v1/interpreters/" + fx.target + "/vetting", after: etag(&fx.targetVersion)},
		{role: data.RoleSocialWorker, method: "POST", path: "/v1/cases"},
		{role: data.RoleSocialWorker, method: "PUT", path: "/v1/cases/" + fx.caseID, headers: ifMatch(fx.caseVersion), after: etag(&fx.caseVersion)},
		{role: data.RoleSocialWorker, method: "POST", path: "/v1/cases/" + fx.caseID + "/matches"},
		{role: data.RoleSocialWorker, method: "POST", path: "/v1/bookings"},
		{role: data.RoleSocialWorker, method: "PATCH", path: bk},
		// An outcome is taken once the interview has started: a year on.
		{role: data.RoleSocialWorker, method: "POST", path: bk + "/outcome", now: testNow.AddDate(1, 0, 0), after: rebook},
		{role: data.RoleSocialWorker, method: "POST", path: bk + "/cancel", after: rebook},
		{role: data.RoleSocialWorker, method: "POST", path: "/v1/feeds"},
	}
}

// send sends body to every endpoint and checks each answer.
func (fx *bodyFixtures) send(body string) {
	h := fx.h
	h.t.Helper()
	for _, rq := range fx.requests() {
		writes, newest := fx.store.writes.Load(), fx.newestAudit()
		if !rq.now.IsZero() {
			h.now = rq.now
		}
		began := time.Now()
		r := h.do(rq.role, rq.method, rq.path, body, rq.headers...)
		took := time.Since(began)
		h.now = testNow
		what := fmt.Sprintf("%s %s with body %q", rq.method, rq.path, body)
		switch {
		case took > 2*time.Second:
			h.t.Fatalf("%s took %s", what, took)
		case r.status >= 200 && r.status < 300:
			if rq.after != nil {
				rq.after(r)
			}
			continue
		case r.status < 400 || r.status >= 500:
			h.t.Fatalf("%s: %d %s", what, r.status, r.body)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
			h.t.Fatalf("%s: %d with Content-Type %q", what, r.status, ct)
		}
		p := r.problem(h.t)
		if p.Status != r.status || p.Code == "" || p.Type != problemTypeBase+p.Code || p.Detail == "" || len(p.Errors) > data.MaxFieldErrors+1 {
			h.t.Fatalf("%s: %d with problem %+v", what, r.status, p)
		}
		if n := len(r.body); n > 32<<10 {
			h.t.Fatalf("%s: %d answer of %d bytes", what, r.status, n)
		}
		if w := fx.store.writes.Load() - writes; w != 0 {
			h.t.Fatalf("%s: %d (%s) after %d store writes", what, r.status, p.Code, w)
		}
		if got := fx.newestAudit(); got != newest {
			h.t.Fatalf("%s: %d (%s) after audit entry %s was added", what, r.status, p.Code, got)
		}
	}
}

// newestAudit returns the ID of the newest audit entry. IDs minted in one
// process only increase, so the log grew exactly when this changed.
func (fx *bodyFixtures) newestAudit() string {
	fx.h.t.Helper()
	page, err := fx.store.ListAudit(fx.h.t.Context(), data.AuditQuery{Limit: 1})
	if err != nil || len(page.Items) == 0 {
		fx.h.t.Fatalf("newest audit entry: %v (%d entries)", err, len(page.Items))
	}
	return page.Items[0].ID
}

// writeCounter is a store that counts the writes that succeed.
type writeCounter struct {
	data.Store
	writes atomic.Int64
}

func (s *writeCounter) count(err error) error {
	if err == nil {
		s.writes.Add(1)
	}
	return err
}

func (s *writeCounter) CreateUser(ctx context.Context, u data.User, ch data.Change) error {
	return s.count(s.Store.CreateUser(ctx, u, ch))
}

// counted wraps an update function so that only a change that lands (not
// ErrNoChange, not a refusal) is counted, once however often the store
// runs the function.
func counted[T any](s *writeCounter, fn data.Update[T], update func(data.Update[T]) (T, error)) (T, error) {
	wrote := false
	out, err := update(func(cur T) (T, data.Change, error) {
		next, ch, err := fn(cur)
		wrote = err == nil
		return next, ch, err
	})
	if wrote {
		s.count(err)
	}
	return out, err
}

func (s *writeCounter) UpdateUser(ctx context.Context, id string, fn data.Update[data.User]) (data.User, error) {
	return counted(s, fn, func(f data.Update[data.User]) (data.User, error) { return s.Store.UpdateUser(ctx, id, f) })
}

func (s *writeCounter) AppendChange(ctx context.Context, ch data.Change) error {
	return s.count(s.Store.AppendChange(ctx, ch))
}

func (s *writeCounter) CreateInterpreter(ctx context.Context, in data.Interpreter, ch data.Change) error {
	return s.count(s.Store.CreateInterpreter(ctx, in, ch))
}

func (s *writeCounter) UpdateInterpreter(ctx context.Context, id string, fn data.Update[data.Interpreter]) (data.Interpreter, error) {
	return counted(s, fn, func(f data.Update[data.Interpreter]) (data.Interpreter, error) {
		return s.Store.UpdateInterpreter(ctx, id, f)
	})
}

func (s *writeCounter) CreateCase(ctx context.Context, c data.Case, ch data.Change) error {
	return s.count(s.Store.CreateCase(ctx, c, ch))
}

func (s *writeCounter) UpdateCase(ctx context.Context, id string, fn data.Update[data.Case]) (data.Case, error) {
	return counted(s, fn, func(f data.Update[data.Case]) (data.Case, error) { return s.Store.UpdateCase(ctx, id, f) })
}

func (s *writeCounter) CreateBooking(ctx context.Context, b data.Booking, ch data.Change) error {
	return s.count(s.Store.CreateBooking(ctx, b, ch))
}

func (s *writeCounter) UpdateBooking(ctx context.Context, id string, fn data.Update[data.Booking]) (data.Booking, error) {
	return counted(s, fn, func(f data.Update[data.Booking]) (data.Booking, error) { return s.Store.UpdateBooking(ctx, id, f) })
}

func (s *writeCounter) CreateFeed(ctx context.Context, f data.Feed, ch data.Change) error {
	return s.count(s.Store.CreateFeed(ctx, f, ch))
}

func (s *writeCounter) UpdateFeed(ctx context.Context, id string, fn data.Update[data.Feed]) (data.Feed, error) {
	return counted(s, fn, func(f data.Update[data.Feed]) (data.Feed, error) { return s.Store.UpdateFeed(ctx, id, f) })
}

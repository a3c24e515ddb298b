package datatest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// runSessions runs the conformance tests of web sessions.
func runSessions(t *testing.T, newDB NewDatabase) {
	t.Run("Sessions", func(t *testing.T) { testSessions(t, newDB(t)()) })
	t.Run("SessionTouch", func(t *testing.T) { testSessionTouch(t, newDB(t)()) })
	t.Run("SessionEnd", func(t *testing.T) { testSessionEnd(t, newDB(t)()) })
	t.Run("SessionPaging", func(t *testing.T) { testSessionPaging(t, newDB(t)()) })
	t.Run("SessionRetention", func(t *testing.T) { testSessionRetention(t, newDB(t)()) })
	t.Run("SignInRetention", func(t *testing.T) { testSignInRetention(t, newDB(t)()) })
	t.Run("ConcurrentSessionEnds", func(t *testing.T) { testConcurrentSessionEnds(t, newDB(t)) })
	t.Run("ConcurrentSessionTouches", func(t *testing.T) { testConcurrentSessionTouches(t, newDB(t)) })
}

// newSession is a live session of user, in north, created n minutes after
// base (nanoseconds and a zone: normalised), whose ID is the hash of a
// token of its own.
func newSession(n int, user string) data.Session {
	now := base.Add(time.Duration(n) * time.Minute)
	return data.Session{
		ID: data.HashKey(fmt.Sprintf("session-token-%d", n)), UserID: user, Organisation: "north", Method: "key",
		CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(12 * time.Hour),
	}
}

// storedSession returns s as a store gives it back: times in UTC, to the millisecond.
func storedSession(s data.Session) data.Session {
	s.CreatedAt, s.LastSeen = data.Timestamp(s.CreatedAt), data.Timestamp(s.LastSeen)
	s.ExpiresAt, s.EndedAt = data.Timestamp(s.ExpiresAt), data.Timestamp(s.EndedAt)
	return s
}

// entitySession is the entity type of the suite's session entries, so a
// session's history can be listed by its ID. (The service audits sign-ins
// and sign-outs against the user.)
const entitySession data.EntityType = "session"

func sessionAudit(s data.Session, action data.Action) data.AuditEntry {
	return data.NewAuditEntry(base, actor, s.Organisation, action, entitySession, s.ID)
}

func sessionChange(s data.Session, action data.Action) data.Change {
	return data.Audited(sessionAudit(s, action))
}

func createSession(t *testing.T, s data.Store, sess data.Session) {
	t.Helper()
	if err := s.CreateSession(t.Context(), sess, sessionChange(sess, data.ActionSessionStartedKey)); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
}

// wantSession fails the test unless the stored session is want.
func wantSession(t *testing.T, s data.Store, want data.Session, what string) {
	t.Helper()
	got, err := s.Session(t.Context(), want.ID)
	if err != nil {
		t.Fatalf("%s: Session: %v", what, err)
	}
	if diff := cmp.Diff(storedSession(want), got, cmpOpts); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}

// testSessions: every field round-trips, in UTC and to the millisecond,
// with its audit entry; a taken ID, a missing ID or user refuse a create,
// writing nothing; an unknown session is not found.
func testSessions(t *testing.T, s data.Store) {
	ctx := t.Context()
	live := newSession(1, "u-1")
	ended := newSession(2, "u-1")
	ended.Method, ended.EndedAt = "oidc", base.Add(time.Hour)
	for _, sess := range []data.Session{live, ended} {
		createSession(t, s, sess)
		wantSession(t, s, sess, "Session round trip")
		got, err := s.Session(ctx, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Ended() != !sess.EndedAt.IsZero() {
			t.Errorf("Session(%s).Ended() = %v", sess.ID, got.Ended())
		}
		for name, at := range map[string]time.Time{"CreatedAt": got.CreatedAt, "LastSeen": got.LastSeen, "ExpiresAt": got.ExpiresAt} {
			if at.Location() != time.UTC || at.Nanosecond()%int(time.Millisecond) != 0 {
				t.Errorf("Session(%s).%s = %v, want UTC to the millisecond", sess.ID, name, at)
			}
		}
		if got := auditActions(t, s, sess.ID); !slices.Equal(got, []data.Action{data.ActionSessionStartedKey}) {
			t.Errorf("audit of a created session = %v, want [session.created]", got)
		}
	}
	if page, err := s.ListSessions(ctx, data.SessionQuery{UserID: "u-1"}); err != nil || len(page.Items) != 1 || page.Items[0].ID != live.ID {
		t.Errorf("ListSessions = %v, %v; want the live session only", page.Items, err)
	}
	if _, err := s.Session(ctx, data.HashKey("nobody's token")); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("Session(unknown): %v, want ErrNotFound", err)
	}

	sameID := newSession(3, "u-2")
	sameID.ID = live.ID
	entry := sessionAudit(sameID, data.ActionSessionStartedKey)
	entry.EntityID = "refused-session"
	if err := s.CreateSession(ctx, sameID, data.Audited(entry)); !errors.Is(err, data.ErrDuplicate) {
		t.Errorf("CreateSession with a taken ID: %v, want ErrDuplicate", err)
	}
	if got := auditActions(t, s, entry.EntityID); len(got) != 0 {
		t.Errorf("a refused create was audited: %v", got)
	}
	wantSession(t, s, live, "session after a refused create of its ID")
	if page, err := s.ListSessions(ctx, data.SessionQuery{UserID: "u-2"}); err != nil || len(page.Items) != 0 {
		t.Errorf("a refused create is listed: %v, %v", page.Items, err)
	}
	for name, sess := range map[string]data.Session{"ID": {UserID: "u-1"}, "user": newSession(4, "")} {
		if err := s.CreateSession(ctx, sess, sessionChange(sess, data.ActionSessionStartedKey)); !errors.Is(err, data.ErrInvalid) {
			t.Errorf("CreateSession without a %s: %v, want ErrInvalid", name, err)
		}
	}
}

// testSessionTouch: TouchSession moves LastSeen forward only, to the
// millisecond, writes no audit entry, and leaves an ended session alone.
func testSessionTouch(t *testing.T, s data.Store) {
	ctx := t.Context()
	sess := newSession(1, "u-1")
	createSession(t, s, sess)
	want := sess
	for _, tc := range []struct {
		at    time.Time
		moves bool
	}{
		{sess.LastSeen.Add(90 * time.Second), true},
		{sess.LastSeen.Add(30 * time.Second), false},                  // earlier
		{sess.LastSeen.Add(90*time.Second + time.Microsecond), false}, // the same millisecond
		{sess.LastSeen.Add(5 * time.Minute), true},
	} {
		if err := s.TouchSession(ctx, sess.ID, tc.at); err != nil {
			t.Fatalf("TouchSession(%v): %v", tc.at, err)
		}
		if tc.moves {
			want.LastSeen = tc.at
		}
		wantSession(t, s, want, fmt.Sprintf("after TouchSession(%v)", tc.at))
	}
	if page, err := s.ListSessions(ctx, data.SessionQuery{UserID: "u-1"}); err != nil || len(page.Items) != 1 ||
		!cmp.Equal(storedSession(want), page.Items[0], cmpOpts) {
		t.Errorf("ListSessions after touches = %+v, %v; want the touched session", page.Items, err)
	}
	if got := auditActions(t, s, sess.ID); !slices.Equal(got, []data.Action{data.ActionSessionStartedKey}) {
		t.Errorf("touches were audited: %v", got)
	}
	if err := s.TouchSession(ctx, data.HashKey("nobody's token"), base); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("TouchSession(unknown): %v, want ErrNotFound", err)
	}

	end := base.Add(time.Hour)
	if _, err := s.EndSession(ctx, sess.ID, end, sessionChange(sess, data.ActionSessionEnded)); err != nil {
		t.Fatalf("EndSession: %v", err)
	}
	want.EndedAt = end
	if err := s.TouchSession(ctx, sess.ID, end.Add(time.Hour)); err != nil {
		t.Errorf("TouchSession of an ended session: %v, want nil", err)
	}
	wantSession(t, s, want, "ended session after TouchSession")
}

// testSessionEnd: EndSession stores the end with its audit entry and
// returns what it stored; ending again is ErrConflict, writing nothing.
func testSessionEnd(t *testing.T, s data.Store) {
	ctx := t.Context()
	sess := newSession(1, "u-1")
	createSession(t, s, sess)
	touched := sess.LastSeen.Add(2 * time.Minute)
	if err := s.TouchSession(ctx, sess.ID, touched); err != nil {
		t.Fatal(err)
	}
	want := sess
	want.LastSeen, want.EndedAt = touched, base.Add(time.Hour+time.Nanosecond)
	got, err := s.EndSession(ctx, sess.ID, want.EndedAt, sessionChange(sess, data.ActionSessionEnded))
	if err != nil {
		t.Fatalf("EndSession: %v", err)
	}
	if diff := cmp.Diff(storedSession(want), got, cmpOpts); diff != "" || !got.Ended() {
		t.Errorf("EndSession result (-want +got):\n%s", diff)
	}
	wantSession(t, s, want, "Session after EndSession")
	if got := auditActions(t, s, sess.ID); !slices.Equal(got, []data.Action{data.ActionSessionStartedKey, data.ActionSessionEnded}) {
		t.Errorf("audit after EndSession = %v, want [session.created session.ended]", got)
	}

	again := sessionAudit(sess, data.ActionSessionEnded)
	if _, err := s.EndSession(ctx, sess.ID, base.Add(2*time.Hour), data.Audited(again)); !errors.Is(err, data.ErrConflict) {
		t.Errorf("second EndSession: %v, want ErrConflict", err)
	}
	wantSession(t, s, want, "Session after a refused second EndSession")
	page, err := s.ListAudit(ctx, data.AuditQuery{EntityID: sess.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2 || slices.ContainsFunc(page.Items, func(e data.AuditEntry) bool { return e.ID == again.ID }) {
		t.Errorf("a refused second EndSession was audited: %+v", page.Items)
	}

	unknown := newSession(9, "u-1")
	if _, err := s.EndSession(ctx, unknown.ID, base, sessionChange(unknown, data.ActionSessionEnded)); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("EndSession(unknown): %v, want ErrNotFound", err)
	}
	if got := auditActions(t, s, unknown.ID); len(got) != 0 {
		t.Errorf("EndSession of an unknown session was audited: %v", got)
	}
	live := newSession(10, "u-1")
	createSession(t, s, live)
	if _, err := s.EndSession(ctx, live.ID, time.Time{}, sessionChange(live, data.ActionSessionEnded)); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("EndSession at the zero time: %v, want ErrInvalid", err)
	}
	wantSession(t, s, live, "session after a refused EndSession at the zero time")
}

// testSessionPaging pages through one user's live sessions, two at a time,
// while ended sessions of the user and sessions of other users (one whose
// ID extends the user's) sit between them in ID order.
func testSessionPaging(t *testing.T, s data.Store) {
	ctx := t.Context()
	var want []data.Session
	for i := range 5 {
		mine := newSession(4*i, "u-1")
		gone := newSession(4*i+1, "u-1")
		for _, sess := range []data.Session{newSession(4*i+2, "u-10"), mine, gone, newSession(4*i+3, "u-2")} {
			createSession(t, s, sess)
		}
		if _, err := s.EndSession(ctx, gone.ID, base.Add(time.Hour), sessionChange(gone, data.ActionSessionEnded)); err != nil {
			t.Fatal(err)
		}
		want = append(want, storedSession(mine))
	}
	slices.SortFunc(want, func(a, b data.Session) int { return cmpString(a.ID, b.ID) })
	var got []data.Session
	q := data.SessionQuery{UserID: "u-1", Limit: 2}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		page, err := s.ListSessions(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > 2 || (page.Next != "" && len(page.Items) != 2) {
			t.Fatalf("page of %d with next %q, limit 2", len(page.Items), page.Next)
		}
		got = append(got, page.Items...)
		if page.Next == "" {
			if pages != 2 {
				t.Errorf("5 sessions in %d pages of 2, want 3", pages+1)
			}
			break
		}
		q.After = page.Next
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("paged live sessions of u-1 (-want +got):\n%s", diff)
	}
	if page, err := s.ListSessions(ctx, data.SessionQuery{UserID: "u-9"}); err != nil || len(page.Items) != 0 || page.Next != "" {
		t.Errorf("ListSessions of a user without sessions: %v, %q, %v", page.Items, page.Next, err)
	}
	if _, err := s.ListSessions(ctx, data.SessionQuery{}); !errors.Is(err, data.ErrInvalid) {
		t.Errorf("ListSessions without a user: %v, want ErrInvalid", err)
	}
}

// testConcurrentSessionEnds races writers ending one session through two
// store instances: exactly one ends it, with its audit entry; every other
// writer gets ErrConflict.
func testConcurrentSessionEnds(t *testing.T, open func() data.Store) {
	ctx := t.Context()
	stores := []data.Store{open(), open()}
	sess := newSession(1, "u-1")
	createSession(t, stores[0], sess)
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			_, errs[i] = stores[i%2].EndSession(ctx, sess.ID, base.Add(time.Duration(i+1)*time.Minute), sessionChange(sess, data.ActionSessionEnded))
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("writers %d and %d both ended the session", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, data.ErrConflict):
			t.Errorf("writer %d: %v, want ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no writer ended the session")
	}
	want := sess
	want.EndedAt = base.Add(time.Duration(winner+1) * time.Minute)
	wantSession(t, stores[1], want, "session after the race")
	if got := auditActions(t, stores[0], sess.ID); !slices.Equal(got, []data.Action{data.ActionSessionStartedKey, data.ActionSessionEnded}) {
		t.Errorf("audit after the race = %v, want the creation and exactly one end", got)
	}
}

// testConcurrentSessionTouches races touches through two store instances:
// LastSeen ends at the latest, whatever the order; then touches racing the
// session's end never undo it.
func testConcurrentSessionTouches(t *testing.T, open func() data.Store) {
	ctx := t.Context()
	stores := []data.Store{open(), open()}
	sess := newSession(1, "u-1")
	createSession(t, stores[0], sess)
	const writers = 8
	touch := func(i int) time.Time { return sess.LastSeen.Add(time.Duration(i+1) * time.Second) }
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() { errs[i] = stores[i%2].TouchSession(ctx, sess.ID, touch(i)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("touch %d: %v", i, err)
		}
	}
	want := sess
	want.LastSeen = touch(writers - 1)
	wantSession(t, stores[1], want, "session after racing touches")

	end := base.Add(time.Hour)
	var endErr error
	for i := range writers {
		wg.Go(func() { errs[i] = stores[i%2].TouchSession(ctx, sess.ID, touch(writers+i)) })
	}
	wg.Go(func() {
		_, endErr = stores[0].EndSession(ctx, sess.ID, end, sessionChange(sess, data.ActionSessionEnded))
	})
	wg.Wait()
	if endErr != nil {
		t.Fatalf("EndSession among touches: %v", endErr)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("touch %d racing the end: %v", i, err)
		}
	}
	for _, st := range stores {
		got, err := st.Session(ctx, sess.ID)
		if err != nil || !got.EndedAt.Equal(data.Timestamp(end)) || got.LastSeen.Before(data.Timestamp(want.LastSeen)) {
			t.Errorf("session after touches racing its end: %+v, %v; want ended at %v", got, err, end)
		}
		if page, err := st.ListSessions(ctx, data.SessionQuery{UserID: sess.UserID}); err != nil || len(page.Items) != 0 {
			t.Errorf("ended session listed after touches racing its end: %v, %v", page.Items, err)
		}
	}
}

package app_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// outbox lists the messages of an organisation (all of them, newest
// first) straight from the store.
func (e *env) outbox(org string) []data.Message {
	e.t.Helper()
	page, err := e.store.ListMessages(e.t.Context(), data.MessageQuery{Organisation: org, Limit: data.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	return page.Items
}

func ofKind(ms []data.Message, kind data.MessageKind) []data.Message {
	var out []data.Message
	for _, m := range ms {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// fakeSender records what it is asked to send and answers with fail's
// error for each message, if set.
type fakeSender struct {
	mu   sync.Mutex
	sent []data.Message
	fail func(data.Message) error
}

func (s *fakeSender) Send(_ context.Context, m data.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		if err := s.fail(m); err != nil {
			return err
		}
	}
	s.sent = append(s.sent, m)
	return nil
}

var linkPattern = regexp.MustCompile(`/respond/(tolkans_[A-Z0-9]+)`)

// TestOfferMessagesAndTheirLink: a cascade's first interpreter is sent an
// invitation whose single-use link answers it without signing in; the
// link books them, and is dead after; the social worker hears of it; the
// booking's calendar invitation goes to the interpreter.
func TestOfferMessagesAndTheirLink(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.north[data.RoleSocialWorker]
	a, b := e.approved("Ana Aziz"), e.approved("Bea Baran")
	cs := e.newCase(sw, "MAIL-1")
	o, err := e.app.CreateOffer(ctx, sw, offer(cs.ID, data.OfferCascade, a.ID, b.ID))
	if err != nil {
		t.Fatal(err)
	}
	invs := ofKind(e.outbox("north"), data.MessageOfferInvitation)
	if len(invs) != 1 || invs[0].To != strings.ToLower(a.Email) || invs[0].OfferID != o.ID || invs[0].Status != data.MessageQueued {
		t.Fatalf("invitations in the outbox: %+v", invs)
	}
	m := invs[0]
	for _, want := range []string{"Kurdish (Sorani)", "12 to 15", "Please answer by", "know of no connection"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the invitation lacks %q:\n%s", want, m.Text)
		}
	}
	for _, never := range []string{"MAIL-1", b.Name, "0099"} {
		if strings.Contains(m.Text+m.HTML+m.Subject, never) {
			t.Errorf("the invitation holds %q", never)
		}
	}
	token := linkPattern.FindStringSubmatch(m.Text)
	if token == nil {
		t.Fatalf("no link in the invitation:\n%s", m.Text)
	}
	inv, err := e.app.InvitationByLink(ctx, token[1])
	if err != nil || inv.OfferID != o.ID || inv.Status != data.InvitationPending {
		t.Fatalf("the invitation by its link: %+v (%v)", inv, err)
	}
	if _, err := e.app.InvitationByLink(ctx, "tolkans_NOSUCHTOKEN"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("an unknown link: %v", err)
	}
	bk, err := e.app.AcceptByLink(ctx, token[1], true)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.app.AcceptByLink(ctx, token[1], true)
	if f := wantKind(t, err, app.KindGone); f.Code != "link_used" {
		t.Errorf("the link used twice: %s", f.Code)
	}
	ms := e.outbox("north")
	if got := ofKind(ms, data.MessageOfferAccepted); len(got) != 1 || got[0].To != sw.Email {
		t.Errorf("the social worker's news of the acceptance: %+v", got)
	}
	req := ofKind(ms, data.MessageBookingRequest)
	if len(req) != 1 || req[0].BookingID != bk.ID || req[0].CalendarMethod != "REQUEST" || !strings.Contains(string(req[0].Calendar), "METHOD:REQUEST") {
		t.Fatalf("the booking's invitation: %+v", req)
	}
	if got := ofKind(ms, data.MessageBookingReminder); len(got) != 1 || !got[0].Due.Equal(bk.Start.Add(-24*time.Hour)) {
		t.Errorf("the reminder: %+v", got)
	}
	audit := e.actions(o.ID)
	if !slices.Contains(audit, data.ActionOfferAccepted) {
		t.Errorf("the acceptance by link is not audited: %v", audit)
	}
}

// TestDelivery: the deliverer sends what is due (a reminder waits for its
// day), retries a passing failure later, dead-letters a permanent one
// (which a coordinator retries), and supersedes a reminder whose booking
// moved; a cancellation is an iMIP CANCEL with the same UID and a raised
// sequence.
func TestDelivery(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw, coord := e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]
	in := e.approved("Cem Celik")
	cs := e.newCase(sw, "MAIL-2")
	bk := e.book(sw, request(cs.ID, in.ID, 2))
	s := &fakeSender{}
	n, err := e.app.Deliver(ctx, s, "holder-1", 10)
	if err != nil || n != 1 || s.sent[0].Kind != data.MessageBookingRequest {
		t.Fatalf("first delivery: %d (%v) %v", n, err, kinds(s.sent))
	}
	// A passing failure on the cancellation: retried later.
	if _, err := e.app.CancelBooking(ctx, sw, bk.ID, "the child is unwell"); err != nil {
		t.Fatal(err)
	}
	cancel := ofKind(e.outbox("north"), data.MessageBookingCancel)
	if len(cancel) != 1 || cancel[0].CalendarMethod != "CANCEL" || !strings.Contains(string(cancel[0].Calendar), "SEQUENCE:1") ||
		!strings.Contains(string(cancel[0].Calendar), "UID:"+bk.ID) {
		t.Fatalf("the cancellation: %+v", cancel)
	}
	s.fail = func(data.Message) error { return errors.New("421 try later") }
	if n, err := e.app.Deliver(ctx, s, "holder-1", 10); err != nil || n != 0 {
		t.Fatalf("a failing delivery: %d (%v)", n, err)
	}
	m, _ := e.store.Message(ctx, cancel[0].ID)
	if m.Status != data.MessageFailed || m.Attempts != 1 || !m.NextAttempt.After(e.now) {
		t.Errorf("after a passing failure: %s attempts %d next %v", m.Status, m.Attempts, m.NextAttempt)
	}
	// Later, a permanent refusal: a dead letter, which a coordinator retries.
	e.now = e.now.Add(2 * time.Minute)
	s.fail = func(data.Message) error { return app.ErrUndeliverable }
	if _, err := e.app.Deliver(ctx, s, "holder-2", 10); err != nil {
		t.Fatal(err)
	}
	if m, _ = e.store.Message(ctx, cancel[0].ID); m.Status != data.MessageDead {
		t.Fatalf("after a permanent refusal: %s", m.Status)
	}
	dead, err := e.app.ListNotifications(ctx, coord, app.NotificationFilter{Status: data.MessageDead})
	if err != nil || len(dead.Items) != 1 || dead.Items[0].Text != "" || dead.Items[0].To != "" || dead.Items[0].LastError == "" {
		t.Fatalf("the dead letters as a coordinator sees them: %+v (%v)", dead.Items, err)
	}
	wantKind(t, second(e.app.ListNotifications(ctx, sw, app.NotificationFilter{})), app.KindForbidden)
	if _, err := e.app.RetryNotification(ctx, coord, cancel[0].ID); err != nil {
		t.Fatal(err)
	}
	s.fail = nil
	if n, err := e.app.Deliver(ctx, s, "holder-2", 10); err != nil || n != 1 {
		t.Fatalf("after the retry: %d (%v)", n, err)
	}
	// The reminder: due the day before; superseded by the cancellation.
	e.now = bk.Start.Add(-23 * time.Hour)
	if _, err := e.app.Deliver(ctx, s, "holder-1", 10); err != nil {
		t.Fatal(err)
	}
	reminder := ofKind(e.outbox("north"), data.MessageBookingReminder)[0]
	if reminder.Status != data.MessageSuperseded || slices.ContainsFunc(s.sent, func(m data.Message) bool { return m.Kind == data.MessageBookingReminder }) {
		t.Errorf("the reminder of a cancelled booking: %s, sent %v", reminder.Status, kinds(s.sent))
	}
}

func kinds(ms []data.Message) []data.MessageKind {
	var out []data.MessageKind
	for _, m := range ms {
		out = append(out, m.Kind)
	}
	return out
}

// TestScheduledMessages: credential lapses are told at the nearest
// threshold reached, once however often the scheduler runs; coordinators
// get one daily summary a day, from 07:00.
func TestScheduledMessages(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	lapsing := eligible("Dee Dara")
	lapsing.Clearance.ValidUntil = data.LondonDate(testNow).AddDays(25) // within 30 days
	in := e.interpreter(lapsing, data.DecisionApprove)
	e.now = time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC) // before 07:00 UK
	if _, err := e.app.Schedule(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := e.app.Schedule(ctx)
	if err != nil || again != 0 {
		t.Errorf("scheduling again wrote %d (%v), want nothing", again, err)
	}
	lapses := ofKind(e.outbox(data.ScopeRegister), data.MessageCredentialLapse)
	if len(lapses) != 1 || lapses[0].InterpreterID != in.ID || !strings.Contains(lapses[0].Subject, "25 days") {
		t.Fatalf("lapse notices: %+v", lapses)
	}
	if got := ofKind(e.outbox("north"), data.MessageDailySummary); len(got) != 0 {
		t.Errorf("a summary before 07:00: %d", len(got))
	}
	e.now = time.Date(2026, 11, 22, 7, 30, 0, 0, time.UTC)
	if _, err := e.app.Schedule(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Schedule(ctx); err != nil {
		t.Fatal(err)
	}
	sums := ofKind(e.outbox("north"), data.MessageDailySummary)
	if len(sums) != 1 || sums[0].To != e.north[data.RoleCoordinator].Email || !strings.Contains(sums[0].Text, "Dee Dara") {
		t.Fatalf("north's coordinator's summaries: %+v", sums)
	}
	if got := ofKind(e.outbox("south"), data.MessageDailySummary); len(got) != 1 {
		t.Errorf("south's coordinator's summaries: %d, want 1", len(got))
	}
}

// TestLapseNoticesSayWords: a lapse notice and the coordinators' summary
// name the credential and its date in words, never the codes the record
// keeps ("training.child_protection_l2", "2026-12-17").
func TestLapseNoticesSayWords(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	lapsing := eligible("Dee Dara")
	lapsing.Training[0].Expires = data.LondonDate(testNow).AddDays(25)
	e.interpreter(lapsing, data.DecisionApprove)
	e.now = time.Date(2026, 11, 22, 7, 30, 0, 0, time.UTC)
	if _, err := e.app.Schedule(ctx); err != nil {
		t.Fatal(err)
	}
	expires, err := time.Parse(data.DateLayout, lapsing.Training[0].Expires.String())
	if err != nil {
		t.Fatal(err)
	}
	when := expires.Format("2 January 2006")
	lapses := ofKind(e.outbox(data.ScopeRegister), data.MessageCredentialLapse)
	if len(lapses) != 1 {
		t.Fatalf("lapse notices: %+v", lapses)
	}
	if want := "Your training in child protection, level 2 lapses in 25 days"; lapses[0].Subject != want {
		t.Errorf("subject %q, want %q", lapses[0].Subject, want)
	}
	if want := "Your training in child protection, level 2 lapses on " + when + ", in 25 days."; !strings.Contains(lapses[0].Text, want) {
		t.Errorf("the notice does not say %q:\n%s", want, lapses[0].Text)
	}
	sums := ofKind(e.outbox("north"), data.MessageDailySummary)
	if len(sums) != 1 || !strings.Contains(sums[0].Text, "Dee Dara: training in child protection, level 2 lapses on "+when) {
		t.Fatalf("north's coordinator's summary: %+v", sums)
	}
	if want := "tolk: the register on 22 November 2026"; sums[0].Subject != want || !strings.Contains(sums[0].Text, "The register on 22 November 2026.") {
		t.Errorf("the summary's subject %q, want %q, and the day in words in its text", sums[0].Subject, want)
	}
	for _, m := range []data.Message{lapses[0], sums[0]} {
		for _, code := range []string{"child_protection", "_l2", lapsing.Training[0].Expires.String(), "2026-11-22"} {
			if strings.Contains(m.Subject+m.Text+m.HTML, code) {
				t.Errorf("%s says the code %q:\n%s", m.Kind, code, m.Text)
			}
		}
	}
}

var signInPattern = regexp.MustCompile(`/sign-in/link/(tolklink_[A-Z0-9]+)`)

// TestSignInLink: an interpreter asks for a link by email; it signs in
// once; nobody else's email gets one, and the asker cannot tell.
func TestSignInLink(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	in := e.approved("Eda Ekin")
	u := e.interpreterUser(in)
	for _, email := range []string{in.Email, "nobody@example.org", e.north[data.RoleSocialWorker].Email} {
		if err := e.app.SendSignInLink(ctx, email); err != nil {
			t.Errorf("asking a link for %s: %v", email, err)
		}
	}
	links := ofKind(e.outbox("north"), data.MessageSignInLink)
	if len(links) != 1 || links[0].To != u.Email {
		t.Fatalf("sign-in links: %+v", links)
	}
	token := signInPattern.FindStringSubmatch(links[0].Text)
	if token == nil {
		t.Fatalf("no link:\n%s", links[0].Text)
	}
	if _, _, err := e.app.SessionUser(ctx, token[1]); !errors.Is(err, app.ErrUnauthenticated) {
		t.Errorf("the link itself used as a session: %v", err)
	}
	signed, err := e.app.SignInWithLink(ctx, token[1])
	if err != nil || signed.User.ID != u.ID {
		t.Fatalf("sign in with the link: %v", err)
	}
	if _, err := e.app.SignInWithLink(ctx, token[1]); !errors.Is(err, app.ErrUnauthenticated) {
		t.Errorf("the link used twice: %v", err)
	}
	e.now = e.now.Add(app.SignInLinkLife)
	_ = e.app.SendSignInLink(ctx, in.Email)
	late := ofKind(e.outbox("north"), data.MessageSignInLink)
	token = signInPattern.FindStringSubmatch(late[0].Text)
	e.now = e.now.Add(app.SignInLinkLife + time.Second)
	if _, err := e.app.SignInWithLink(ctx, token[1]); !errors.Is(err, app.ErrUnauthenticated) {
		t.Errorf("an expired link: %v", err)
	}
}

package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
	"github.com/tolk/tolk/retention"
)

// pastBooking stores a booking of an interview long ago straight into the
// store, as migrated history: completed, with an outcome note, a location
// and the match's reasons.
func (e *env) pastBooking(c data.Case, interpreterID string, start time.Time, comfortable bool) data.Booking {
	e.t.Helper()
	b := data.Booking{
		ID: data.NewID(start), Organisation: c.Organisation, CaseID: c.ID, CaseReference: c.Reference, InterpreterID: interpreterID,
		BookedBy: "sw-1", Start: start, End: start.Add(90 * time.Minute), InterviewType: data.InterviewABEPolice, Modality: data.ModalityVideo,
		Location: "Interview suite, 4 Hill Street", Status: data.BookingCompleted, Confirmation: data.ConfirmationDirect,
		Match:   data.MatchSnapshot{Score: 40, Factors: []data.Factor{{Factor: "training", Points: 40, Reason: "trauma-informed"}}},
		Outcome: &data.Outcome{Attended: true, ChildComfortable: comfortable, Note: "asked for a break halfway", RecordedBy: "sw-1", RecordedAt: start.Add(2 * time.Hour)},
		Version: 1, CreatedAt: start.AddDate(0, 0, -7), UpdatedAt: start.Add(2 * time.Hour),
	}
	ch := data.Audited(data.NewAuditEntry(b.CreatedAt, data.User{ID: "sw-1", Organisation: c.Organisation}, c.Organisation, data.ActionBookingCreated, data.EntityBooking, b.ID))
	if err := e.store.CreateBooking(e.t.Context(), b, ch); err != nil {
		e.t.Fatal(err)
	}
	return b
}

// pastOffer stores an offer of an interview long ago straight into the
// store, as migrated history: filled by booking (with its interpreter's
// acceptance) or, without one, unfilled (declined, with a reason's text),
// with a location and the case's reference.
func (e *env) pastOffer(c data.Case, interpreterID string, start time.Time, booking string) data.Offer {
	e.t.Helper()
	o := data.Offer{
		ID: data.NewID(start.AddDate(0, 0, -8)), Organisation: c.Organisation, CaseID: c.ID, CaseReference: c.Reference, CreatedBy: "sw-1",
		Start: start, End: start.Add(90 * time.Minute), InterviewType: data.InterviewABEPolice, Modality: data.ModalityVideo,
		Location: "Interview suite, 4 Hill Street", Mode: data.OfferCascade, RespondWithin: time.Hour, Status: data.OfferFilled, BookingID: booking,
		Invitations: []data.Invitation{{InterpreterID: interpreterID, Status: data.InvitationAccepted, Asked: start.AddDate(0, 0, -8),
			Answered: start.AddDate(0, 0, -7), TokenHash: "past-token-" + c.ID + start.Format("0102")}},
		Version: 1, CreatedAt: start.AddDate(0, 0, -8), UpdatedAt: start.AddDate(0, 0, -7),
	}
	if booking == "" {
		o.Status, o.Code, o.Invitations[0].Status = data.OfferUnfilled, data.OutcomeUnfilled, data.InvitationSkipped
		o.Invitations[0].Reasons = []data.Reason{{Code: "community_conflict", Message: "shares a town with the case"}}
	}
	ch := data.Audited(data.NewAuditEntry(o.CreatedAt, data.User{ID: "sw-1", Organisation: c.Organisation}, c.Organisation, data.ActionOfferCreated, data.EntityOffer, o.ID))
	if err := e.store.CreateOffer(e.t.Context(), o, ch); err != nil {
		e.t.Fatal(err)
	}
	return o
}

// summary is the summary report of org's year, as its coordinator reads it.
func (e *env) summary(org string, year int) string {
	e.t.Helper()
	p := app.Period{From: time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC)}
	s, err := e.app.ReportSummary(e.t.Context(), map[string]map[data.Role]data.User{"north": e.north, "south": e.south}[org][data.RoleCoordinator], p, app.Scope{})
	if err != nil {
		e.t.Fatal(err)
	}
	return fmt.Sprintf("%+v", s)
}

// yearCounts is what a report counts of an organisation's bookings that
// started in year: by status, interview type and outcome.
func (e *env) yearCounts(org string, year int) map[string]int {
	e.t.Helper()
	out := map[string]int{}
	q := data.BookingQuery{Organisation: org, From: time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC), Limit: data.MaxPageSize}
	for {
		page, err := e.store.ListBookings(e.t.Context(), q)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, b := range page.Items {
			out["total"]++
			out[string(b.Status)+"/"+string(b.InterviewType)]++
			if b.Outcome != nil {
				out[fmt.Sprintf("attended=%v comfortable=%v", b.Outcome.Attended, b.Outcome.ChildComfortable)]++
			}
		}
		if page.Next == "" {
			return out
		}
		q.After = page.Next
	}
}

// TestRetention: with the clock at 2026-11-22, interviews of 2019 (more
// than six years ago) are anonymised, unless their case is on a legal
// hold; a 2021 one is not due. The counts of 2019's bookings a report
// gives are the same after; the run is audited and a second one does
// nothing; the preview shows each admin their own organisation's.
func TestRetention(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	in := e.approved("kept").ID
	heldCase, plainCase := e.newCase(e.north[data.RoleSocialWorker], "N-HELD-1"), e.newCase(e.north[data.RoleSocialWorker], "N-PLAIN-2")
	southCase := e.newCase(e.south[data.RoleSocialWorker], "S-3")
	sevenYears := time.Date(2019, 6, 3, 10, 0, 0, 0, time.UTC)
	held := e.pastBooking(heldCase, in, sevenYears, true)
	due := e.pastBooking(plainCase, in, sevenYears.AddDate(0, 0, 1), false)
	southDue := e.pastBooking(southCase, in, sevenYears.AddDate(0, 0, 2), true)
	notYet := e.pastBooking(plainCase, in, time.Date(2021, 6, 3, 10, 0, 0, 0, time.UTC), true)
	dueOffer := e.pastOffer(plainCase, in, due.Start, due.ID)
	unfilledOffer := e.pastOffer(plainCase, in, sevenYears.AddDate(0, 1, 0), "")
	heldOffer := e.pastOffer(heldCase, in, held.Start, held.ID)
	notYetOffer := e.pastOffer(plainCase, in, notYet.Start, notYet.ID)
	// Cases closed in 2019 (one of them held) and in 2021.
	closedCase, heldClosed, closedLater := e.newCase(e.north[data.RoleSocialWorker], "N-CLOSED-2019"),
		e.newCase(e.north[data.RoleSocialWorker], "N-CLOSED-HELD"), e.newCase(e.north[data.RoleSocialWorker], "N-CLOSED-2021")
	e.now = time.Date(2019, 7, 1, 9, 0, 0, 0, time.UTC)
	for _, c := range []data.Case{closedCase, heldClosed} {
		if _, err := e.app.CloseCase(ctx, e.north[data.RoleCoordinator], c.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	e.now = time.Date(2021, 7, 1, 9, 0, 0, 0, time.UTC)
	if _, err := e.app.CloseCase(ctx, e.north[data.RoleSocialWorker], closedLater.ID, true); err != nil {
		t.Fatal(err)
	}
	e.now = testNow
	if _, err := e.app.SetLegalHold(ctx, e.north[data.RoleCoordinator], heldClosed.ID, true); err != nil {
		t.Fatal(err)
	}

	_, err := e.app.SetLegalHold(ctx, e.north[data.RoleSocialWorker], heldCase.ID, true)
	wantKind(t, err, app.KindForbidden) // a social worker
	_, err = e.app.SetLegalHold(ctx, e.south[data.RoleCoordinator], heldCase.ID, true)
	wantKind(t, err, app.KindNotFound) // another organisation's coordinator
	if c, err := e.app.SetLegalHold(ctx, e.north[data.RoleCoordinator], heldCase.ID, true); err != nil || !c.LegalHold {
		t.Fatalf("legal hold: %+v, %v", c, err)
	}
	// An ordinary change of the case keeps its hold.
	fields := caseFields("N-HELD-1")
	fields.Child.AgeBand = data.Age16To17
	if c, err := e.app.UpdateCase(ctx, e.north[data.RoleSocialWorker], heldCase.ID, 2, fields); err != nil || !c.LegalHold {
		t.Fatalf("a case update dropped the hold: %+v, %v", c.LegalHold, err)
	}

	plan, err := e.app.RetentionPreview(ctx, e.north[data.RoleAdmin])
	if err != nil {
		t.Fatal(err)
	}
	if plan.AnonymiseCount != 1 || plan.Anonymise[0].ID != due.ID || plan.HeldCount != 1 || plan.Held[0].ID != held.ID ||
		!plan.BookingsCutoff.Equal(time.Date(2020, 11, 22, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("north's preview: %+v", plan)
	}
	if plan, err := e.app.RetentionPreview(ctx, e.boot); err != nil || plan.AnonymiseCount != 2 || plan.HeldCount != 1 {
		t.Errorf("the bootstrap admin's preview: %+v, %v", plan, err)
	}
	_, err = e.app.RetentionPreview(ctx, e.north[data.RoleCoordinator])
	wantKind(t, err, app.KindForbidden) // retention is for admins

	offers := plan.Classes[1]
	if offers.Class.Name != retention.Offers || offers.DueCount != 2 || offers.HeldCount != 1 || offers.Held[0].ID != heldOffer.ID {
		t.Errorf("north's preview of offers: %+v", offers)
	}

	if cases := plan.Classes[2]; cases.Class.Name != retention.Cases || cases.DueCount != 1 || cases.Due[0].ID != closedCase.ID ||
		cases.HeldCount != 1 || cases.Held[0].ID != heldClosed.ID {
		t.Errorf("north's preview of cases: %+v", cases)
	}

	before, summary := e.yearCounts("north", 2019), e.summary("north", 2019)
	res, err := e.app.ApplyRetention(ctx)
	if err != nil || res.Anonymised != 2 || res.Held != 1 || res.Classes[retention.Offers] != (app.RetentionCount{Acted: 2, Held: 1}) {
		t.Fatalf("retention: %+v, %v", res, err)
	}
	if after := e.yearCounts("north", 2019); fmt.Sprint(after) != fmt.Sprint(before) || before["total"] != 2 {
		t.Errorf("2019's counts moved: %v, then %v", before, after)
	}
	if after := e.summary("north", 2019); after != summary || !strings.Contains(summary, "Requests:5 Filled:4 Unfilled:1") {
		t.Errorf("2019's summary report moved:\n%s\nthen\n%s", summary, after)
	}
	for _, id := range []string{dueOffer.ID, unfilledOffer.ID} {
		o, err := e.store.Offer(ctx, id)
		if err != nil || o.Anonymised.IsZero() || o.CaseReference != "" || o.Location != "" || o.Invitations[0].TokenHash != "" ||
			o.CaseID != plainCase.ID || o.Invitations[0].InterpreterID != in || o.Status == "" {
			t.Errorf("anonymised offer %s: %+v, %v", id, o, err)
		}
		if got := e.actions(id); got[len(got)-1] != data.ActionOfferAnonymised {
			t.Errorf("offer %s's audit: %v, want the anonymisation's tombstone last", id, got)
		}
	}
	if o, _ := e.store.Offer(ctx, unfilledOffer.ID); o.Invitations[0].Reasons[0] != (data.Reason{Code: "community_conflict"}) {
		t.Errorf("an anonymised offer's reasons: %+v, want the code alone", o.Invitations[0].Reasons)
	}
	if res.Classes[retention.Cases] != (app.RetentionCount{Acted: 1, Held: 1}) {
		t.Errorf("cases: %+v", res.Classes[retention.Cases])
	}
	if c, err := e.store.Case(ctx, closedCase.ID); err != nil || c.Anonymised.IsZero() || c.Reference != "" || c.State() != data.CaseClosed ||
		c.Child.Languages[0] != "ckb" || c.Child.AgeBand != data.Age12To15 {
		t.Errorf("the case closed in 2019: %+v, %v", c, err)
	}
	if got := e.actions(closedCase.ID); got[len(got)-1] != data.ActionCaseAnonymised {
		t.Errorf("the anonymised case's audit: %v", got)
	}
	for _, id := range []string{heldClosed.ID, closedLater.ID} {
		if c, err := e.store.Case(ctx, id); err != nil || !c.Anonymised.IsZero() || c.Reference == "" {
			t.Errorf("case %s (held or not due) was changed: %+v, %v", id, c, err)
		}
	}
	_, err = e.app.CloseCase(ctx, e.north[data.RoleCoordinator], closedCase.ID, false)
	wantCode(t, err, app.KindConflict, "case_anonymised")
	for _, id := range []string{heldOffer.ID, notYetOffer.ID} {
		if o, err := e.store.Offer(ctx, id); err != nil || !o.Anonymised.IsZero() || o.Location == "" || o.CaseReference == "" {
			t.Errorf("offer %s (held or not due) was changed: %+v, %v", id, o, err)
		}
	}
	for _, id := range []string{due.ID, southDue.ID} {
		b := e.booking(id)
		if b.Anonymised.IsZero() || b.Location != "" || b.CaseReference != "" || b.Outcome.Note != "" || b.Match.Factors[0].Reason != "" ||
			b.Status != data.BookingCompleted || !b.Outcome.Attended || b.Match.Factors[0].Points != 40 || b.CaseID == "" {
			t.Errorf("anonymised booking %s: %+v", id, b)
		}
		if got := e.actions(id); got[len(got)-1] != data.ActionBookingAnonymised {
			t.Errorf("booking %s's audit: %v, want the anonymisation's tombstone last", id, got)
		}
	}
	for _, b := range []data.Booking{held, notYet} {
		if got := e.booking(b.ID); !got.Anonymised.IsZero() || got.Location == "" || got.Outcome.Note == "" {
			t.Errorf("booking %s (held or not due) was changed: %+v", b.ID, got)
		}
	}
	if res, err := e.app.ApplyRetention(ctx); err != nil || res.Anonymised != 0 || res.Held != 1 {
		t.Errorf("a second run: %+v, %v", res, err)
	}
	// Lifted, the hold no longer keeps it.
	if _, err := e.app.SetLegalHold(ctx, e.north[data.RoleCoordinator], heldCase.ID, false); err != nil {
		t.Fatal(err)
	}
	if res, err := e.app.ApplyRetention(ctx); err != nil || res.Anonymised != 1 || res.Held != 0 {
		t.Errorf("a run after the hold was lifted: %+v, %v", res, err)
	}
	e.checkConsistent()
	e.checkFile()
}

// holdingStore places a legal hold on a case the moment retention first
// anonymises a booking: a hold that lands while a run is under way.
type holdingStore struct {
	data.Store
	holdOn string
	placed bool
}

func (s *holdingStore) UpdateBooking(ctx context.Context, id string, fn data.Update[data.Booking]) (data.Booking, error) {
	b, err := s.Store.UpdateBooking(ctx, id, fn)
	if err == nil && !s.placed {
		s.placed = true
		_, err = s.Store.UpdateCase(ctx, s.holdOn, func(c data.Case) (data.Case, data.Change, error) {
			c.LegalHold = true
			return c, data.Audited(data.NewAuditEntry(c.UpdatedAt, app.System(c.Organisation, data.RoleCoordinator), c.Organisation,
				data.ActionCaseUpdated, data.EntityCase, c.ID)), nil
		})
	}
	return b, err
}

// TestRetentionHoldDuringRun: a hold placed on a case while a run is
// under way, after the run has read that case once, still holds the
// case's bookings the run has not reached.
func TestRetentionHoldDuringRun(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	in := e.approved("kept").ID
	c := e.newCase(e.north[data.RoleSocialWorker], "N-HOLD-LATE")
	first := e.pastBooking(c, in, time.Date(2019, 6, 3, 10, 0, 0, 0, time.UTC), false)
	second := e.pastBooking(c, in, time.Date(2019, 6, 4, 10, 0, 0, 0, time.UTC), false)
	a := e.appOver(&holdingStore{Store: e.store, holdOn: c.ID})
	res, err := a.ApplyRetention(ctx)
	if err != nil || res.Anonymised != 1 || res.Held != 1 {
		t.Fatalf("retention with a hold placed during the run: %+v, %v; want 1 anonymised, 1 held", res, err)
	}
	if e.booking(first.ID).Anonymised.IsZero() || !e.booking(second.ID).Anonymised.IsZero() {
		t.Errorf("want the first anonymised and the second, reached after the hold, kept")
	}
}

// checkFile closes the store, runs tolk check's consistency check on its
// file (every index entry points at its record and back, every change has
// its audit entry) and opens it again.
func (e *env) checkFile() {
	e.t.Helper()
	if err := e.store.Close(e.t.Context()); err != nil {
		e.t.Fatal(err)
	}
	report, err := bolt.Check(e.t.Context(), e.path)
	if err != nil || !report.OK() {
		e.t.Errorf("tolk check after retention: %v, %+v", err, report.Problems)
	}
	e.open()
}

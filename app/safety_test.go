package app_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/matching"
)

// allChecked is a checklist with every item attested.
func allChecked() *data.Checklist {
	return &data.Checklist{Briefed: true, ConflictRedeclared: true, NeverAloneWithChild: true, DebriefOffered: true}
}

// abe is a video ABE interview of interpreterID for caseID, from-to on
// the tests' interview day (UTC, which London keeps in winter).
func abe(caseID, interpreterID, from, to string) app.NewBooking {
	nb := request(caseID, interpreterID, 0)
	day := interview.Truncate(24 * time.Hour)
	f, _ := time.Parse("15:04", from)
	u, _ := time.Parse("15:04", to)
	nb.Start = day.Add(time.Duration(f.Hour())*time.Hour + time.Duration(f.Minute())*time.Minute)
	nb.End = day.Add(time.Duration(u.Hour())*time.Hour + time.Duration(u.Minute())*time.Minute)
	return nb
}

// TestSafetyPlanHoldsTime: an ABE booking 10:00-11:00 holds 09:45-11:15:
// a video booking of the same interpreter at 11:00 is a conflict naming it,
// and its .ics and emailed invitation state the interpreter's times and
// the rules.
func TestSafetyPlanHoldsTime(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	in := e.approved("hana")
	sw := e.north[data.RoleSocialWorker]
	c := e.newCase(sw, "NR-1")
	first := e.book(sw, abe(c.ID, in.ID, "10:00", "11:00"))
	if want := (data.SafetyPlan{Briefing: 15 * time.Minute, Debrief: 15 * time.Minute, Stagger: 10 * time.Minute}); first.Safety != want {
		t.Errorf("plan %+v, want %+v", first.Safety, want)
	}
	if from, until := first.HeldFrom().Format("15:04"), first.HeldUntil().Format("15:04"); from != "09:45" || until != "11:15" {
		t.Errorf("holds %s-%s, want 09:45-11:15", from, until)
	}
	_, _, err := e.app.CreateBooking(ctx, sw, abe(c.ID, in.ID, "11:00", "12:00"))
	if f := wantCode(t, err, app.KindConflict, "booking_conflict"); f.Conflict == nil || f.Conflict.ID != first.ID {
		t.Errorf("a video booking at 11:00: conflict %+v, want %s named", f.Conflict, first.ID)
	}
	// A match then says when the interpreter is next free: after the
	// debrief and a briefing of its own.
	res, err := e.app.Match(ctx, sw, c.ID, app.MatchRequest{Start: abe("", "", "11:00", "12:00").Start, End: abe("", "", "11:00", "12:00").End,
		InterviewType: data.InterviewABEPolice, Modality: data.ModalityVideo})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Excluded) != 1 || res.Excluded[0].NextAvailable.Format("15:04") != "11:30" {
		t.Errorf("excluded %+v, want hana next available at 11:30", res.Excluded)
	}
	ics, err := e.app.BookingInvite(ctx, sw, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	unfolded := strings.ReplaceAll(string(ics), "\r\n ", "")
	for _, want := range []string{"DTSTART:20261130T094500Z", "DTEND:20261130T111500Z", "Join at 09:45 for the briefing (15 minutes",
		"The debrief: 11:00 to 11:15", "Leave at 11:15 or later\\, at least 10 minutes after the child", "never alone with the child", "Do not leave with the child"} {
		if !strings.Contains(unfolded, want) {
			t.Errorf("the .ics lacks %q:\n%s", want, unfolded)
		}
	}
	mail := ofKind(e.outbox("north"), data.MessageBookingRequest)
	if len(mail) != 1 || !strings.Contains(mail[0].Text, "Join at 09:45 for the briefing") || !strings.Contains(mail[0].Text, "never alone with the child") {
		t.Errorf("the emailed invitation does not state the times and rules: %+v", mail)
	}
	e.book(sw, abe(c.ID, in.ID, "11:30", "12:00")) // after the debrief and its own briefing
	e.checkConsistent()
}

// TestInPersonArrival: in person, the interpreter arrives 5 minutes before
// the briefing.
func TestInPersonArrival(t *testing.T) {
	e := newEnv(t)
	in := e.approved("hana")
	sw := e.north[data.RoleSocialWorker]
	c := e.newCase(sw, "NR-1")
	nb := abe(c.ID, in.ID, "10:00", "11:00")
	nb.Modality, nb.Region, nb.Location = data.ModalityInPerson, "GB-LND", "Room 4"
	b := e.book(sw, nb)
	if got := b.PlanLines()[0]; got != "Arrive at 09:40 for the briefing at 09:45 (15 minutes, with the interviewer, without the child)." {
		t.Errorf("first line %q", got)
	}
}

// TestOutcomeChecklist: an attended outcome needs each checklist item; a
// false "never alone" is stored, audited as an incident and told to the
// coordinators in the same change.
func TestOutcomeChecklist(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	in := e.approved("hana")
	sw := e.north[data.RoleSocialWorker]
	c := e.newCase(sw, "NR-1")
	b := e.book(sw, abe(c.ID, in.ID, "10:00", "11:00"))
	e.now = b.Start.Add(time.Hour)
	_, err := e.app.RecordOutcome(ctx, sw, b.ID, app.Outcome{Attended: true, ChildComfortable: true})
	f := wantKind(t, err, app.KindInvalid)
	var fields []string
	for _, fe := range f.Fields {
		fields = append(fields, fe.Field)
	}
	if want := []string{"checklist.briefed", "checklist.conflictRedeclared", "checklist.neverAloneWithChild", "checklist.debriefOffered"}; !cmp.Equal(fields, want) {
		t.Errorf("fields %v, want %v", fields, want)
	}
	for _, o := range []app.Outcome{
		{Attended: true, Checklist: allChecked(), Code: data.OutcomeInterpreterNoShow},
		{Attended: false, Code: data.OutcomeAttended},
		{Attended: false, Code: "lost"},
		{Attended: false}, // every ended booking has its code
	} {
		_, err := e.app.RecordOutcome(ctx, sw, b.ID, o)
		if f := wantKind(t, err, app.KindInvalid); len(f.Fields) != 1 || f.Fields[0].Field != "code" {
			t.Errorf("outcome %+v: fields %+v, want code", o, f.Fields)
		}
	}
	if got := e.booking(b.ID); got.Status != data.BookingConfirmed {
		t.Fatalf("a refused outcome changed the booking: %s", got.Status)
	}
	alone := allChecked()
	alone.NeverAloneWithChild = false
	done, err := e.app.RecordOutcome(ctx, sw, b.ID, app.Outcome{Attended: true, ChildComfortable: true, Note: "the officer left the room", Checklist: alone})
	if err != nil {
		t.Fatal(err)
	}
	if done.Outcome == nil || done.Outcome.Code != data.OutcomeAttended || !done.Outcome.Incident() || done.Status != data.BookingCompleted {
		t.Errorf("outcome %+v, want completed, attended, an incident", done.Outcome)
	}
	if got := e.actions(b.ID); !slices.Contains(got, data.ActionSafeguardingIncident) || !slices.Contains(got, data.ActionBookingOutcome) {
		t.Errorf("audit %v, want the outcome and the incident", got)
	}
	told := ofKind(e.outbox("north"), data.MessageSafeguardingIncident)
	if len(told) != 1 || told[0].To != e.north[data.RoleCoordinator].Email || told[0].BookingID != b.ID {
		t.Fatalf("incident messages %+v, want one to north's coordinator", told)
	}
	if strings.Contains(told[0].Text, "officer left") {
		t.Errorf("the incident message carries the outcome's note")
	}
	if len(ofKind(e.outbox("south"), data.MessageSafeguardingIncident)) != 0 {
		t.Errorf("south's coordinators were told of north's incident")
	}
	// Not attended: no checklist needed, a code kept.
	b2 := e.book(sw, abe(c.ID, in.ID, "14:00", "15:00"))
	e.now = b2.Start.Add(time.Hour)
	got, err := e.app.RecordOutcome(ctx, sw, b2.ID, app.Outcome{ChildComfortable: true, Code: data.OutcomeChildDidNotAttend})
	if err != nil || got.Outcome.Code != data.OutcomeChildDidNotAttend || got.Outcome.Checklist != nil {
		t.Errorf("a child who did not attend: %+v %v", got.Outcome, err)
	}
	e.checkConsistent()
}

// TestWorkloadLimit: with the default cap of 2 a day, a third interview
// that day is excluded workload_limit with its reason, at match and at
// booking.
func TestWorkloadLimit(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	in := e.approved("hana")
	sw := e.north[data.RoleSocialWorker]
	c := e.newCase(sw, "NR-1")
	e.book(sw, abe(c.ID, in.ID, "09:00", "10:00"))
	e.book(sw, abe(c.ID, in.ID, "11:00", "12:00"))
	third := abe(c.ID, in.ID, "15:00", "16:00")
	_, _, err := e.app.CreateBooking(ctx, sw, third)
	f := wantCode(t, err, app.KindUnprocessable, "ineligible")
	if len(f.Reasons) != 1 || f.Reasons[0].Code != matching.CodeWorkloadLimit || f.Reasons[0].Message != "already has 2 child interviews that day; the policy allows 2 a day" {
		t.Errorf("reasons %+v, want workload_limit with its reason", f.Reasons)
	}
	res, err := e.app.Match(ctx, sw, c.ID, app.MatchRequest{Start: third.Start, End: third.End, InterviewType: third.InterviewType, Modality: third.Modality})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Excluded) != 1 || len(res.Excluded[0].Reasons) != 1 || res.Excluded[0].Reasons[0].Code != matching.CodeWorkloadLimit {
		t.Errorf("match: excluded %+v, want hana as workload_limit", res.Excluded)
	}
	// The next day is another day.
	next := third
	next.Start, next.End = third.Start.AddDate(0, 0, 1), third.End.AddDate(0, 0, 1)
	e.book(sw, next)
	// A long interview is warned about.
	long := abe(c.ID, in.ID, "09:00", "11:30")
	long.Start, long.End = long.Start.AddDate(0, 0, 2), long.End.AddDate(0, 0, 2)
	b := e.book(sw, long)
	if !slices.ContainsFunc(b.Match.Warnings, func(r data.Reason) bool {
		return r.Code == matching.CodeLongSession && strings.Contains(r.Message, "two interpreters")
	}) {
		t.Errorf("a 150-minute interview: warnings %+v, want long_session", b.Match.Warnings)
	}
}

// TestMarkDistressing: the booked interpreter marks an ended interview as
// distressing; coordinators are asked to offer a debrief; the interpreter
// is ranked lower, explained to coordinators and to requesters only as
// "recent workload".
func TestMarkDistressing(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	in, other := e.approved("hana"), e.approved("sara")
	me, them := e.interpreterUser(in), e.interpreterUser(other)
	sw, co := e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]
	c := e.newCase(sw, "NR-1")
	b := e.book(sw, abe(c.ID, in.ID, "10:00", "11:00"))
	_, err := e.app.MarkDistressing(ctx, me, b.ID)
	wantCode(t, err, app.KindConflict, "interview_not_ended")
	e.now = b.End.Add(time.Minute)
	_, err = e.app.MarkDistressing(ctx, them, b.ID)
	wantKind(t, err, app.KindNotFound)
	_, err = e.app.MarkDistressing(ctx, sw, b.ID)
	wantKind(t, err, app.KindForbidden)
	got, err := e.app.MarkDistressing(ctx, me, b.ID)
	if err != nil || got.Wellbeing == nil || !got.Wellbeing.Distressing {
		t.Fatalf("marked: %+v %v", got.Wellbeing, err)
	}
	if _, err := e.app.MarkDistressing(ctx, me, b.ID); err != nil {
		t.Errorf("marking again: %v", err)
	}
	if n := len(ofKind(e.outbox("north"), data.MessageDebriefOffer)); n != 1 {
		t.Errorf("%d debrief messages, want 1 (to north's coordinator, once)", n)
	}
	if got := e.actions(b.ID); !slices.Contains(got, data.ActionBookingDistressing) {
		t.Errorf("audit %v, want booking.distressing", got)
	}
	// The next day: a coordinator sees why, a social worker only "recent workload".
	req := app.MatchRequest{Start: b.Start.AddDate(0, 0, 1), End: b.End.AddDate(0, 0, 1), InterviewType: data.InterviewABEPolice, Modality: data.ModalityVideo}
	for _, tc := range []struct {
		actor data.User
		want  string
	}{{co, "marked an interview as distressing"}, {sw, matching.RecentWorkloadWords}} {
		actor, want := tc.actor, tc.want
		res, err := e.app.Match(ctx, actor, c.ID, req)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(res.Candidates, func(c app.Candidate) bool { return c.Interpreter.ID == in.ID })
		if i < 0 {
			t.Fatalf("%s: hana is not a candidate: %+v", actor.Role, res)
		}
		j := slices.IndexFunc(res.Candidates[i].Factors, func(f data.Factor) bool { return f.Factor == matching.FactorRecentWorkload })
		if j < 0 || res.Candidates[i].Factors[j].Points >= 0 || !strings.HasPrefix(res.Candidates[i].Factors[j].Reason, want) {
			t.Errorf("%s: factors %+v, want recent_workload %q", actor.Role, res.Candidates[i].Factors, want)
		}
	}
	nb := abe(c.ID, in.ID, "10:00", "11:00")
	nb.Start, nb.End = nb.Start.AddDate(0, 0, 1), nb.End.AddDate(0, 0, 1)
	next := e.book(sw, nb)
	for _, f := range next.Match.Factors {
		if f.Factor == matching.FactorRecentWorkload && f.Reason != matching.RecentWorkloadWords {
			t.Errorf("the booking's snapshot explains the flag: %q", f.Reason)
		}
	}
}

package app_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/reports"
)

// reportScenario is the scenario, in north: three offers filled
// (Sorani), one Tigrinya offer left unfilled (its one interpreter
// declined declaring a conflict) and one Tigrinya search that found
// nobody (that interpreter is now kept out of the case). It returns the
// period of the interviews.
func reportScenario(e *env) app.Period {
	e.t.Helper()
	ctx := e.t.Context()
	sw := e.north[data.RoleSocialWorker]
	for i, name := range []string{"Ana Aziz", "Bea Baran", "Cem Celik"} {
		in := e.approved(name)
		u := e.interpreterUser(in)
		cs := e.newCase(sw, "FILLED-"+string(rune('A'+i)))
		o, err := e.app.CreateOffer(ctx, sw, offer(cs.ID, data.OfferCascade, in.ID))
		if err != nil {
			e.t.Fatal(err)
		}
		e.now = e.now.Add(time.Duration(i+1) * time.Hour) // filled after 1, 2 and 3 hours
		if _, err := e.app.AcceptOffer(ctx, u, o.ID, true); err != nil {
			e.t.Fatal(err)
		}
		e.now = testNow
	}
	fields := eligible("Tesfay Tekle")
	fields.Languages = []data.LanguageSkill{{Tag: "ti", Proficiency: data.ProficiencyNative}}
	tin := e.interpreter(fields, data.DecisionApprove)
	tu := e.interpreterUser(tin)
	ti := e.tigrinyaCase(sw, "TI-UNMET")
	o, err := e.app.CreateOffer(ctx, sw, offer(ti.ID, data.OfferCascade, tin.ID))
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.app.DeclineOffer(ctx, tu, o.ID, data.DeclineConflict); err != nil {
		e.t.Fatal(err)
	}
	res, err := e.app.Match(ctx, sw, ti.ID, slot(interview.Add(4*time.Hour)))
	if err != nil || res.CandidateCount != 0 {
		e.t.Fatalf("the Tigrinya search: %d candidates, %v", res.CandidateCount, err)
	}
	p, err := app.ParsePeriod(interview.Format(time.DateOnly), interview.Format(time.DateOnly))
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// TestReportScenario is the done-when: 4 requests, 3 filled, fill
// rate 0.75; unmet need lists Tigrinya with 2, and shared, suppresses it.
func TestReportScenario(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	p := reportScenario(e)
	for _, who := range []data.User{e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]} {
		s, err := e.app.ReportSummary(ctx, who, p, app.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Requests != 4 || s.Filled != 3 || s.Unfilled != 1 || s.FillRate != 0.75 || s.Searches != 1 {
			t.Errorf("summary for %s: %+v", who.Role, s)
		}
		if s.TimeToFill.Count != 3 || s.TimeToFill.Median != 2*time.Hour || s.TimeToFill.P90 != 3*time.Hour {
			t.Errorf("time to fill: %+v, want 3 fills, median 2h, p90 3h", s.TimeToFill)
		}
		if s.Workload.Interpreters != 3 || s.Workload.Max != 1 {
			t.Errorf("workload: %+v", s.Workload)
		}
	}
	sw := e.north[data.RoleSocialWorker]
	tb, err := e.app.UnmetNeedReport(ctx, sw, p, app.NeedFilter{})
	if err != nil {
		t.Fatal(err)
	}
	rows := tb.Rows()
	if len(rows) != 1 || rows[0].Language != "ti" || rows[0].Total != (reports.Count{Value: 2}) {
		t.Fatalf("unmet need: %+v", rows)
	}
	shared, err := e.app.UnmetNeedReport(ctx, sw, p, app.NeedFilter{Shareable: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := shared.Rows()[0]; !r.Total.Suppressed || !shared.Total.Suppressed || r.Total.Value != 0 {
		t.Errorf("shared: %+v, total %+v: want Tigrinya's 2 suppressed", r, shared.Total)
	}
	for _, r := range shared.Rows()[0].Reasons {
		if !r.Count.Suppressed {
			t.Errorf("shared: %s shown as %d", r.Reason, r.Count.Value)
		}
	}

	// One language: Tigrinya's alone, or nothing; a tag that is none is invalid.
	if tb, err := e.app.UnmetNeedReport(ctx, sw, p, app.NeedFilter{Language: "TI"}); err != nil || tb.Total.Value != 2 {
		t.Errorf("Tigrinya alone: %+v, %v", tb.Total, err)
	}
	if tb, err := e.app.UnmetNeedReport(ctx, sw, p, app.NeedFilter{Language: "ckb"}); err != nil || tb.Total.Value != 0 || len(tb.Rows()) != 0 {
		t.Errorf("Sorani alone: %+v, %v", tb, err)
	}
	_, err = e.app.UnmetNeedReport(ctx, sw, p, app.NeedFilter{Language: "not a tag!"})
	if f := app.Classify(err); f.Kind != app.KindInvalid || len(f.Fields) != 1 || f.Fields[0].Field != "language" {
		t.Errorf("a language that is no tag: %+v", f)
	}

	// Outside the period, and in another organisation: nothing.
	later, _ := app.ParsePeriod("2027-01-01", "2027-01-31")
	if s, _ := e.app.ReportSummary(ctx, sw, later, app.Scope{}); s.Requests != 0 {
		t.Errorf("a later period: %+v", s)
	}
	if s, _ := e.app.ReportSummary(ctx, e.south[data.RoleCoordinator], p, app.Scope{}); s.Requests != 0 || s.Searches != 0 {
		t.Errorf("south sees north's: %+v", s)
	}

	// An offer withdrawn by its requester and one still asking are
	// requests not filled.
	extra := e.approved("Dana Doski")
	for _, cancel := range []bool{true, false} {
		o, err := e.app.CreateOffer(ctx, sw, offer(e.newCase(sw, "MORE").ID, data.OfferCascade, extra.ID))
		if err != nil {
			t.Fatal(err)
		}
		if cancel {
			if _, err := e.app.CancelOffer(ctx, sw, o.ID, "the interview moved"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if s, err := e.app.ReportSummary(ctx, sw, p, app.Scope{}); err != nil || s.Requests != 6 || s.Filled != 3 || s.Withdrawn != 1 || s.Open != 1 || s.FillRate != 0.5 {
		t.Errorf("with a withdrawn and an open offer: %+v, %v", s, err)
	}

	lines, err := e.app.BookingsExport(ctx, sw, p)
	if err != nil || len(lines) != 3 {
		t.Fatalf("export: %d lines, %v", len(lines), err)
	}
	if l := lines[0]; l.Language != "ckb" || l.Interpreter == "" || l.Status != data.BookingConfirmed || l.CaseReference == "" {
		t.Errorf("export line: %+v", l)
	}
}

// TestReportOutcomeCodes: each action that ends a booking or an offer
// sets its code (a cancellation by the requester early, by the
// interpreter late, a withdrawal by a suspension, three outcomes, an
// offer cancelled late); the store keeps it, the summary counts it by
// party, lateness and no-show, with the checklist's incident, and the
// bookings export carries it.
func TestReportOutcomeCodes(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw, coord := e.north[data.RoleSocialWorker], e.north[data.RoleCoordinator]
	var bs []data.Booking
	for i, name := range []string{"Ana Aziz", "Bea Baran", "Cem Celik", "Dana Doski", "Emre Ekin", "Feyza Firat"} {
		in := e.approved(name)
		bs = append(bs, e.book(sw, request(e.newCase(sw, "CODES-"+string(rune('A'+i))).ID, in.ID, 0)))
	}
	offered := e.approved("Gul Gunes")

	// Eight days before: the requester cancels one; a suspension
	// withdraws another; who called it off must be a party.
	if _, err := e.app.CancelBookingBy(ctx, sw, bs[0].ID, "the interview moved", ""); err != nil {
		t.Fatal(err)
	}
	_, err := e.app.CancelBookingBy(ctx, sw, bs[1].ID, "ill", "the child")
	if f := wantKind(t, err, app.KindInvalid); len(f.Fields) != 1 || f.Fields[0].Field != "cancelledBy" {
		t.Errorf("cancelledBy the child: %+v, want invalid naming cancelledBy", f.Fields)
	}
	if _, err := e.app.DecideVetting(ctx, coord, bs[2].InterpreterID, data.DecisionSuspend, "clearance in doubt"); err != nil {
		t.Fatal(err)
	}
	// Two hours before: the interpreter calls one off (late); an offer
	// made then is cancelled (late).
	e.now = interview.Add(-2 * time.Hour)
	o, err := e.app.CreateOffer(ctx, sw, offer(e.newCase(sw, "CODES-OFFER").ID, data.OfferCascade, offered.ID))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.CancelBookingBy(ctx, coord, bs[1].ID, "the interpreter is ill", data.PartyInterpreter); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.CancelOffer(ctx, sw, o.ID, "the interview moved"); err != nil {
		t.Fatal(err)
	}
	// After the interview: three outcomes, one with an incident.
	e.now = interview.Add(2 * time.Hour)
	alone := allChecked()
	alone.NeverAloneWithChild = false
	for i, out := range []app.Outcome{
		{Code: data.OutcomeInterpreterNoShow},
		{Attended: true, ChildComfortable: true, Checklist: alone},
		{Code: data.OutcomeChildDidNotAttend},
	} {
		if _, err := e.app.RecordOutcome(ctx, sw, bs[3+i].ID, out); err != nil {
			t.Fatal(err)
		}
	}

	want := []data.OutcomeCode{data.OutcomeCancelledByRequester, data.OutcomeCancelledByInterpreterLate, data.OutcomeWithdrawnByRule,
		data.OutcomeInterpreterNoShow, data.OutcomeAttended, data.OutcomeChildDidNotAttend}
	for i, b := range bs {
		if got := e.booking(b.ID).Code; got != want[i] {
			t.Errorf("booking %d as stored: code %q, want %q", i, got, want[i])
		}
	}
	if got, err := e.store.Offer(ctx, o.ID); err != nil || got.Code != data.OutcomeCancelledByRequesterLate {
		t.Errorf("the offer as stored: code %q, %v; want cancelled_by_requester_late", got.Code, err)
	}

	p, _ := app.ParsePeriod(interview.Format(time.DateOnly), interview.Format(time.DateOnly))
	s, err := e.app.ReportSummary(ctx, sw, p, app.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	wantC := reports.Cancellations{Total: 3, Late: 1, Requester: reports.PartyCount{Total: 1},
		Interpreter: reports.PartyCount{Total: 1, Late: 1}, WithdrawnByRule: 1}
	if diff := cmp.Diff(wantC, s.Cancellations); diff != "" {
		t.Errorf("cancellations (-want +got):\n%s", diff)
	}
	if s.NoShows != (reports.NoShows{Child: 1, Interpreter: 1}) || s.NotAttended != 2 || s.Incidents != 1 || s.Withdrawn != 1 || s.WithdrawnLate != 1 {
		t.Errorf("no-shows %+v, not attended %d, incidents %d, offers withdrawn %d (late %d); want {1 1}, 2, 1, 1 (1)",
			s.NoShows, s.NotAttended, s.Incidents, s.Withdrawn, s.WithdrawnLate)
	}

	lines, err := e.app.BookingsExport(ctx, sw, p)
	if err != nil || len(lines) != len(bs) {
		t.Fatalf("export: %d lines, %v", len(lines), err)
	}
	got := map[string]data.OutcomeCode{}
	for _, l := range lines {
		got[l.CaseReference] = l.OutcomeCode
	}
	for i, b := range bs {
		if got[b.CaseReference] != want[i] {
			t.Errorf("export of %s: outcomeCode %q, want %q", b.CaseReference, got[b.CaseReference], want[i])
		}
	}
}

// TestReportAcrossTheRegister: a coordinator asking for the register
// counts every organisation's requests and unmet need (north's scenario
// and a Somali search in south that found nobody), each organisation's own
// report still counts its own; a social worker may not ask for the
// register, and a scope that is neither is invalid, naming scope.
func TestReportAcrossTheRegister(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	p := reportScenario(e)
	southSW := e.south[data.RoleSocialWorker]
	so, err := e.app.CreateCase(ctx, southSW, data.Case{Reference: "SO-SOUTH", Child: data.Child{Languages: []string{"so"}, AgeBand: data.Age12To15}})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := e.app.Match(ctx, southSW, so.ID, slot(interview.Add(6*time.Hour))); err != nil || res.CandidateCount != 0 {
		t.Fatalf("south's Somali search: %d candidates, %v", res.CandidateCount, err)
	}
	register := app.Scope{Register: true}
	for _, coord := range []data.User{e.north[data.RoleCoordinator], e.south[data.RoleCoordinator]} {
		s, err := e.app.ReportSummary(ctx, coord, p, register)
		if err != nil {
			t.Fatal(err)
		}
		if s.Requests != 4 || s.Filled != 3 || s.Searches != 2 {
			t.Errorf("the register's summary asked by %s: %d requests, %d filled, %d searches; want 4, 3, 2", coord.Organisation, s.Requests, s.Filled, s.Searches)
		}
		tb, err := e.app.UnmetNeedReport(ctx, coord, p, app.NeedFilter{Scope: register})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, r := range tb.Rows() {
			got[r.Language] = r.Total.Value
		}
		if diff := cmp.Diff(map[string]int{"ti": 2, "so": 1}, got); diff != "" || tb.Total.Value != 3 {
			t.Errorf("the register's unmet need by language (-want +got):\n%s total %d", diff, tb.Total.Value)
		}
	}
	if s, err := e.app.ReportSummary(ctx, e.south[data.RoleCoordinator], p, app.Scope{}); err != nil || s.Requests != 0 || s.Searches != 1 {
		t.Errorf("south's own summary: %+v, %v; want its one search alone", s, err)
	}
	_, err = e.app.ReportSummary(ctx, e.north[data.RoleSocialWorker], p, register)
	expect(t, err, app.KindForbidden)
	_, err = e.app.UnmetNeedReport(ctx, e.north[data.RoleSocialWorker], p, app.NeedFilter{Scope: register})
	expect(t, err, app.KindForbidden)
	_, err = app.ParseScope("everyone")
	if f := app.Classify(err); f.Kind != app.KindInvalid || len(f.Fields) != 1 || f.Fields[0].Field != "scope" {
		t.Errorf("a scope that is none: %+v", f)
	}
}

// TestReportAccess: admins read no reports (forbidden), and to an
// interpreter they are not there (not found, as every page of an
// organisation's is).
func TestReportAccess(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	p, _ := app.ParsePeriod("2026-11-01", "2026-11-30")
	iu := e.interpreterUser(e.approved("Ana Aziz"))
	for who, kind := range map[data.User]app.Kind{e.north[data.RoleAdmin]: app.KindForbidden, iu: app.KindNotFound} {
		_, err := e.app.ReportSummary(ctx, who, p, app.Scope{})
		expect(t, err, kind)
		_, err = e.app.UnmetNeedReport(ctx, who, p, app.NeedFilter{Shareable: true})
		expect(t, err, kind)
		_, err = e.app.BookingsExport(ctx, who, p)
		expect(t, err, kind)
	}
}

// TestParsePeriod: both days required, in order, at most a year apart;
// each refusal names its field.
func TestParsePeriod(t *testing.T) {
	for _, c := range []struct{ from, to, field string }{
		{"", "2026-01-01", "from"}, {"2026-01-01", "", "to"}, {"2026-02-30", "2026-03-01", "from"},
		{"2026-01-01", "01/02/2026", "to"}, {"2026-03-02", "2026-03-01", "to"}, {"2026-01-01", "2027-01-02", "to"},
	} {
		_, err := app.ParsePeriod(c.from, c.to)
		f := app.Classify(err)
		if f.Kind != app.KindInvalid || len(f.Fields) != 1 || f.Fields[0].Field != c.field {
			t.Errorf("ParsePeriod(%q, %q): %+v, want invalid naming %s", c.from, c.to, f, c.field)
		}
	}
	p, err := app.ParsePeriod("2026-03-29", "2026-03-29") // the clocks go forward: a 23-hour day
	if err != nil || p.To.Sub(p.From) != 23*time.Hour || !p.From.Equal(time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("the day the clocks change: %v-%v, %v", p.From, p.To, err)
	}
	if _, err := app.ParsePeriod("2026-01-01", "2026-12-31"); err != nil {
		t.Errorf("a year: %v", err)
	}
}

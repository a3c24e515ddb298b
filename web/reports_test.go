package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// seedReports stores, in north, three offers filled after 1, 2 and 3
// hours and their bookings, one of them for a case referenced
// =HYPERLINK("x"), one (NR-2) attended with a safeguarding incident, one
// (NR-3) cancelled late by its interpreter, and a Tigrinya offer left
// unfilled, with two entries of Tigrinya unmet need (that offer's, a
// search's), all for interviews on 2026-11-30.
func (s *site) seedReports() {
	s.t.Helper()
	seedReportData(s.t, s.store, s.users[data.RoleSocialWorker], time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC), testNow)
}

// seedReportData is seedReports's records, their interviews at start,
// made at now, in sw's organisation.
func seedReportData(t testing.TB, store data.Store, sw data.User, start, now time.Time) {
	t.Helper()
	ctx := t.Context()
	offer := func(id, ref string, made time.Time, st data.OfferStatus, inv data.InvitationStatus) {
		t.Helper()
		o := data.Offer{
			ID: id, Organisation: sw.Organisation, CaseID: "case-" + ref, CaseReference: ref, CreatedBy: sw.ID,
			Start: start, End: start.Add(time.Hour), InterviewType: data.InterviewSocialWork, Modality: data.ModalityVideo,
			Mode: data.OfferCascade, RespondWithin: time.Hour, Status: st,
			Invitations: []data.Invitation{{InterpreterID: "int-" + ref, Status: inv}}, Version: 1, CreatedAt: made, UpdatedAt: now,
		}
		if err := store.CreateOffer(ctx, o, data.Audited(data.NewAuditEntry(now, sw, sw.Organisation, data.ActionOfferCreated, data.EntityOffer, o.ID))); err != nil {
			t.Fatal(err)
		}
	}
	for i, ref := range []string{`=HYPERLINK("x")`, "NR-2", "NR-3"} {
		made := now.Add(-time.Duration(i+1) * time.Hour)
		offerID := data.NewID(made)
		offer(offerID, ref, made, data.OfferFilled, data.InvitationAccepted)
		b := data.Booking{
			ID: data.NewID(now), Organisation: sw.Organisation, CaseID: fmt.Sprintf("case-%d", i), CaseReference: ref,
			InterpreterID: fmt.Sprintf("int-%d", i), BookedBy: sw.ID, Start: start, End: start.Add(time.Hour),
			InterviewType: data.InterviewSocialWork, Modality: data.ModalityVideo, Status: data.BookingConfirmed,
			Confirmation: data.ConfirmationOffer, OfferID: offerID, OfferedAt: made,
			Version: 1, CreatedAt: now, UpdatedAt: now,
		}
		switch ref {
		case "NR-2":
			b.Status, b.Code = data.BookingCompleted, data.OutcomeAttended
			b.Outcome = &data.Outcome{Attended: true, ChildComfortable: true, Code: data.OutcomeAttended, RecordedBy: sw.ID, RecordedAt: now,
				Checklist: &data.Checklist{Briefed: true, ConflictRedeclared: true, DebriefOffered: true}}
		case "NR-3":
			b.Status, b.Code, b.CancelReason = data.BookingCancelled, data.OutcomeCancelledByInterpreterLate, "the interpreter is ill"
		}
		if err := store.CreateBooking(ctx, b, data.Audited(data.NewAuditEntry(now, sw, sw.Organisation, data.ActionBookingCreated, data.EntityBooking, b.ID))); err != nil {
			t.Fatal(err)
		}
	}
	unfilled := data.NewID(now)
	offer(unfilled, "TI-1", now, data.OfferUnfilled, data.InvitationDeclined)
	for i, src := range []data.NeedSource{data.NeedOffer, data.NeedSearch} {
		n := data.UnmetNeed{
			ID: data.OfferNeedID([]string{unfilled, "search"}[i], start), Organisation: sw.Organisation, Source: src, Language: "ti",
			InterviewType: data.InterviewSocialWork, Modality: data.ModalityVideo, Start: start, RecordedAt: now,
			Reasons: []data.ReasonCount{{Code: []string{data.NeedDeclined, data.NeedNoSpeaker}[i], Count: 1}},
		}
		ch := data.Audited(data.NewAuditEntry(now, sw, sw.Organisation, data.ActionUnmetNeedRecorded, data.EntityUnmetNeed, n.ID))
		ch.UnmetNeed = []data.UnmetNeed{n}
		if err := store.AppendChange(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReportsPage: the page shows what the API answers for the same
// period (4 requests, 3 filled, 75 %, Tigrinya 2), each chart with its
// title, summary and table; a bad period is the form again with errors
// (400), never a failure; the downloads are CSV files in which the
// =HYPERLINK reference is text.
func TestReportsPage(t *testing.T) {
	s := newSite(t)
	s.seedReports()
	const period = "from=2026-11-30&to=2026-11-30"
	req := httptest.NewRequest(http.MethodGet, "/v1/reports/summary?"+period, nil)
	req.Header.Set("Authorization", "Bearer "+s.keys[data.RoleSocialWorker])
	res, err := s.fiber.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	var api struct {
		Requests, Filled, Unfilled, UnmetSearches, Incidents int
		Cancellations                                        struct {
			Total, Late   int
			ByInterpreter struct{ Total, Late int }
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&api); err != nil || api.Requests != 4 || api.Incidents != 1 || api.Cancellations.ByInterpreter.Late != 1 {
		t.Fatalf("the API's summary: %+v, %v", api, err)
	}

	b := s.browser()
	b.signIn(data.RoleSocialWorker)
	p := b.get("/reports?" + period)
	if p.status != 200 {
		t.Fatalf("reports page: %d\n%s", p.status, p.body)
	}
	for _, want := range []string{
		fmt.Sprintf("<th scope=\"row\">Requests (offers and direct bookings)</th><td>%d</td>", api.Requests),
		fmt.Sprintf("<th scope=\"row\">Filled</th><td>%d (0 booked directly)</td>", api.Filled),
		fmt.Sprintf("<th scope=\"row\">Unfilled</th><td>%d</td>", api.Unfilled),
		"<th scope=\"row\">Fill rate</th><td>75%</td>",
		"<th scope=\"row\">Time to fill an offer, median</th><td>2 hours</td>",
		`<title id="requests-title">Requests from 30/11/2026 to 30/11/2026</title>`,
		"4 requests: 3 filled, 1 unfilled (75% filled); 1 search found nobody.",
		`<title id="unmet-title">`, "2 requests went unmet: Tigrinya 2.",
		`<th scope="row">Tigrinya</th><td>1</td><td>1</td><td>2</td>`,
		`href="/reports/unmet-need.csv?from=2026-11-30&amp;shareable=true&amp;to=2026-11-30"`,
		fmt.Sprintf("<th scope=\"row\">Cancelled, all</th><td>%d</td><td>%d</td>", api.Cancellations.Total, api.Cancellations.Late),
		fmt.Sprintf("<th scope=\"row\">Cancelled by the interpreter</th><td>%d</td><td>%d</td>", api.Cancellations.ByInterpreter.Total, api.Cancellations.ByInterpreter.Late),
		fmt.Sprintf("<th scope=\"row\">Safeguarding incidents (the interpreter was alone with the child)</th><td>%d</td>", api.Incidents),
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if main := p.body[strings.Index(p.body, "<main"):strings.Index(p.body, "</main>")]; strings.Contains(main, "<script") {
		t.Error("the reports page's content has a script: the charts are drawn by the server")
	}

	if one := b.get("/reports?language=ti&" + period); one.status != 200 || !strings.Contains(one.body, `<option value="ti" selected>Tigrinya</option>`) ||
		!strings.Contains(one.body, "Unmet need in Tigrinya") || !strings.Contains(one.body, "language=ti&amp;shareable=true") {
		t.Errorf("Tigrinya alone: %d", one.status)
	}
	if none := b.get("/reports?language=ckb&" + period); none.status != 200 || !strings.Contains(none.body, "No request went unmet.") {
		t.Errorf("Sorani alone: %d", none.status)
	}
	if bad := b.get("/reports?language=not+a+tag%21&" + period); bad.status != 400 || !strings.Contains(bad.body, `id="f-language-error"`) {
		t.Errorf("a language that is no tag: %d", bad.status)
	}
	bad := b.get("/reports?from=2026-12-02&to=2026-12-01")
	if bad.status != 400 || !strings.Contains(bad.body, "must be on or after from") || !strings.Contains(bad.body, `id="f-to-error"`) {
		t.Errorf("a period ending before it starts: %d\n%.2000s", bad.status, bad.body)
	}
	if def := b.get("/reports"); def.status != 200 || !strings.Contains(def.body, `value="1/11/2026"`) || !strings.Contains(def.body, `value="22/11/2026"`) {
		t.Errorf("the default period (the month so far), in UK form: %d", def.status)
	}
	// Days as people in the UK write them, shown back the same way; one
	// that is no day is named.
	if uk := b.get("/reports?from=30%2F11%2F2026&to=30-11-26"); uk.status != 200 || !strings.Contains(uk.body, `value="30/11/2026"`) ||
		!strings.Contains(uk.body, "from=2026-11-30") {
		t.Errorf("a period written the UK way: %d", uk.status)
	}
	if bad := b.get("/reports?from=11%2F31%2F2026&to=30%2F11%2F2026"); bad.status != 400 || !strings.Contains(bad.body, "must be a day, like 1/12/2026") {
		t.Errorf("a US date: %d", bad.status)
	}

	csv := b.get("/reports/bookings.csv?" + period)
	if csv.status != 200 || !strings.HasPrefix(csv.header.Get("Content-Disposition"), "attachment;") ||
		!strings.Contains(csv.body, `"'=HYPERLINK(""x"")"`) || !strings.HasPrefix(csv.body, "date,start,end,caseReference,") {
		t.Errorf("bookings CSV: %d %v\n%s", csv.status, csv.header, csv.body)
	}
	shared := b.get("/reports/unmet-need.csv?shareable=true&" + period)
	if shared.status != 200 || !strings.Contains(shared.body, "ti,total,suppressed\r\n") || strings.Contains(shared.body, ",2\r\n") {
		t.Errorf("shareable unmet need CSV: %d\n%s", shared.status, shared.body)
	}
	if got := b.get("/reports/bookings.csv?from=x&to=2026-11-30"); got.status != 400 {
		t.Errorf("a download with a bad period: %d", got.status)
	}

	admin := s.browser()
	admin.signIn(data.RoleAdmin)
	if got := admin.get("/reports?" + period); got.status != 403 {
		t.Errorf("an admin's reports page: %d", got.status)
	}

	// Across the register: a coordinator chooses it, and counts another
	// organisation's requests too (as many again); a social worker has
	// no such choice, and asking is refused as the API refuses it.
	other := s.users[data.RoleSocialWorker]
	other.ID, other.Organisation = "sw-elsewhere", "elsewhere"
	seedReportData(t, s.store, other, time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC), testNow) // the same interpreters, later
	if p.status != 200 || strings.Contains(p.body, `name="scope"`) {
		t.Errorf("a social worker is offered the register's reports")
	}
	if got := b.get("/reports?scope=register&" + period); got.status != 403 {
		t.Errorf("a social worker asking for the register's reports: %d", got.status)
	}
	coord := s.browser()
	coord.signIn(data.RoleCoordinator)
	own := coord.get("/reports?" + period)
	all := coord.get("/reports?scope=register&" + period)
	for _, c := range []struct {
		page      page
		requests  int
		selected  string
		bookings  bool
		unmetLink string
	}{
		{own, 4, `<option value="organisation" selected>`, true, `href="/reports/unmet-need.csv?from=2026-11-30&amp;to=2026-11-30"`},
		{all, 8, `<option value="register" selected>`, false, `href="/reports/unmet-need.csv?from=2026-11-30&amp;scope=register&amp;to=2026-11-30"`},
	} {
		if c.page.status != 200 || !strings.Contains(c.page.body, fmt.Sprintf("<th scope=\"row\">Requests (offers and direct bookings)</th><td>%d</td>", c.requests)) ||
			!strings.Contains(c.page.body, c.selected) || strings.Contains(c.page.body, "/reports/bookings.csv") != c.bookings || !strings.Contains(c.page.body, c.unmetLink) {
			t.Errorf("the coordinator's page (want %d requests, %s): %d\n%.3000s", c.requests, c.selected, c.page.status, c.page.body)
		}
	}
	if csv := coord.get("/reports/unmet-need.csv?scope=register&" + period); csv.status != 200 || !strings.Contains(csv.body, "ti,total,4\r\n") {
		t.Errorf("the register's unmet need CSV: %d\n%s", csv.status, csv.body)
	}
}

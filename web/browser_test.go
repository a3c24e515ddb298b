package web_test

// Browser tests: headless Chromium (Debian's chromium) driven through
// chromedp against the whole service on 127.0.0.1. Every page visited is
// checked with axe-core (no serious or critical violation). Without
// Chromium they skip, loudly; with TOLK_REQUIRE_BROWSER=1 (CI) they fail.
// Set TOLK_SCREENSHOTS to a directory to keep the screenshots.

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tolk/tolk/data"
)

// ukSlot is a weekday 10:00 UK time, days from now (never a weekend, so
// nothing depends on the day the test runs), as people in the UK write
// them: "14/3/2027 10:00". A weekend moves it on to the Monday, so days a
// day or two apart can give the same slot (15 and 16 days from a Friday):
// ukWeekdaySlot gives slots on different days.
func ukSlot(days int, minutes int) (start, end string) {
	d := time.Now().In(data.London).AddDate(0, 0, days)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	s := time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, data.London)
	return s.Format("2/1/2006 15:04"), s.Add(time.Duration(minutes) * time.Minute).Format("2/1/2006 15:04") // as people write them
}

// ukWeekdaySlot is 10:00 UK time on the nth weekday after today, as
// ukSlot writes it: a different n is a different day on any day the test
// runs. The nth weekday is about 7n/5 days ahead (the 10th, 12 to 14).
func ukWeekdaySlot(n, minutes int) (start, end string) {
	s := nthWeekday(time.Now(), n)
	return s.Format("2/1/2006 15:04"), s.Add(time.Duration(minutes) * time.Minute).Format("2/1/2006 15:04")
}

// nthWeekday is 10:00 UK time on the nth weekday (Monday to Friday) after
// now's day in the UK.
func nthWeekday(now time.Time, n int) time.Time {
	d := now.In(data.London)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			n--
		}
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, data.London)
}

// TestNthWeekday: from every hour of a fortnight (both sides of midnight
// in the UK and in UTC, a clock change among them), the 10th, 11th and
// 12th weekdays are different weekdays, in order, at 10:00 UK time, 11 to
// 19 days ahead: the offers of TestBrowserRespondByLink never share a slot
// and Karwan's clearance (20 days) covers them.
func TestNthWeekday(t *testing.T) {
	from := time.Date(2027, 3, 19, 0, 0, 0, 0, time.UTC) // the clocks go forward on the 28th
	for now := from; now.Before(from.AddDate(0, 0, 14)); now = now.Add(time.Hour) {
		var last time.Time
		for n := 10; n <= 12; n++ {
			d := nthWeekday(now, n)
			l := d.In(data.London)
			if l.Weekday() == time.Saturday || l.Weekday() == time.Sunday || l.Hour() != 10 || l.Minute() != 0 {
				t.Errorf("from %v the %dth weekday is %v", now, n, l)
			}
			if days := d.Sub(now).Hours() / 24; days < 11 || days > 19 {
				t.Errorf("from %v the %dth weekday, %v, is %.1f days ahead", now, n, l, days)
			}
			if !d.After(last.Add(20 * time.Hour)) {
				t.Errorf("from %v the %dth weekday, %v, is not a day after the one before, %v", now, n, l, last)
			}
			last = d
		}
	}
}

// lateStart is the start of an hour's interview a little under three
// hours after now (on a quarter hour) as UK time, moved on a quarter hour
// at a time while its start or end is a time the UK clocks show twice (the
// night they go back): the form reads such a time as the first of its two
// instants (BST: parseLocal), which need not be the one meant, so what was
// typed could read as another hour, or as the past. It is under 24 hours
// away on any day.
func lateStart(now time.Time) time.Time {
	shown := func(t time.Time) string { return t.In(data.London).Format("2/1/2006 15:04") }
	twice := func(t time.Time) bool {
		return shown(t) == shown(t.Add(time.Hour)) || shown(t) == shown(t.Add(-time.Hour))
	}
	start := now.In(data.London).Add(3 * time.Hour).Truncate(15 * time.Minute)
	for twice(start) || twice(start.Add(time.Hour)) {
		start = start.Add(15 * time.Minute)
	}
	return start
}

// TestLateStart: from every five minutes of the nights the UK clocks go
// back and forward (and an ordinary day), lateStart is over two and three
// quarter hours and under 24 hours away, and its start and end, typed as UK
// times, read back as themselves, an hour apart.
func TestLateStart(t *testing.T) {
	for _, from := range []time.Time{
		time.Date(2026, 10, 24, 18, 0, 0, 0, time.UTC), // clocks back at 01:00 UTC on the 25th
		time.Date(2027, 3, 27, 18, 0, 0, 0, time.UTC),  // forward at 01:00 UTC on the 28th
		time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC),
	} {
		for now := from; now.Before(from.Add(12 * time.Hour)); now = now.Add(5 * time.Minute) {
			start := lateStart(now)
			if d := start.Sub(now); d < 165*time.Minute || d >= 24*time.Hour {
				t.Errorf("from %v the start %v is %v away", now, start, d)
			}
			for _, want := range []time.Time{start, start.Add(time.Hour)} {
				typed := want.In(data.London).Format("2/1/2006 15:04")
				if got, err := time.ParseInLocation("2/1/2006 15:04", typed, data.London); err != nil || !got.Equal(want) {
					t.Errorf("from %v, %q reads as %v (%v), want %v", now, typed, got, err, want)
				}
			}
		}
	}
}

// TestBrowserSocialWorker walks a social worker through the service with
// the mouse: sign in, create a case (an error first), match, book in
// person, reschedule, cancel (a blank reason first), subscribe a calendar,
// sign out. No page shows a sensitive interpreter field.
func TestBrowserSocialWorker(t *testing.T) {
	site := newLiveSite(t)
	b := newLiveTab(t, site)
	b.plain = true // no page shows a code as the only name of a thing

	// Signed out, a page lands on sign-in, which brings you back.
	st := b.open("/cases/new")
	b.wantPage("signed-out visit", st, 200, "/sign-in?next=%2Fcases%2Fnew")
	b.check("sign-in")
	st = b.submit("sign in with no key", chromedp.Click(chromedp.CSS("main button[type=submit]")))
	b.wantPage("sign in with no key", st, 400, "/sign-in")
	b.check("sign-in with an error")
	b.do("type the key", chromedp.SendKeys(chromedp.ID("f-apiKey"), site.keys[data.RoleSocialWorker]))
	st = b.submit("sign in", chromedp.Click(chromedp.CSS("main button[type=submit]")))
	b.wantPage("sign in", st, 200, "/cases/new")
	b.check("case form")

	// A case with no reference and no language: the error summary has the
	// focus and links to each field.
	st = b.submit("create a blank case", chromedp.Click(chromedp.CSS("main button[type=submit]")))
	b.wantPage("create a blank case", st, 400, "/cases")
	b.check("case form with errors")
	if !eval[bool](b, `document.activeElement.matches(".error-summary")`) {
		t.Errorf("after a failed submit the focus is on %s, want the error summary", b.focused())
	}
	links := eval[[]string](b, `[...document.querySelectorAll(".error-summary a")].map(a => a.getAttribute("href"))`)
	if len(links) == 0 || links[0] != "#f-reference" {
		t.Errorf("error summary links %q, want #f-reference first", links)
	}
	for _, href := range links {
		if !eval[bool](b, fmt.Sprintf(`document.querySelector(%q) !== null`, href)) {
			t.Errorf("error summary links to %s, which no element on the page has", href)
		}
	}
	b.do("follow the first error", chromedp.Click(chromedp.CSS(`.error-summary a[href="#f-reference"]`)))
	if f := b.focused(); !strings.HasPrefix(f, "input#f-reference") {
		t.Errorf("after following the error link the focus is on %s, want the reference field", f)
	}

	b.do("fill the case",
		chromedp.SendKeys(chromedp.ID("f-reference"), "BT-2026-0042"),
		chromedp.SendKeys(chromedp.ID("f-child-languages-0-tag"), "ckb"),
		chromedp.Click(chromedp.ID("gender-female")))
	st = b.submit("create the case", chromedp.Click(chromedp.CSS("main button[type=submit]")))
	b.wantPage("create the case", st, 200, "/cases/")
	caseURL := b.path()
	b.check("case")

	// Match: in person in London, a weekday a fortnight ahead, UK time.
	start, end := ukSlot(14, 90)
	b.do("fill the match form",
		chromedp.SetValue(chromedp.ID("f-start"), start),
		chromedp.SetValue(chromedp.ID("f-end"), end),
		chromedp.SetValue(chromedp.ID("f-interviewType"), string(data.InterviewSocialWork)),
		chromedp.Click(chromedp.ID("modality-in_person")),
		chromedp.SendKeys(chromedp.ID("f-region"), "GB-LND"))
	st = b.submit("find interpreters", chromedp.Click(chromedp.CSS("form.search button[type=submit]")))
	b.wantPage("find interpreters", st, 200, strings.SplitN(caseURL, "?", 2)[0]+"/matches?")
	b.check("results")
	b.screenshot("results")
	if !eval[bool](b, `(() => { const c = document.querySelector("ol.candidates");
		return c !== null && c.querySelectorAll(":scope > li").length > 0 && [...document.querySelectorAll("main h2")][0].textContent.startsWith("Who can take it") })()`) {
		t.Fatalf("the results do not list candidates first: %.500s", b.text("main"))
	}
	if first := b.text("ol.candidates > li:first-child h3"); !strings.Contains(first, "Shirin Ahmadi") {
		t.Errorf("first candidate is %q, want Shirin Ahmadi (the most experienced)", first)
	}
	if ex := b.text("main"); !strings.Contains(ex, "Zana Baran") || !strings.Contains(ex, "vetting status is pending, not approved") {
		t.Errorf("the excluded list does not show the pending interpreter as not approved: %.800s", ex)
	}
	if code := eval[string](b, `(e => e ? e.getAttribute("title") : "")(document.querySelector("ul.excluded ul.reasons li"))`); code == "" {
		t.Error("the excluded interpreter's reason keeps no code in its title")
	}

	// Book the first candidate directly (agreed by phone), in person: the
	// secondary action, folded under each candidate.
	b.do("open direct booking", chromedp.Click(chromedp.CSS("ol.candidates > li:first-child details.direct summary")))
	b.do("fill the location", chromedp.SendKeys(chromedp.CSS("ol.candidates > li:first-child input[name=location]"), "Room 4, Town Hall, London"))
	st = b.submit("book", chromedp.Click(chromedp.CSS("ol.candidates > li:first-child details.direct button[type=submit]")))
	b.wantPage("book", st, 200, "/bookings")
	b.confirmReview("book", "/bookings", "/bookings/", "Check the booking before it is made", "Nothing is booked yet", "Shirin Ahmadi",
		"When (UK time)", "Room 4, Town Hall, London", "a calendar invitation", "Confirm and book")
	bookingURL := strings.SplitN(b.path(), "?", 2)[0]
	b.check("booking")
	b.screenshot("booking")
	if s := b.text("dl.summary"); !strings.Contains(s, "Confirmed") || !strings.Contains(s, "Version 0.") || !strings.Contains(s, "Room 4, Town Hall") {
		t.Errorf("new booking shows %q, want Confirmed, Version 0 and the location", s)
	}
	code, invite := b.fetch(bookingURL + "/invite.ics")
	if code != http.StatusOK || !strings.Contains(invite, "BEGIN:VCALENDAR") {
		t.Errorf("invitation: %d %.200q", code, invite)
	}

	// Reschedule a week later, for an hour.
	start, end = ukSlot(21, 60)
	b.do("fill the new time", chromedp.SetValue(chromedp.ID("f-start"), start), chromedp.SetValue(chromedp.ID("f-end"), end))
	st = b.submit("reschedule", chromedp.Click(chromedp.CSS(`form[action$="/reschedule"] button[type=submit]`)))
	b.wantPage("reschedule", st, 200, bookingURL+"?notice=rescheduled")
	if s := b.text("dl.summary"); !strings.Contains(s, "Confirmed") || !strings.Contains(s, "Version 1.") {
		t.Errorf("rescheduled booking shows %q, want Confirmed and Version 1", s)
	}
	b.check("booking rescheduled")

	// Cancel: a blank reason is an error, linked to the reason field.
	st = b.submit("cancel without a reason", chromedp.Click(chromedp.CSS(`form[action$="/cancel"] button[type=submit]`)))
	b.wantPage("cancel without a reason", st, 400, bookingURL)
	b.check("booking with an error")
	if l := eval[[]string](b, `[...document.querySelectorAll(".error-summary a")].map(a => a.getAttribute("href"))`); len(l) != 1 || l[0] != "#f-reason" {
		t.Errorf("error summary links %q, want #f-reason", l)
	}
	b.do("give a reason", chromedp.SendKeys(chromedp.ID("f-reason"), "The interview moved to next month"))
	st = b.submit("cancel", chromedp.Click(chromedp.CSS(`form[action$="/cancel"] button[type=submit]`)))
	b.wantPage("cancel", st, 200, bookingURL+"?notice=cancelled")
	if s := b.text("dl.summary"); !strings.Contains(s, "Cancelled") {
		t.Errorf("cancelled booking shows %q", s)
	}
	b.check("booking cancelled")

	// Home, the case again, and a calendar subscription.
	b.wantPage("home", b.open("/"), 200, "/")
	b.check("home")
	b.wantPage("case again", b.open(strings.SplitN(caseURL, "?", 2)[0]), 200, "/cases/")
	b.check("case with bookings")
	b.wantPage("subscriptions", b.open("/subscriptions"), 200, "/subscriptions")
	b.check("subscriptions")
	st = b.submit("subscribe", chromedp.Click(chromedp.CSS(`form[action="/subscriptions"] button[type=submit]`)))
	b.wantPage("subscribe", st, 201, "/subscriptions")
	if !strings.HasPrefix(eval[string](b, `document.querySelector("a[href^='webcal://']").getAttribute("href")`), "webcal://127.0.0.1:") {
		t.Error("the new subscription shows no webcal:// link")
	}
	b.check("subscription created")

	// The register and a record, which a social worker may open by
	// address: approved interpreters only, in the reduced view.
	for _, path := range []string{"/interpreters", "/interpreters/" + site.ids["Shirin"]} {
		if st := b.open(path); st != http.StatusOK && st != http.StatusForbidden {
			t.Errorf("social worker opening %s: %d", path, st)
		}
		b.check("social worker's " + path)
	}
	b.checkSensitive(map[string]string{"invitation": invite})

	// Sign out; a later visit lands on sign-in.
	st = b.submit("sign out", chromedp.Click(chromedp.CSS("form.sign-out button")))
	b.wantPage("sign out", st, 200, "/sign-in?notice=signed-out")
	b.check("signed out")
	b.wantPage("visit after sign-out", b.open(bookingURL), 200, "/sign-in?next=")
}

// TestBrowserKeyboard does a social worker's sign-in, case, booking,
// cancellation and sign-out, and a coordinator's approval, with the
// keyboard alone: Tab, typing, arrows, Enter and Space, never a click.
func TestBrowserKeyboard(t *testing.T) {
	site := newLiveSite(t)
	b := newLiveTab(t, site)

	b.open("/sign-in")
	b.do("press Tab", chromedp.KeyEvent(kb.Tab))
	if f := b.focused(); !strings.Contains(f, "Skip to main content") {
		t.Errorf("the first Tab focuses %s, want the skip link", f)
	}
	b.tabTo("#f-apiKey")
	b.typeKeys(site.keys[data.RoleSocialWorker])
	b.wantPage("sign in by Enter", b.submit("press Enter", chromedp.KeyEvent(kb.Enter)), 200, "/")

	b.tabTo(`a[href="/cases/new"]`)
	b.wantPage("open the case form", b.submit("press Enter", chromedp.KeyEvent(kb.Enter)), 200, "/cases/new")
	b.tabTo("#f-reference")
	b.typeKeys("KB-2026-0007")
	b.tabTo("#f-child-languages-0-tag")
	b.typeKeys("ckb")
	b.tabTo("main form button[type=submit]")
	b.wantPage("create the case by Space", b.submit("press Space", chromedp.KeyEvent(" ")), 200, "/cases/")
	if h := b.text("h1"); h != "KB-2026-0007" {
		t.Errorf("case page heading %q", h)
	}

	// The match form's own suggestion (the next weekday, 10:00 to 11:00,
	// social work, by video) changed: a start under 24 hours away typed
	// over the suggested times (Tab selects a field's text, so typing
	// replaces it), in person with the arrow keys, and a region typed in
	// the field that then appears. The start is about three hours from now
	// so that the cancellation below is late on whatever day the test runs.
	soon := lateStart(time.Now())
	b.tabTo("#f-start")
	b.typeKeys(soon.Format("2/1/2006 15:04"))
	b.tabTo("#f-end")
	b.typeKeys(soon.Add(time.Hour).Format("2/1/2006 15:04"))
	b.tabTo("input[name=modality]:checked")
	b.do("press ArrowUp", chromedp.KeyEvent(kb.ArrowUp))
	if !eval[bool](b, `document.querySelector("#modality-in_person").checked`) {
		t.Fatalf("ArrowUp in the modality radios left %s checked", eval[string](b, `document.querySelector("input[name=modality]:checked").value`))
	}
	b.tabTo("#f-region")
	b.typeKeys("GB-LND")
	b.wantPage("find interpreters by Enter", b.submit("press Enter", chromedp.KeyEvent(kb.Enter)), 200, "/cases/")
	if !strings.Contains(b.path(), "/matches?") {
		t.Fatalf("Enter in the region field led to %s", b.path())
	}
	b.tabTo("ol.candidates > li:first-child details.direct summary")
	b.do("open direct booking by Enter", chromedp.KeyEvent(kb.Enter))
	b.tabTo("ol.candidates > li:first-child input[name=location]")
	b.typeKeys("Room 1, Civic Centre")
	b.do("press Tab", chromedp.KeyEvent(kb.Tab))
	if f := b.focused(); !strings.Contains(f, "book Shirin") {
		t.Fatalf("Tab after the location focuses %s, want its Check and book button", f)
	}
	b.wantPage("review by Enter", b.submit("press Enter", chromedp.KeyEvent(kb.Enter)), 200, "/bookings")
	b.tabTo("form.confirm button")
	b.wantPage("book by Enter", b.submit("press Enter", chromedp.KeyEvent(kb.Enter)), 200, "/bookings/")
	if s := b.text("dl.summary"); !strings.Contains(s, "Confirmed") || !strings.Contains(s, "Version 0.") {
		t.Errorf("booking shows %q", s)
	}

	b.tabTo("#f-reason")
	b.typeKeys("Booked by mistake")
	b.do("press Tab", chromedp.KeyEvent(kb.Tab))
	if f := b.focused(); !strings.Contains(f, "cancelledBy-requester") {
		t.Fatalf("Tab after the reason focuses %s, want who called it off (the requester, checked)", f)
	}
	b.do("choose the interpreter by the arrow key", chromedp.KeyEvent(kb.ArrowDown))
	b.do("press Tab", chromedp.KeyEvent(kb.Tab))
	if f := b.focused(); !strings.Contains(f, "Cancel the booking") {
		t.Fatalf("Tab after who called it off focuses %s, want the cancel button", f)
	}
	b.wantPage("cancel by Space", b.submit("press Space", chromedp.KeyEvent(" ")), 200, "/bookings/")
	if s := b.text("dl.summary"); !strings.Contains(s, "Cancelled") || !strings.Contains(s, "Cancelled by the interpreter, late") {
		t.Errorf("booking shows %q after cancelling (by the interpreter, under 24 hours before the start)", s)
	}

	b.tabTo("form.sign-out button")
	b.wantPage("sign out by Enter", b.submit("press Enter", chromedp.KeyEvent(kb.Enter)), 200, "/sign-in?notice=signed-out")

	// A coordinator approves the pending interpreter and opens the
	// renewal report.
	b.tabTo("#f-apiKey")
	b.typeKeys(site.keys[data.RoleCoordinator])
	b.wantPage("coordinator sign-in by Enter", b.submit("press Enter", chromedp.KeyEvent(kb.Enter)), 200, "/")
	b.tabTo(`nav a[href="/interpreters"]`)
	b.wantPage("open the register", b.submit("press Enter", chromedp.KeyEvent(kb.Enter)), 200, "/interpreters")
	zana := site.ids["Zana"]
	b.tabTo(`a[href="/interpreters/` + zana + `"]`)
	b.wantPage("open the record", b.submit("press Enter", chromedp.KeyEvent(kb.Enter)), 200, "/interpreters/"+zana)
	b.tabTo("input[name=decision]")
	b.do("press Space", chromedp.KeyEvent(" "))
	if !eval[bool](b, `document.querySelector("#decision-approve").checked`) {
		t.Fatalf("Space on the first decision left %q checked", eval[string](b, `(document.querySelector("input[name=decision]:checked") || {}).value || "nothing"`))
	}
	b.tabTo("#f-note")
	b.typeKeys("Checked by keyboard")
	b.do("press Tab", chromedp.KeyEvent(kb.Tab))
	b.wantPage("approve by Enter", b.submit("press Enter", chromedp.KeyEvent(kb.Enter)), 200, "/interpreters/"+zana+"?notice=vetting")
	if s := b.text("main"); !strings.Contains(s, "Approved") {
		t.Errorf("record after approval by keyboard: %.300s", s)
	}
	b.tabTo(`nav a[href="/vetting/expiring"]`)
	b.wantPage("open the renewals", b.submit("press Enter", chromedp.KeyEvent(kb.Enter)), 200, "/vetting/expiring")
}

// TestBrowserCoordinator has a coordinator approve a pending interpreter
// from the register and open the renewal report; an admin opens the users
// page.
func TestBrowserCoordinator(t *testing.T) {
	site := newLiveSite(t)
	b := newLiveTab(t, site)

	b.open("/sign-in")
	b.do("sign in", chromedp.SendKeys(chromedp.ID("f-apiKey"), site.keys[data.RoleCoordinator]))
	b.wantPage("sign in", b.submit("sign in", chromedp.Click(chromedp.CSS("main button[type=submit]"))), 200, "/")
	b.check("coordinator home")

	b.wantPage("register", b.open("/interpreters?status=pending"), 200, "/interpreters")
	b.check("register")
	zana := site.ids["Zana"]
	b.wantPage("open the record", b.submit("open Zana", chromedp.Click(chromedp.CSS(`a[href="/interpreters/`+zana+`"]`))), 200, "/interpreters/"+zana)
	b.check("interpreter record")
	if s := b.text("main"); !strings.Contains(s, "Pending") {
		t.Errorf("record before the decision: %.300s", s)
	}
	// No decision chosen is an error.
	st := b.submit("decide nothing", chromedp.Click(chromedp.CSS(`form[action$="/vetting"] button[type=submit]`)))
	b.wantPage("decide nothing", st, 400, "/interpreters/"+zana)
	b.check("interpreter record with an error")
	b.do("approve",
		chromedp.Click(chromedp.ID("decision-approve")),
		chromedp.SendKeys(chromedp.ID("f-note"), "References and DBS checked"))
	st = b.submit("record the decision", chromedp.Click(chromedp.CSS(`form[action$="/vetting"] button[type=submit]`)))
	b.wantPage("record the decision", st, 200, "/interpreters/"+zana+"?notice=vetting")
	if s := b.text("main"); !strings.Contains(s, "Approved") || !strings.Contains(s, "References and DBS checked") {
		t.Errorf("record after approval: %.600s", s)
	}
	b.check("interpreter approved")

	// The full record shows what a social worker must never see: the
	// values the social worker's test looks for are really there.
	b.wantPage("full record", b.open("/interpreters/"+site.ids["Shirin"]), 200, "/interpreters/")
	b.check("full record")
	b.screenshot("record")
	for _, v := range sensitiveValues {
		if !strings.Contains(b.seen["full record"], v) {
			t.Errorf("the coordinator's full record lacks %q", v)
		}
	}

	b.wantPage("renewals", b.open("/vetting/expiring"), 200, "/vetting/expiring")
	b.check("renewals")
	b.screenshot("renewals")
	if s := b.text("main"); !strings.Contains(s, "Karwan Aziz") {
		t.Errorf("the renewal report does not list Karwan Aziz, whose clearance lapses in 20 days: %.600s", s)
	}
	b.wantPage("safeguarding", b.open("/safeguarding"), 200, "/safeguarding")
	b.check("safeguarding")
	b.wantPage("interpreter form", b.open("/interpreters/new"), 200, "/interpreters/new")
	b.check("new interpreter form")
	b.screenshot("interpreter-form")

	st = b.submit("sign out", chromedp.Click(chromedp.CSS("form.sign-out button")))
	b.wantPage("sign out", st, 200, "/sign-in")
	b.do("sign in as admin", chromedp.SendKeys(chromedp.ID("f-apiKey"), site.keys[data.RoleAdmin]))
	b.wantPage("admin sign in", b.submit("sign in", chromedp.Click(chromedp.CSS("main button[type=submit]"))), 200, "/")
	b.check("admin home")
	b.wantPage("users", b.open("/users"), 200, "/users")
	b.check("users")
}

// TestBrowserCrossSitePost checks that a form another origin posts to tolk
// is refused with 403 and changes nothing, through a plain HTTP client and
// through the browser from a page on another port.
func TestBrowserCrossSitePost(t *testing.T) {
	site := newLiveSite(t)

	// A plain client with a real session and its CSRF token, posting as
	// if from http://evil.example.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	post := func(path string, form url.Values, origin string) (int, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, site.url+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, _ := post("/sign-in", url.Values{"apiKey": {site.keys[data.RoleSocialWorker]}}, "http://evil.example"); code != http.StatusForbidden {
		t.Errorf("cross-site sign-in: %d, want 403", code)
	}
	if code, _ := post("/sign-in", url.Values{"apiKey": {site.keys[data.RoleSocialWorker]}}, site.url); code != http.StatusOK {
		t.Fatalf("sign-in: %d", code)
	}
	home := liveGet(t, client, site.url+"/")
	csrf := regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`).FindStringSubmatch(home)
	if csrf == nil {
		t.Fatalf("no CSRF token on the home page: %.300s", home)
	}
	for _, path := range []string{"/bookings", "/sign-out", "/cases"} {
		form := url.Values{"_csrf": {csrf[1]}, "caseId": {"x"}, "interpreterId": {site.ids["Hero"]}, "reference": {"EVIL-1"}, "child.languages[0].tag": {"ckb"}}
		if code, body := post(path, form, "http://evil.example"); code != http.StatusForbidden || !strings.Contains(body, "came from another site") {
			t.Errorf("POST %s from http://evil.example: %d, want 403 (%.200s)", path, code, body)
		}
	}
	if !strings.Contains(liveGet(t, client, site.url+"/"), "Sign out") {
		t.Error("the refused cross-site sign-out ended the session")
	}

	// The browser, signed in, on a page of another origin (127.0.0.1 on
	// another port: the same site, so SameSite=Lax still sends the cookie
	// and only the Origin check stands in the way), even with the token.
	b := newLiveTab(t, site)
	b.open("/sign-in")
	b.do("sign in", chromedp.SendKeys(chromedp.ID("f-apiKey"), site.keys[data.RoleSocialWorker]))
	b.wantPage("sign in", b.submit("sign in", chromedp.Click(chromedp.CSS("main button[type=submit]"))), 200, "/")
	token := eval[string](b, `document.querySelector("input[name=_csrf]").value`)
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><title>Win a prize</title><form method="post" action="%s/sign-out">
<input type="hidden" name="_csrf" value="%s"><button>Claim</button></form>`, html.EscapeString(site.url), html.EscapeString(token))
	}))
	t.Cleanup(evil.Close)
	if _, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(evil.URL)); err != nil {
		t.Fatal(err)
	}
	st := b.submit("post from the other origin", chromedp.Click(chromedp.CSS("button")))
	if h := b.text("h1"); st != http.StatusForbidden || !strings.Contains(h, "another site") {
		t.Errorf("cross-origin form post: %d %q, want 403 and the cross-site page", st, h)
	}
	b.wantPage("still signed in", b.open("/"), 200, "/")
	b.mu.Lock()
	b.console = nil // the refused post's 403 is logged as a failed load
	b.mu.Unlock()
}

func liveGet(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

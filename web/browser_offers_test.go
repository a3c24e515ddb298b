package web_test

// Browser tests of offers: a social worker asks the top three
// candidates, one at a time; an interpreter, in another browser on a
// phone-sized screen (375 px), answers. Every page is checked with axe at
// 375 and 1280 px.

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// interpreterKey makes, as the coordinator, a user for the interpreter
// with this first name and returns its key.
func (s *liveSite) interpreterKey(t *testing.T, first string) string {
	t.Helper()
	_, key, err := s.app.CreateUser(t.Context(), s.users[data.RoleCoordinator], app.NewUser{Role: data.RoleInterpreter, InterpreterID: s.ids[first]})
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// signInWith signs the tab in with key, from the sign-in page.
func (b *liveTab) signInWith(key string) {
	b.t.Helper()
	b.open("/sign-in")
	b.do("type the key", chromedp.SendKeys(chromedp.ID("f-apiKey"), key))
	b.wantPage("sign in", b.submit("sign in", chromedp.Click(chromedp.CSS("main button[type=submit]"))), 200, "/")
}

// width sets the tab's viewport: 375 is a phone (as a phone renders it),
// 1280 a desktop.
func (b *liveTab) width(w int64) {
	b.t.Helper()
	if w < 600 {
		b.do("phone viewport", chromedp.EmulateViewport(w, 812, chromedp.EmulateMobile))
		return
	}
	b.do("desktop viewport", chromedp.EmulateViewport(w, 900))
}

// checkWidths opens each path at 375 and then 1280 px, runs axe on it at
// each width and saves a screenshot at each, and leaves the tab at 1280.
func (b *liveTab) checkWidths(paths ...string) {
	b.t.Helper()
	for _, w := range []int64{375, 1280} {
		b.width(w)
		for _, p := range paths {
			b.wantPage("open "+p, b.open(p), 200, strings.SplitN(p, "?", 2)[0])
			name := strings.ReplaceAll(strings.Trim(strings.SplitN(p, "?", 2)[0], "/"), "/", "-")
			if name == "" {
				name = "home"
			}
			b.check(name + "@" + itoaW(w))
			b.screenshot(name + "-" + itoaW(w))
		}
	}
}

func itoaW(w int64) string {
	if w < 600 {
		return "375"
	}
	return "1280"
}

// offerTopThree has the signed-in social worker find interpreters for a
// new case (in person, in London, a fortnight ahead) and ask the top
// three one at a time, as the results page proposes; it returns the
// case's and the offer's paths.
func offerTopThree(t *testing.T, site *liveSite, b *liveTab, ref string) (casePath, offerPath string) {
	t.Helper()
	c, err := site.app.CreateCase(t.Context(), site.users[data.RoleSocialWorker], data.Case{Reference: ref,
		Child: data.Child{Languages: []string{"ckb"}, AgeBand: data.Age12To15}})
	if err != nil {
		t.Fatal(err)
	}
	casePath = "/cases/" + c.ID
	b.wantPage("case", b.open(casePath), 200, casePath)
	start, end := ukSlot(14, 90)
	b.do("fill the match form",
		chromedp.SetValue(chromedp.ID("f-start"), start),
		chromedp.SetValue(chromedp.ID("f-end"), end),
		chromedp.SetValue(chromedp.ID("f-interviewType"), string(data.InterviewSocialWork)),
		chromedp.Click(chromedp.ID("modality-in_person")),
		chromedp.SendKeys(chromedp.ID("f-region"), "GB-LND"))
	b.wantPage("find interpreters", b.submit("find interpreters", chromedp.Click(chromedp.CSS("form.search button[type=submit]"))), 200, casePath+"/matches?")
	b.check("results with the offer form")
	b.screenshot("results-offer")
	chosen := eval[[]string](b, `[...document.querySelectorAll("input[name=interpreterIds]:checked")].map(e => e.closest("li").querySelector("label").textContent.trim())`)
	if len(chosen) != 3 || !strings.Contains(chosen[0], "Shirin Ahmadi") || !strings.Contains(chosen[1], "Hero Karim") {
		t.Fatalf("the results choose %q, want the top three, Shirin Ahmadi and Hero Karim first", chosen)
	}
	if !eval[bool](b, `document.querySelector("#mode-cascade").checked`) {
		t.Error("the offer form does not ask one at a time by default")
	}
	b.do("fill where", chromedp.SendKeys(chromedp.ID("f-location"), "Room 2, Civic Centre, London"))
	st := b.submit("send the offer", chromedp.Click(chromedp.CSS("#offer-form > button[type=submit]")))
	b.wantPage("send the offer", st, 200, "/offers")
	b.confirmReview("offer", "/offers", "/offers/", "Check the offer before it is sent", "Nothing is sent yet", "Shirin Ahmadi (fictional) Hero Karim",
		"One at a time, in this order", "Room 2, Civic Centre, London", "Each interpreter asked gets an email", "Confirm and send the offer")
	offerPath = strings.SplitN(b.path(), "?", 2)[0]
	b.check("offer sent")
	if s := b.text("main"); !strings.Contains(s, "Asked Shirin Ahmadi (fictional), answer due by") || !strings.Contains(s, "2 more to ask in turn") {
		t.Errorf("the new offer's page says %.400q", s)
	}
	return casePath, offerPath
}

// TestBrowserOfferAccepted: the social worker offers the top three in
// cascade; the first, on a phone, accepts with the declaration (after
// trying without it); the case page shows the offer filled with the
// booking. The interpreter also keeps their hours and dates away and
// takes a busy-time calendar link.
func TestBrowserOfferAccepted(t *testing.T) {
	site := newLiveSite(t)
	shirin := site.interpreterKey(t, "Shirin")
	sw := newLiveTab(t, site)
	sw.signInWith(site.keys[data.RoleSocialWorker])
	casePath, offerPath := offerTopThree(t, site, sw, "BT-OFFER-1")

	in := newLiveTab(t, site)
	in.width(375)
	in.signInWith(shirin)
	in.check("invitations")
	in.screenshot("invitations-375")
	card := in.text("ul.cards > li.invitation:first-child")
	for _, want := range []string{"Social work interview", "10:00 to 11:30", "1 hour 30 minutes", "In person, in City of London", "north",
		"Kurdish (Sorani)", "12 to 15", "Answer by"} {
		if !strings.Contains(card, want) {
			t.Errorf("the invitation lacks %q: %s", want, card)
		}
	}
	if strings.Contains(card, "BT-OFFER-1") || strings.Contains(card, "Room 2") {
		t.Errorf("the invitation shows the case reference or the address before accepting: %s", card)
	}
	if w := eval[float64](in, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("the invitations page is %v px wide on a 375 px screen", w)
	}
	if h := eval[float64](in, `document.querySelector("li.invitation form[action$='/accept'] button").getBoundingClientRect().height`); h < 44 {
		t.Errorf("the accept button is %v px high, want at least 44", h)
	}

	// Without the declaration: refused, the summary linking to the box.
	st := in.submit("accept without the declaration", chromedp.Click(chromedp.CSS("li.invitation:first-child form[action$='/accept'] button")))
	in.wantPage("accept without the declaration", st, 400, "/invitations/")
	in.check("invitation with an error")
	in.screenshot("invitation-error-375")
	if l := eval[[]string](in, `[...document.querySelectorAll(".error-summary a")].map(a => a.getAttribute("href"))`); len(l) != 1 || l[0] != "#f-noKnownConflict" {
		t.Errorf("error summary links %q, want #f-noKnownConflict", l)
	}
	in.do("declare", chromedp.Click(chromedp.ID("f-noKnownConflict")))
	st = in.submit("accept", chromedp.Click(chromedp.CSS("form[action$='/accept'] button")))
	in.wantPage("accept", st, 200, "/my/bookings/")
	in.check("booking accepted")
	in.screenshot("booking-375")
	if s := in.text("main"); !strings.Contains(s, "You accepted") || !strings.Contains(s, "Room 2, Civic Centre, London") {
		t.Errorf("the booking after accepting says %.400q", s)
	}

	// The social worker's case page: filled, with the booking.
	sw.wantPage("case after acceptance", sw.open(casePath), 200, casePath)
	sw.check("case with a filled offer")
	sw.screenshot("case-filled")
	if s := sw.text("ul.offers"); !strings.Contains(s, "Filled: booked Shirin Ahmadi (fictional)") || !strings.Contains(s, "see the booking") {
		t.Errorf("the case page's offer says %q", s)
	}
	if s := sw.text("main"); !strings.Contains(s, "Confirmed") {
		t.Errorf("the case page lists no confirmed booking: %.600s", s)
	}
	sw.checkWidths(offerPath, casePath)

	// Hours: an error, then Monday 09:00 to 17:00; dates away added and
	// removed; a busy-time calendar link.
	in.width(375)
	in.wantPage("hours", in.open("/my/hours"), 200, "/my/hours")
	in.do("a finish before the start", chromedp.SetValue(chromedp.ID("f-weekly-0-from"), "17:00"), chromedp.SetValue(chromedp.ID("f-weekly-0-to"), "09:00"))
	st = in.submit("save bad hours", chromedp.Click(chromedp.CSS("form.hours button[type=submit]")))
	in.wantPage("save bad hours", st, 400, "/my/hours")
	in.check("hours with an error")
	in.screenshot("hours-error-375")
	if l := eval[[]string](in, `[...document.querySelectorAll(".error-summary a")].map(a => a.getAttribute("href"))`); len(l) != 1 || l[0] != "#f-weekly-0-to" {
		t.Errorf("error summary links %q, want #f-weekly-0-to", l)
	}
	in.do("good hours", chromedp.SetValue(chromedp.ID("f-weekly-0-from"), "09:00"), chromedp.SetValue(chromedp.ID("f-weekly-0-to"), "17:00"))
	in.wantPage("save hours", in.submit("save hours", chromedp.Click(chromedp.CSS("form.hours button[type=submit]"))), 200, "/my/hours?notice=hours-saved")
	if n := eval[int](in, `document.querySelectorAll("input[name$='.day'][value=mon]").length`); n != 2 {
		t.Errorf("Monday has %d rows after saving one span, want it and a spare", n)
	}
	// Two weeks away from a Monday at least a month ahead (2 August 2027 to
	// 13 August 2027 once, until that passed and the application dropped
	// the dates as ended the moment they were added).
	first := time.Now().In(data.London).AddDate(0, 0, 30)
	for first.Weekday() != time.Monday {
		first = first.AddDate(0, 0, 1)
	}
	last := first.AddDate(0, 0, 11) // the Friday of the next week
	in.do("dates away", chromedp.SetValue(chromedp.ID("f-unavailable-0-start"), first.Format(time.DateOnly)), chromedp.SetValue(chromedp.ID("f-unavailable-0-end"), last.Format(time.DateOnly)))
	in.wantPage("add dates away", in.submit("add dates away", chromedp.Click(chromedp.CSS("form[action='/my/hours/away'] button[type=submit]"))), 200, "/my/hours?notice=away-added")
	in.check("hours with dates away")
	in.screenshot("hours-375")
	if s, want := in.text("ul.away"), first.Format("Monday 2 January 2006")+" to "+last.Format("Monday 2 January 2006"); !strings.Contains(s, want) {
		t.Errorf("dates away list %q, want %q", s, want)
	}
	in.wantPage("remove dates away", in.submit("remove dates away", chromedp.Click(chromedp.CSS("ul.away button[type=submit]"))), 200, "/my/hours?notice=away-removed")
	in.wantPage("bookings", in.open("/my/bookings"), 200, "/my/bookings")
	st = in.submit("busy-time link", chromedp.Click(chromedp.CSS("form[action='/subscriptions'] button[type=submit]")))
	in.wantPage("busy-time link", st, 201, "/subscriptions")
	in.check("busy-time link")
	in.screenshot("busy-time-375")
	if !strings.HasPrefix(eval[string](in, `document.querySelector("a[href^='webcal://']").getAttribute("href")`), "webcal://127.0.0.1:") {
		t.Error("the busy-time subscription shows no webcal:// link")
	}
	in.checkWidths("/", "/invitations/"+strings.TrimPrefix(offerPath, "/offers/"), "/my/bookings", "/my/hours", "/my/credentials", "/subscriptions")
}

// TestBrowserOfferDeclineMovesOn: the first asked declines on a phone,
// declaring a conflict; the case page shows the cascade has asked the
// second, who accepts; the case page then shows the offer filled.
func TestBrowserOfferDeclineMovesOn(t *testing.T) {
	site := newLiveSite(t)
	shirin, hero := site.interpreterKey(t, "Shirin"), site.interpreterKey(t, "Hero")
	sw := newLiveTab(t, site)
	sw.signInWith(site.keys[data.RoleSocialWorker])
	casePath, offerPath := offerTopThree(t, site, sw, "BT-OFFER-2")

	in := newLiveTab(t, site)
	in.width(375)
	in.signInWith(shirin)
	in.do("choose a conflict", chromedp.Click(chromedp.CSS("li.invitation:first-child input[name=reason][value=conflict]")))
	st := in.submit("decline", chromedp.Click(chromedp.CSS("li.invitation:first-child form[action$='/decline'] button")))
	in.wantPage("decline", st, 200, "/?notice=declined")
	in.check("declined")
	in.screenshot("declined-375")
	if s := in.text("main"); !strings.Contains(s, "Waiting for your answer (0)") || !strings.Contains(s, "You declined") {
		t.Errorf("the home page after declining says %.400q", s)
	}

	sw.wantPage("case after the decline", sw.open(casePath), 200, casePath)
	sw.check("case, cascade moved on")
	sw.screenshot("case-moved-on")
	s := sw.text("ul.offers")
	if !strings.Contains(s, "Asked Hero Karim (fictional), answer due by") || !strings.Contains(s, "Shirin Ahmadi (fictional): declined") {
		t.Errorf("the case page's offer says %q", s)
	}
	if strings.Contains(s, "conflict") {
		t.Errorf("the social worker sees the declared conflict: %q", s)
	}
	sw.wantPage("offer page", sw.open(offerPath), 200, offerPath)
	sw.check("offer history")
	sw.screenshot("offer-history")

	in.wantPage("sign out", in.submit("sign out", chromedp.Click(chromedp.CSS("form.sign-out button"))), 200, "/sign-in")
	in.signInWith(hero)
	in.do("declare", chromedp.Click(chromedp.CSS("li.invitation:first-child input[name=noKnownConflict]")))
	in.wantPage("accept", in.submit("accept", chromedp.Click(chromedp.CSS("li.invitation:first-child form[action$='/accept'] button"))), 200, "/my/bookings/")

	sw.wantPage("case after acceptance", sw.open(casePath), 200, casePath)
	if s := sw.text("ul.offers"); !strings.Contains(s, "Filled: booked Hero Karim (fictional)") {
		t.Errorf("the case page's offer says %q", s)
	}
	sw.check("case filled after a decline")
}

package web_test

// Browser tests of the emailed links: an interpreter answers an offer
// from its email's link on a phone without signing in, and signs in with
// a link; a coordinator retries a message that was not delivered. Every
// new page is checked with axe at 375 and 1280 px.

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// offer makes, as the social worker, a case and an offer of an in-person
// interview in London on the nth weekday ahead (ukWeekdaySlot: different
// offers' n give different days), to the interpreters with these first
// names.
func (s *liveSite) offer(t *testing.T, ref string, n int, mode data.OfferMode, names ...string) data.Offer {
	t.Helper()
	sw := s.users[data.RoleSocialWorker]
	c, err := s.app.CreateCase(t.Context(), sw, data.Case{Reference: ref, Child: data.Child{Languages: []string{"ckb"}, AgeBand: data.Age12To15}})
	if err != nil {
		t.Fatal(err)
	}
	start, end := ukWeekdaySlot(n, 90)
	no := app.NewOffer{CaseID: c.ID, Start: ukTime(t, start), End: ukTime(t, end), InterviewType: data.InterviewSocialWork,
		Modality: data.ModalityInPerson, Region: "GB-LND", Location: "Room 2, Civic Centre, London", Mode: mode}
	for _, n := range names {
		no.InterpreterIDs = append(no.InterpreterIDs, s.ids[n])
	}
	o, err := s.app.CreateOffer(t.Context(), sw, no)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func ukTime(t *testing.T, local string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2/1/2006 15:04", local, data.London)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// emailed returns the path of the link in the newest message of kind in
// the outbox (to the interpreter with this first name, or to anyone), as
// its reader's mail program shows it: the whole address, on this site.
func (s *liveSite) emailed(t *testing.T, kind data.MessageKind, first string) string {
	t.Helper()
	page, err := s.store.ListMessages(t.Context(), data.MessageQuery{Organisation: "north", Limit: data.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range page.Items {
		if m.Kind != kind || first != "" && m.InterpreterID != s.ids[first] {
			continue
		}
		match := linkPattern.FindStringSubmatch(m.Text)
		if match == nil || !strings.Contains(m.Text, s.url+match[1]) {
			t.Fatalf("no link to %s in the %s message:\n%s", s.url, kind, m.Text)
		}
		return match[1]
	}
	t.Fatalf("no %s message to %q", kind, first)
	return ""
}

// TestBrowserRespondByLink: on a phone, never signed in, an interpreter
// opens the link of an offer's email, tries to accept without the
// declaration, accepts with it and is told they are booked; the link then
// says it was answered. Others decline, or find their invitation
// withdrawn, at either width.
func TestBrowserRespondByLink(t *testing.T) {
	site := newLiveSite(t)
	site.offer(t, "BT-LINK-1", 10, data.OfferCascade, "Shirin", "Hero")
	shirin := site.emailed(t, data.MessageOfferInvitation, "Shirin")

	in := newLiveTab(t, site)
	in.width(375)
	in.wantPage("open the emailed link", in.open(shirin), 200, "/respond/")
	in.check("respond@375")
	in.screenshot("respond-375")
	if s := in.text("main"); !strings.Contains(s, "Social work interview") || !strings.Contains(s, "In person, in City of London") ||
		!strings.Contains(s, "Kurdish (Sorani)") || !strings.Contains(s, "12 to 15") || !strings.Contains(s, "Answer by") {
		t.Errorf("the link's page says %.500q", s)
	}
	if strings.Contains(in.text("body"), "BT-LINK-1") || eval[bool](in, `document.querySelector("form.sign-out") !== null`) {
		t.Error("the link's page shows the case reference, or a signed-in header")
	}
	if w := eval[float64](in, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("the link's page is %v px wide on a 375 px screen", w)
	}
	for _, sel := range []string{"form.answer-accept button", "form.answer-decline button", "#f-noKnownConflict", "#reason-other"} {
		if h := eval[float64](in, `document.querySelector("`+sel+`").getBoundingClientRect().height`); h < 30 {
			t.Errorf("%s is %v px high on a phone", sel, h)
		}
	}
	if h := eval[float64](in, `document.querySelector("form.answer-accept button").getBoundingClientRect().height`); h < 44 {
		t.Errorf("the accept button is %v px high, want at least 44", h)
	}

	st := in.submit("accept without the declaration", chromedp.Click(chromedp.CSS("form.answer-accept button")))
	in.wantPage("accept without the declaration", st, 400, "/respond/")
	in.check("respond with an error@375")
	in.screenshot("respond-error-375")
	if l := eval[[]string](in, `[...document.querySelectorAll(".error-summary a")].map(a => a.getAttribute("href"))`); len(l) != 1 || l[0] != "#f-noKnownConflict" {
		t.Errorf("error summary links %q, want #f-noKnownConflict", l)
	}
	if !eval[bool](in, `document.activeElement.matches(".error-summary")`) {
		t.Errorf("after the refused answer the focus is on %s, want the error summary", in.focused())
	}
	in.do("declare", chromedp.Click(chromedp.ID("f-noKnownConflict")))
	st = in.submit("accept", chromedp.Click(chromedp.CSS("form.answer-accept button")))
	in.wantPage("accept", st, 200, "/respond/")
	in.check("booked by link@375")
	in.screenshot("respond-booked-375")
	if s := in.text("main"); !strings.Contains(s, "You are booked") || !strings.Contains(s, "calendar invitation") {
		t.Errorf("the page after accepting says %.400q", s)
	}
	if n := eval[int](in, `document.cookie.length`); n != 0 {
		t.Errorf("answering by link left cookies: %d bytes", n)
	}

	in.wantPage("open the link again", in.open(shirin), 410, "/respond/")
	in.check("answered link@375")
	in.screenshot("respond-answered-375")
	if s := in.text("h1"); s != "You have already answered this invitation" {
		t.Errorf("the used link's heading: %q", s)
	}
	in.width(1280)
	in.wantPage("open the link again", in.open(shirin), 410, "/respond/")
	in.check("answered link@1280")
	in.screenshot("respond-answered-1280")

	// At 1280: Hero accepts a broadcast, so Karwan's invitation is
	// withdrawn; at 375, the withdrawn link too.
	site.offer(t, "BT-LINK-2", 11, data.OfferBroadcast, "Hero", "Karwan")
	hero, karwan := site.emailed(t, data.MessageOfferInvitation, "Hero"), site.emailed(t, data.MessageOfferInvitation, "Karwan")
	in.wantPage("Hero's link", in.open(hero), 200, "/respond/")
	in.check("respond@1280")
	in.screenshot("respond-1280")
	in.do("declare", chromedp.Click(chromedp.ID("f-noKnownConflict")))
	in.wantPage("Hero accepts", in.submit("accept", chromedp.Click(chromedp.CSS("form.answer-accept button"))), 200, "/respond/")
	in.check("booked by link@1280")
	in.screenshot("respond-booked-1280")
	for _, w := range []int64{1280, 375} {
		in.width(w)
		in.wantPage("Karwan's link", in.open(karwan), 410, "/respond/")
		in.check("withdrawn link@" + itoaW(w))
		in.screenshot("respond-withdrawn-" + itoaW(w))
		if s := in.text("h1"); !strings.HasPrefix(s, "This invitation was withdrawn") {
			t.Errorf("the withdrawn link's heading: %q", s)
		}
	}

	// Declining, with a conflict at 375 and with no reason at 1280.
	site.offer(t, "BT-LINK-3", 12, data.OfferBroadcast, "Shirin", "Karwan")
	for _, who := range []struct {
		first  string
		width  int64
		reason string
	}{{"Shirin", 375, "conflict"}, {"Karwan", 1280, ""}} {
		in.width(who.width)
		in.wantPage(who.first+"'s link", in.open(site.emailed(t, data.MessageOfferInvitation, who.first)), 200, "/respond/")
		if who.reason != "" {
			in.do("choose a reason", chromedp.Click(chromedp.ID("reason-"+who.reason)))
		}
		st := in.submit("decline", chromedp.Click(chromedp.CSS("form.answer-decline button")))
		in.wantPage(who.first+" declines", st, 200, "/respond/")
		in.check("declined by link@" + itoaW(who.width))
		in.screenshot("respond-declined-" + itoaW(who.width))
		if s := in.text("h1"); s != "You declined this invitation" {
			t.Errorf("the page after declining: %q", s)
		}
	}

	// A link that names nothing, at both widths.
	for _, w := range []int64{375, 1280} {
		in.width(w)
		in.wantPage("an unknown link", in.open("/respond/tolkans_NOSUCHLINK"), 404, "/respond/")
		in.check("unknown link@" + itoaW(w))
	}
	in.screenshot("respond-unknown-1280")
}

// TestBrowserSignInWithLink: on a phone, an interpreter asks for a
// sign-in link, opens it from the email and lands on their invitations;
// signed out, the used link brings them back to sign-in, which says so.
func TestBrowserSignInWithLink(t *testing.T) {
	site := newLiveSite(t)
	site.interpreterKey(t, "Shirin")
	in := newLiveTab(t, site)
	for _, w := range []int64{1280, 375} {
		in.width(w)
		in.wantPage("sign-in", in.open("/sign-in"), 200, "/sign-in")
		st := in.submit("ask with no email", chromedp.Click(chromedp.CSS("form[action='/sign-in/link'] button")))
		in.wantPage("ask with no email", st, 400, "/sign-in/link")
		in.check("sign-in link with an error@" + itoaW(w))
		in.screenshot("signin-link-error-" + itoaW(w))
		if l := eval[[]string](in, `[...document.querySelectorAll(".error-summary a")].map(a => a.getAttribute("href"))`); len(l) != 1 || l[0] != "#f-email" {
			t.Errorf("error summary links %q, want #f-email", l)
		}
	}
	in.do("type the email", chromedp.SendKeys(chromedp.ID("f-email"), "shirin@interpreters.example"))
	st := in.submit("ask for a link", chromedp.Click(chromedp.CSS("form[action='/sign-in/link'] button")))
	in.wantPage("ask for a link", st, 200, "/sign-in?notice=link-sent")
	in.check("sign-in link sent@375")
	in.screenshot("signin-link-sent-375")
	if s := in.text(".notice"); !strings.Contains(s, "If that email belongs to an interpreter, a link is on its way") {
		t.Errorf("the notice says %q", s)
	}
	link := site.emailed(t, data.MessageSignInLink, "")
	in.wantPage("open the link", in.open(link), 200, "/")
	if s := in.text("h1"); s != "Your invitations" {
		t.Errorf("after the link the page's heading is %q", s)
	}
	in.wantPage("sign out", in.submit("sign out", chromedp.Click(chromedp.CSS("form.sign-out button"))), 200, "/sign-in")
	in.wantPage("the used link", in.open(link), 200, "/sign-in?failed=link")
	in.check("sign-in link used@375")
	in.screenshot("signin-link-used-375")
	if s := in.text(".error-summary"); !strings.Contains(s, "used or has run out") {
		t.Errorf("the sign-in page after a used link says %q", s)
	}
	in.width(1280)
	in.wantPage("the used link", in.open(link), 200, "/sign-in?failed=link")
	in.check("sign-in link used@1280")
}

// TestBrowserNotifications: a coordinator finds a message that was not
// delivered from their home page and retries it.
func TestBrowserNotifications(t *testing.T) {
	site := newLiveSite(t)
	site.offer(t, "BT-NOTE-1", 10, data.OfferCascade, "Shirin")
	claimed, err := site.store.ClaimDue(t.Context(), time.Now().Add(time.Minute), app.DeliveryLease, "test", data.MaxPageSize)
	if err != nil || len(claimed) == 0 {
		t.Fatalf("claim the offer's message: %d, %v", len(claimed), err)
	}
	for i, m := range claimed {
		if err := site.store.MarkFailed(t.Context(), m.ID, "test", "550 5.1.1 mailbox unavailable", time.Now().Add(time.Hour), i == 0); err != nil {
			t.Fatal(err)
		}
	}
	k := newLiveTab(t, site)
	k.signInWith(site.keys[data.RoleCoordinator])
	k.check("home with dead letters")
	k.screenshot("home-dead-letters")
	st := k.submit("follow the warning", chromedp.Click(chromedp.CSS(".warning a")))
	k.wantPage("follow the warning", st, 200, "/notifications?status=dead")
	k.checkWidths("/notifications", "/notifications?status=dead")
	if s := k.text("main table"); !strings.Contains(s, "Offer to interpret") || !strings.Contains(s, "Not delivered") || !strings.Contains(s, "mailbox unavailable") {
		t.Errorf("the dead letters say %.400q", s)
	}
	if w := func() float64 { k.width(375); return eval[float64](k, `document.documentElement.scrollWidth`) }(); w > 375 {
		t.Errorf("the delivery list is %v px wide on a 375 px screen", w)
	}
	k.width(1280)
	st = k.submit("retry", chromedp.Click(chromedp.CSS("form[action$='/retry'] button")))
	k.wantPage("retry", st, 200, "/notifications?notice=retried")
	k.check("retried")
	k.screenshot("notifications-retried")
}

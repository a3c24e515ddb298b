package web_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// TestBrowserGuardedSuspension: a coordinator suspends an interpreter with
// a booking; the confirmation step says what it cancels (axe-clean at 1280
// and 375 px), the record's page what it cancelled; the coordinator's home
// lists the withdrawn booking as work, and the social worker's shows it
// with a way to book again until they dismiss it.
func TestBrowserGuardedSuspension(t *testing.T) {
	site := newLiveSite(t)
	hero := site.ids["Hero"]
	c, err := site.app.CreateCase(t.Context(), site.users[data.RoleSocialWorker], data.Case{Reference: "BT-SUSPEND-1",
		Child: data.Child{Languages: []string{"ckb"}, AgeBand: data.Age12To15}})
	if err != nil {
		t.Fatal(err)
	}
	start, end := ukSlot(9, 60)
	if _, _, err := site.app.CreateBooking(t.Context(), site.users[data.RoleSocialWorker], app.NewBooking{CaseID: c.ID, InterpreterID: hero,
		Start: ukTime(t, start), End: ukTime(t, end), InterviewType: data.InterviewSocialWork, Modality: data.ModalityVideo,
		JoinDetails: "https://meet.example.org/bt"}); err != nil {
		t.Fatal(err)
	}

	co := newLiveTab(t, site)
	co.signInWith(site.keys[data.RoleCoordinator])
	record := "/interpreters/" + hero
	co.wantPage("record", co.open(record), 200, record)
	co.do("choose suspend", chromedp.Click(chromedp.ID("decision-suspend")),
		chromedp.SendKeys(chromedp.ID("f-note"), "Complaint under review"))
	// The note counts down what is left of it as it is typed.
	left := eval[float64](co, `document.querySelector("#f-note").maxLength - document.querySelector("#f-note").value.length`)
	if got, want := co.text("#f-note-count"), "You have "+strconv.Itoa(int(left))+" characters remaining"; got != want || left < 1 {
		t.Errorf("the note's count says %q, want %q", got, want)
	}
	if d := eval[string](co, `document.querySelector("#f-note").getAttribute("aria-describedby")`); !strings.Contains(d, "f-note-count") {
		t.Errorf("the note is not described by its count: %q", d)
	}
	co.wantPage("suspend", co.submit("suspend", chromedp.Click(chromedp.CSS(`form[action$="/vetting"] button[type=submit]`))), 200, record+"/vetting")
	for _, w := range []int64{1280, 375} {
		co.width(w)
		co.check("suspension confirmation@" + itoaW(w))
		co.screenshot("suspend-confirm-" + itoaW(w))
	}
	if s := co.text("#impact"); !strings.Contains(s, "This cancels 1 booking in 1 organisation") {
		t.Errorf("the confirmation step says %q", s)
	}
	co.wantPage("confirm", co.submit("confirm", chromedp.Click(chromedp.CSS("form.confirm button[type=submit]"))), 200, record)
	if s := co.text("#cancelled"); !strings.Contains(s, "It cancelled 1 booking in 1 organisation.") {
		t.Errorf("the record's page says %q", s)
	}
	co.checkWidths("/interpreters?sort=name", "/interpreters?search=hero", "/")
	for _, path := range []string{"/interpreters?sort=name", "/"} {
		co.width(375)
		co.wantPage("open "+path, co.open(path), 200, strings.SplitN(path, "?", 2)[0])
		if w := eval[float64](co, `document.documentElement.scrollWidth`); w > 375 {
			t.Errorf("%s is %v px wide on a 375 px screen", path, w)
		}
	}
	if s := co.text("main"); !strings.Contains(s, "Withdrawn bookings to book again") || !strings.Contains(s, "BT-SUSPEND-1") || !strings.Contains(s, "Waiting for vetting") {
		t.Errorf("the coordinator's work list says %.600q", s)
	}

	sw := newLiveTab(t, site)
	sw.signInWith(site.keys[data.RoleSocialWorker])
	sw.checkWidths("/")
	if s := sw.text("main"); !strings.Contains(s, "A booking of yours was withdrawn") || !strings.Contains(s, "Find another interpreter") {
		t.Fatalf("the social worker's home says %.600q", s)
	}
	sw.wantPage("dismiss", sw.submit("dismiss", chromedp.Click(chromedp.CSS("ul.withdrawn button[type=submit]"))), 200, "/")
	if s := sw.text("main"); strings.Contains(s, "was withdrawn") {
		t.Errorf("after dismissing, the home page says %.300q", s)
	}
}

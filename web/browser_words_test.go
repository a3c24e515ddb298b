package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/tolk/tolk/data"
)

// codePatterns are the machine codes that must never be the only name of
// a thing on a page a social worker sees, matched in the page's visible
// text (not its attributes: a title may hold a code for coordinators).
var codePatterns = map[string]*regexp.Regexp{
	// The BCP 47 tags of the languages tolk is used for, as whole words
	// (lower case; short tags that are English words, such as "am", are
	// left out).
	"a BCP 47 tag": regexp.MustCompile(`\b(ckb|kmr|sdh|apd|arz|prs|ps|ti|ar|sq|aln|als|vi|ro|fa|ur|bn|syl|rom|pl|ru|yue|cmn|zh)\b`),
	// An ISO 3166-2 code: GB-LND, IQ-SU.
	"an ISO 3166-2 code": regexp.MustCompile(`\b[A-Z]{2}-[A-Z0-9]{1,3}\b`),
	// A snake_case code: social_work, training_missing.
	"a snake_case code": regexp.MustCompile(`\b[a-z][a-z0-9]*(_[a-z0-9]+)+\b`),
}

// checkPlainWords fails the test when the visible text of the page holds
// a code of codePatterns.
func (b *liveTab) checkPlainWords(name string) {
	b.t.Helper()
	text := eval[string](b, `document.body.innerText`)
	for what, re := range codePatterns {
		for _, m := range re.FindAllString(text, 5) {
			b.t.Errorf("%s (%s) shows %s, %q, as the only name of a thing", name, b.path(), what, m)
		}
	}
}

// TestBrowserPlainWords walks a social worker through the pages issue 21
// changed, with every page's text scanned for codes and checked with axe
// at 375 and 1280 px: a case whose language is typed by name ("Kurdish
// (Sorani)", from the list), a search in person typed by region name
// ("London"), a direct booking, then a second interpreter for the same
// interview (the question page, answered yes), the results page saying
// who the interview already has, and the register filtered by "Arabic".
func TestBrowserPlainWords(t *testing.T) {
	site := newLiveSite(t)
	b := newLiveTab(t, site)
	b.plain = true
	b.signInWith(site.keys[data.RoleSocialWorker])

	b.wantPage("case form", b.open("/cases/new"), 200, "/cases/new")
	if n := eval[int](b, `document.querySelectorAll("#language-names option").length`); n < 20 {
		t.Errorf("the language list offers %d names", n)
	}
	b.do("fill the case",
		chromedp.SendKeys(chromedp.ID("f-reference"), "PW-2026-0001"),
		chromedp.SendKeys(chromedp.ID("f-child-languages-0-tag"), "Kurdish (Sorani)"),
		chromedp.SendKeys(chromedp.ID("f-child-languages-1-tag"), "Arabik"))
	st := b.submit("create the case with a misspelt language", chromedp.Click(chromedp.CSS("main button[type=submit]")))
	b.wantPage("misspelt language", st, 400, "/cases")
	b.check("case form with a misspelt language")
	if s := b.text(".error-summary"); !strings.Contains(s, `"Arabik" is not a language tolk knows: did you mean Arabic`) {
		t.Errorf("the error does not suggest Arabic: %q", s)
	}
	if v := eval[string](b, `document.getElementById("f-child-languages-0-tag").value`); v != "Kurdish (Sorani)" {
		t.Errorf("the form came back with %q in the first language", v)
	}
	b.do("correct it", chromedp.SetValue(chromedp.ID("f-child-languages-1-tag"), "Arabic"))
	st = b.submit("create the case", chromedp.Click(chromedp.CSS("main button[type=submit]")))
	b.wantPage("create the case", st, 200, "/cases/")
	casePath := strings.SplitN(b.path(), "?", 2)[0]
	c, err := site.app.GetCase(t.Context(), site.users[data.RoleSocialWorker], strings.TrimPrefix(casePath, "/cases/"))
	if err != nil || len(c.Child.Languages) != 2 || c.Child.Languages[0] != "ckb" || c.Child.Languages[1] != "ar" {
		t.Fatalf("the case keeps languages %v (%v), want ckb, ar", c.Child.Languages, err)
	}
	if s := b.text("dl.summary"); !strings.Contains(s, "Kurdish (Sorani) (preferred), Arabic") {
		t.Errorf("the case page names the languages %q", s)
	}

	start, end := ukSlot(14, 90)
	b.do("fill the match form",
		chromedp.SetValue(chromedp.ID("f-start"), start),
		chromedp.SetValue(chromedp.ID("f-end"), end),
		chromedp.SetValue(chromedp.ID("f-interviewType"), string(data.InterviewSocialWork)),
		chromedp.Click(chromedp.ID("modality-in_person")),
		chromedp.SendKeys(chromedp.ID("f-region"), "London"))
	st = b.submit("find interpreters", chromedp.Click(chromedp.CSS("form.search button[type=submit]")))
	b.wantPage("find interpreters", st, 200, casePath+"/matches?")
	resultsPath := b.path()
	if s := b.text("main p.lead"); !strings.Contains(s, "in person in London") {
		t.Errorf("the results name the region %q", s)
	}
	if s := b.text("main"); !strings.Contains(s, "Zana Baran") || strings.Contains(s, "not_approved") {
		t.Errorf("the excluded interpreter is not shown in words: %.600q", s)
	}

	// Book the first directly, then the second for the same interview.
	b.do("open direct booking", chromedp.Click(chromedp.CSS("ol.candidates > li:first-child details.direct summary")))
	b.do("fill the location", chromedp.SendKeys(chromedp.CSS("ol.candidates > li:first-child input[name=location]"), "Room 4, Town Hall, London"))
	st = b.submit("book", chromedp.Click(chromedp.CSS("ol.candidates > li:first-child details.direct button[type=submit]")))
	b.wantPage("book", st, 200, "/bookings")
	b.confirmReview("book", "/bookings", "/bookings/", "Room 4, Town Hall, London")
	b.wantPage("results again", b.open(resultsPath), 200, casePath+"/matches?")
	if s := b.text("main"); !strings.Contains(s, "This interview already has Shirin Ahmadi (fictional)") {
		t.Errorf("the results page does not say who the interview has: %.400q", s)
	}
	b.do("open direct booking of the second", chromedp.Click(chromedp.CSS("ol.candidates > li:nth-child(2) details.direct summary")))
	b.do("fill the second location", chromedp.SendKeys(chromedp.CSS("ol.candidates > li:nth-child(2) input[name=location]"), "Room 4, Town Hall, London"))
	st = b.submit("book a second", chromedp.Click(chromedp.CSS("ol.candidates > li:nth-child(2) details.direct button[type=submit]")))
	b.wantPage("book a second", st, 409, "/bookings")
	b.check("a second interpreter?")
	if s := b.text("main"); !strings.Contains(s, "This interview already has Shirin Ahmadi (fictional)") || !strings.Contains(s, "Book a second interpreter?") {
		t.Errorf("the question page says %.400q", s)
	}
	for _, w := range []int64{375, 1280} {
		b.width(w)
		b.check("a second interpreter?@" + itoaW(w))
		b.screenshot("second-interpreter-" + itoaW(w))
	}
	st = b.submit("yes, a second", chromedp.Click(chromedp.CSS("form.again button[type=submit]")))
	b.wantPage("yes, a second", st, 200, "/bookings")
	b.confirmReview("second", "/bookings", "/bookings/", "This is a second interpreter for an interview the case already has one for.")
	secondPath := strings.SplitN(b.path(), "?", 2)[0]

	// The register, filtered by a language's name.
	b.wantPage("register", b.open("/interpreters?language=Arabic"), 200, "/interpreters")
	b.check("register by Arabic")
	if s := b.text("main"); strings.Contains(s, "not a language") {
		t.Errorf("the register refuses Arabic: %.300q", s)
	}
	b.wantPage("register", b.open("/interpreters?language=Kurdish+%28Sorani%29"), 200, "/interpreters")
	if s := b.text("main table"); !strings.Contains(s, "Shirin Ahmadi") || !strings.Contains(s, "Kurdish (Sorani)") {
		t.Errorf("the register by Kurdish (Sorani) lists %.300q", s)
	}

	b.checkWidths(casePath, resultsPath, secondPath, "/interpreters?language=Kurdish+%28Sorani%29", "/")

	// Printed, a booking and a case are the record alone: no navigation,
	// forms or buttons.
	for _, path := range []string{secondPath, casePath} {
		b.wantPage("open "+path, b.open(path), 200, path)
		b.do("print media", media("print"))
		hidden := eval[[]string](b, `[...document.querySelectorAll("header nav, form, .button, details, .skip-link")]
			.filter(e => getComputedStyle(e).display !== "none").map(e => e.outerHTML.slice(0, 80))`)
		if len(hidden) > 0 {
			t.Errorf("printing %s shows %q", path, hidden)
		}
		if s := b.text("main h1"); s == "" || eval[string](b, `getComputedStyle(document.querySelector("main")).display`) == "none" {
			t.Errorf("printing %s hides the record", path)
		}
		b.screenshot("print-" + strings.Trim(strings.ReplaceAll(path, "/", "-"), "-")[:7])
		b.do("screen media", media(""))
	}
}

// media emulates a CSS media type ("print"; "" for the screen again).
func media(kind string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: kind})
		return err
	})
}

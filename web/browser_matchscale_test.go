package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tolk/tolk/data"
)

// seedSpeakers stores n more Sorani speakers straight through the store
// (as an import would; through the application it would take a minute):
// one in ten approved and eligible, the rest pending, and of those one in
// three without the signed agreement as well.
func (s *liveSite) seedSpeakers(t *testing.T, n int) {
	t.Helper()
	now := time.Now()
	today := data.DateOf(now)
	coord := s.users[data.RoleCoordinator]
	for i := range n {
		in := data.Interpreter{
			ID: data.NewID(now), Name: fmt.Sprintf("Speaker %03d (fictional)", i), Email: fmt.Sprintf("speaker%03d@interpreters.example", i),
			Gender: data.GenderFemale, Languages: []data.LanguageSkill{{Tag: "ckb", Proficiency: data.ProficiencyFluent}},
			Modalities: []data.Modality{data.ModalityInPerson, data.ModalityVideo}, Regions: []string{"GB-LND"},
			Qualifications: []data.Qualification{{Kind: data.QualificationDPSILaw, Reference: fmt.Sprintf("REF-%d", i), Awarded: today.AddDays(-2000)}},
			Training: []data.Training{
				{Kind: data.TrainingChildProtectionL3, Completed: today.AddDays(-300), Expires: today.AddDays(500)},
				{Kind: data.TrainingTrafficking, Completed: today.AddDays(-300)},
				{Kind: data.TrainingABEInterviewing, Completed: today.AddDays(-300)},
			},
			Clearance: data.Clearance{Level: data.ClearanceEnhancedBarredChildren, Certificate: fmt.Sprintf("0020%08d", i),
				Issued: today.AddDays(-300), ValidUntil: today.AddDays(700)},
			Agreements: data.Agreements{ConfidentialitySigned: today.AddDays(-400)},
			Experience: data.Experience{ChildInterviews: i % 20, TraffickingCases: i % 5, Years: 1 + i%10},
			Vetting:    data.Vetting{Status: data.VettingPending},
			Version:    1, CreatedAt: data.Timestamp(now), UpdatedAt: data.Timestamp(now),
		}
		switch {
		case i%10 == 0:
			in.Vetting = data.Vetting{Status: data.VettingApproved, DecidedBy: coord.ID, DecidedAt: data.Timestamp(now)}
		case i%3 == 0:
			in.Agreements = data.Agreements{}
		}
		ch := data.Audited(data.NewAuditEntry(now, coord, data.ScopeRegister, data.ActionInterpreterCreated, data.EntityInterpreter, in.ID))
		if err := s.store.CreateInterpreter(t.Context(), in, ch); err != nil {
			t.Fatalf("seed speaker %d: %v", i, err)
		}
	}
}

// TestBrowserMatchAtScale: with 835 Sorani speakers on the register (as
// on a national one), the results page stays one a social worker can
// read, on a phone and a desktop: the best 20 candidates of all who pass,
// how many each rule excluded, and 20 of the excluded at a time, nearest
// to eligible first, with a link to the next 20 and back.
func TestBrowserMatchAtScale(t *testing.T) {
	site := newLiveSite(t)
	site.seedSpeakers(t, 831) // and the 4 of every live site
	sw := site.users[data.RoleSocialWorker]
	c, err := site.app.CreateCase(t.Context(), sw, data.Case{Reference: "SCALE-1", Child: data.Child{Languages: []string{"ckb"}, AgeBand: data.Age12To15}})
	if err != nil {
		t.Fatal(err)
	}
	start, end := ukSlot(14, 90)
	q := url.Values{"start": {start}, "end": {end}, "interviewType": {string(data.InterviewABEPolice)}, "modality": {string(data.ModalityVideo)}}
	b := newLiveTab(t, site)
	b.signInWith(site.keys[data.RoleSocialWorker])

	for _, w := range []int64{1280, 375} {
		b.width(w)
		b.wantPage("results", b.open("/cases/"+c.ID+"/matches?"+q.Encode()), 200, "/cases/"+c.ID+"/matches")
		b.check(fmt.Sprintf("results at scale@%d", w))
		b.screenshot(fmt.Sprintf("results-scale-%d", w))
		if n := eval[int](b, `document.querySelectorAll("ol.candidates > li").length`); n != 20 {
			t.Errorf("@%d: %d candidates shown, want the best 20", w, n)
		}
		if n := eval[int](b, `document.querySelectorAll("ul.excluded > li").length`); n != 20 {
			t.Errorf("@%d: %d excluded shown, want 20", w, n)
		}
		main := b.text("main")
		// 84 approved seeded and 3 of the live site's own pass.
		for _, want := range []string{"Who can take it (87)", "The best 20 of 87 are shown", "Who cannot (748)",
			"748 are not approved on the register", "are not approved on the register", "have not signed the confidentiality agreement",
			"Show the next 20"} {
			if !strings.Contains(main, want) {
				t.Errorf("@%d: the results page lacks %q:\n%.1500s", w, want, main)
			}
		}
		if strings.Contains(main, "not_approved") && !strings.Contains(b.text("ul.excluded"), "not_approved") {
			t.Errorf("@%d: the counts show a reason's code as its words", w)
		}
		if sw := eval[float64](b, `document.documentElement.scrollWidth`); sw > float64(w) {
			wide := eval[[]string](b, fmt.Sprintf(`[...document.querySelectorAll("main *")].filter(e => e.getBoundingClientRect().right > %d).slice(0, 5).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right) + ": " + e.textContent.slice(0, 60))`, w))
			t.Errorf("@%d: the page scrolls sideways (%v px wide): %q", w, sw, wide)
		}
	}

	first := b.text("ul.excluded > li:first-child h3")
	b.wantPage("next 20", b.submit("next 20", chromedp.Click(chromedp.CSS(`nav.pager a:last-child`))), 200, "/cases/"+c.ID+"/matches")
	b.check("results, the next 20 excluded")
	if n := eval[int](b, `document.querySelectorAll("ul.excluded > li").length`); n != 20 {
		t.Errorf("the next page shows %d excluded, want 20", n)
	}
	if next := b.text("ul.excluded > li:first-child h3"); next == first {
		t.Errorf("the next page starts again with %q", first)
	}
	if !strings.Contains(b.text("nav.pager"), "Back to the nearest") {
		t.Errorf("the next page has no way back: %q", b.text("nav.pager"))
	}
	b.wantPage("all candidates", b.open("/cases/"+c.ID+"/matches?"+q.Encode()+"&all=1"), 200, "/cases/"+c.ID+"/matches")
	if n := eval[int](b, `document.querySelectorAll("ol.candidates > li").length`); n != 87 {
		t.Errorf("show all: %d candidates, want all 87", n)
	}
	b.check("results, every candidate")
}

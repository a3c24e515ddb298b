package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tolk/tolk/data"
)

// TestBrowserRegisterReports: a coordinator chooses "Every organisation's
// on the register" on the reports page, without script, and the page
// counts both organisations' requests; with its extra field the page
// passes axe and fits a phone.
func TestBrowserRegisterReports(t *testing.T) {
	site := newLiveSite(t)
	start := time.Now().UTC().AddDate(0, 0, 10).Truncate(24 * time.Hour).Add(10 * time.Hour)
	seedReportData(t, site.store, site.users[data.RoleSocialWorker], start, time.Now())
	other := site.users[data.RoleSocialWorker]
	other.ID, other.Organisation = "sw-elsewhere", "elsewhere"
	seedReportData(t, site.store, other, start.Add(5*time.Hour), time.Now())
	day := start.Format(time.DateOnly)
	b := newLiveTab(t, site)
	b.open("/sign-in")
	b.do("sign in", chromedp.SendKeys(chromedp.ID("f-apiKey"), site.keys[data.RoleCoordinator]))
	b.wantPage("sign in", b.submit("sign in", chromedp.Click(chromedp.CSS("main button[type=submit]"))), 200, "/")
	b.wantPage("reports", b.open("/reports?from="+day+"&to="+day), 200, "/reports")
	if s := b.text("main"); !strings.Contains(s, "4 requests: 3 filled") {
		t.Errorf("the organisation's report says %.600q", s)
	}
	b.do("choose the register", chromedp.SetValue(chromedp.ID("f-scope"), "register"))
	b.wantPage("the register's reports", b.submit("show", chromedp.Click(chromedp.CSS("main form.period-form button[type=submit]"))), 200, "/reports")
	for _, w := range []int64{1280, 375} {
		b.width(w)
		b.check(fmt.Sprintf("register reports@%d", w))
		b.screenshot(fmt.Sprintf("register-reports-%d", w))
		if s := b.text("main"); !strings.Contains(s, "8 requests: 6 filled, 2 unfilled (75% filled)") || !strings.Contains(s, "every organisation's requests") {
			t.Errorf("at %d px the register's report says %.800q", w, s)
		}
		if sw := eval[float64](b, `document.documentElement.scrollWidth`); sw > float64(w) {
			t.Errorf("the register's reports page is %v px wide on a %d px screen", sw, w)
		}
	}
}

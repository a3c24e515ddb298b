package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tolk/tolk/data"
)

// TestBrowserReports: a social worker opens the reports page at 1280 and
// 375 px: axe finds nothing serious, the charts are SVG images named by
// their titles with the numbers the API gives, the page fits a phone,
// and a bad period shows the form's errors.
func TestBrowserReports(t *testing.T) {
	site := newLiveSite(t)
	start := time.Now().UTC().AddDate(0, 0, 10).Truncate(24 * time.Hour).Add(10 * time.Hour)
	seedReportData(t, site.store, site.users[data.RoleSocialWorker], start, time.Now())
	day := start.Format(time.DateOnly)
	b := newLiveTab(t, site)
	b.open("/sign-in")
	b.do("sign in", chromedp.SendKeys(chromedp.ID("f-apiKey"), site.keys[data.RoleSocialWorker]))
	b.wantPage("sign in", b.submit("sign in", chromedp.Click(chromedp.CSS("main button[type=submit]"))), 200, "/")

	for _, w := range []int64{1280, 375} {
		b.width(w)
		b.wantPage("reports", b.open("/reports?from="+day+"&to="+day), 200, "/reports")
		b.check(fmt.Sprintf("reports@%d", w))
		b.screenshot(fmt.Sprintf("reports-%d", w))
		if s := b.text("main"); !strings.Contains(s, "4 requests: 3 filled, 1 unfilled (75% filled)") || !strings.Contains(s, "2 requests went unmet: Tigrinya 2.") {
			t.Errorf("at %d px the page says %.800q", w, s)
		}
		if n := eval[float64](b, `document.querySelectorAll('main svg[role="img"] > title').length`); n != 2 {
			t.Errorf("at %d px: %v charts with a title, want 2", w, n)
		}
		if sw := eval[float64](b, `document.documentElement.scrollWidth`); sw > float64(w) {
			t.Errorf("the reports page is %v px wide on a %d px screen", sw, w)
		}
	}
	b.wantPage("bad period", b.open("/reports?from="+day+"&to=2000-01-01"), 400, "/reports")
	b.check("reports with an error")
}

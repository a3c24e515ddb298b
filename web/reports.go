package web

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/matching"
	"github.com/tolk/tolk/reports"
)

// The reports page: the organisation's summary and unmet need for a
// period, each as a server-rendered SVG bar chart (a title, a one-line
// summary, its data table below; no script), with the CSV downloads.
// It counts through the same app calls as GET /v1/reports/..., so it
// shows the same numbers.
//
// The charts are a few rectangles and labels drawn by the template from
// the geometry barChart computes, not a chart library's: the maintained
// fork of go-chart (github.com/go-analyze/charts) draws the whole picture
// itself (fonts, axes) and gives no hold on the title, description and
// role a screen reader needs, for two horizontal bar charts that
// html/template draws, escaped, in twenty lines. Switching would take a
// renderer that emits <title> and <desc> and a role="img".

// reasonWords name the reasons of unmet need as a table's columns.
var reasonWords = map[string]string{
	data.NeedNoSpeaker:                "Nobody speaks it",
	data.NeedDeclined:                 "Declined",
	data.NeedExpired:                  "Not answered in time",
	matching.CodeNotApproved:          "Not approved",
	matching.CodeClearanceInvalid:     "No valid clearance",
	matching.CodeTrainingMissing:      "Training missing",
	matching.CodeQualificationMissing: "Qualification missing",
	matching.CodeLanguageMismatch:     "Related variety only",
	matching.CodeExcludedByCase:       "Excluded from the case",
	matching.CodeCommunityConflict:    "Community conflict",
	matching.CodeAgreementMissing:     "No confidentiality agreement",
	matching.CodeGenderMismatch:       "Gender the child needs",
	matching.CodeUnavailable:          "Booked then",
	matching.CodeModalityUnsupported:  "Modality or region",
	matching.CodeOffDuty:              "Not working then",
	matching.CodeWorkloadLimit:        "As many interviews as allowed",
}

// reasonName is a reason's words, or its code.
func reasonName(code string) string {
	if w, ok := reasonWords[code]; ok {
		return w
	}
	return code
}

// barChart is a horizontal bar chart as the template draws it in SVG:
// a bar per value, scaled to the largest, each under its label (so a long
// language name never runs into its bar) and followed by its count.
type barChart struct {
	ID, Title, Summary string
	Bars               []bar
	Width, Height      int
}

// bar is one bar's label, count and geometry.
type bar struct {
	Label            string
	Value            int
	LabelY, Y, Width int
	ValueX, ValueY   int
}

// The geometry of a chart, in the SVG's user units: it scales to its box,
// and is narrow enough that its 16-unit text stays legible on a phone.
const (
	chartWidth = 400
	barArea    = 340
	labelLine  = 22
	barHeight  = 24
	barGap     = 14
)

// newBarChart lays out a chart of these labels and values.
func newBarChart(id, title, summary string, labels []string, values []int) barChart {
	c := barChart{ID: id, Title: title, Summary: summary, Width: chartWidth}
	most := 1
	for _, v := range values {
		most = max(most, v)
	}
	y := 0
	for i, l := range labels {
		w := int(math.Round(float64(values[i]) / float64(most) * barArea))
		c.Bars = append(c.Bars, bar{Label: l, Value: values[i], LabelY: y + 16, Y: y + labelLine, Width: w,
			ValueX: w + 6, ValueY: y + labelLine + 17})
		y += labelLine + barHeight + barGap
	}
	c.Height = max(y-barGap, 1)
	return c
}

// reportsView is the reports page.
type reportsView struct {
	// Register says the report counts the whole register's requests
	// (coordinators may ask, CanRegister); otherwise the organisation's.
	Register, CanRegister bool
	From, To              string
	Language              string
	Languages             []string // the period's languages of unmet need, to choose one
	Period                app.Period
	Summary               reports.Summary
	FillPercent           string
	Median, P90           string
	Requests, Need        barChart
	Table                 reports.NeedTable
	Rows                  []reports.Row
	ReasonNames           []string
	Downloads             []download
}

// download is a link to one of the CSV files.
type download struct{ Href, Words string }

// defaultPeriod is the month so far, in London: from its first day to today.
func defaultPeriod(now time.Time) (string, string) {
	today := now.In(data.London)
	first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, data.London)
	return first.Format(time.DateOnly), today.Format(time.DateOnly)
}

// dayLayout is how a day is written in a form: day/month/year ("1/12/2026").
const dayLayout = "2/1/2006"

// dayLayouts are the forms parseUKDay reads, after tidying: the UK form,
// with a two-digit year too, and the ISO form of older links and the CSV
// downloads.
var dayLayouts = []string{dayLayout, "2/1/06", time.DateOnly}

// parseUKDay reads a day as people in the UK write it ("1/12/2026",
// "01-12-2026", "1.12.26") or in ISO form ("2026-12-01"), and returns it in
// ISO form for the app; ok is false when it is no day.
func parseUKDay(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) != 10 || s[4] != '-' {
		s = strings.NewReplacer("-", "/", ".", "/", " ", "").Replace(s)
	}
	for _, layout := range dayLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(time.DateOnly), true
		}
	}
	return "", false
}

// ukDay is an ISO day ("2026-12-01") as the form shows it ("1/12/2026"),
// or the text itself when it is none.
func ukDay(iso string) string {
	if t, err := time.Parse(time.DateOnly, iso); err == nil {
		return t.Format(dayLayout)
	}
	return iso
}

// shownPeriod is a period as the form shows it (From, To: "1/12/2026") and
// as links and the app take it (FromISO, ToISO: "2026-12-01").
type shownPeriod struct{ From, To, FromISO, ToISO string }

// periodOf reads the page's period: the query's from and to, written the
// UK way or in ISO form, or the month so far when both are missing. A day
// that is none is named as such (a *data.ValidationError).
func (p *Pages) periodOf(r *request) (shownPeriod, app.Period, error) {
	from, to := value(r.c, "from"), value(r.c, "to")
	if from == "" && to == "" {
		from, to = defaultPeriod(p.now())
	}
	sp := shownPeriod{From: from, To: to}
	var errs []data.FieldError
	for _, d := range []struct {
		field, typed string
		iso, shown   *string
	}{{"from", from, &sp.FromISO, &sp.From}, {"to", to, &sp.ToISO, &sp.To}} {
		iso, ok := parseUKDay(d.typed)
		if !ok {
			errs = append(errs, data.FieldError{Field: d.field, Message: "must be a day, like 1/12/2026"})
			continue
		}
		*d.iso, *d.shown = iso, ukDay(iso)
	}
	if len(errs) > 0 {
		return sp, app.Period{}, &data.ValidationError{Errors: errs}
	}
	period, err := app.ParsePeriod(sp.FromISO, sp.ToISO)
	return sp, period, err
}

// reportsPage shows the summary and unmet need of a period. A bad period
// is the form again with its errors (400), never a failure.
func (p *Pages) reportsPage(r *request) error {
	sp, period, err := p.periodOf(r)
	from, to := sp.From, sp.To
	v := reportsView{From: from, To: to, Period: period, Language: value(r.c, "language"), CanRegister: r.user.Role == data.RoleCoordinator}
	scope, serr := app.ParseScope(value(r.c, "scope"))
	v.Register = scope.Register
	if err == nil {
		err = serr
	}
	if err == nil {
		v.Summary, err = p.app.ReportSummary(r.ctx(), r.user, period, scope)
	}
	if err == nil {
		v.Table, err = p.app.UnmetNeedReport(r.ctx(), r.user, period, app.NeedFilter{Scope: scope})
		v.Languages = v.Table.Languages
	}
	if err == nil && v.Language != "" {
		v.Table, err = p.app.UnmetNeedReport(r.ctx(), r.user, period, app.NeedFilter{Language: v.Language, Scope: scope})
	}
	if errs, ok := validationErrors(err); ok {
		return p.renderForm(r, "reports", "Reports", v, errs)
	}
	if err != nil {
		return err
	}
	s := v.Summary
	v.FillPercent = fmt.Sprintf("%.0f%%", s.FillRate*100)
	v.Median, v.P90 = fillTime(s.TimeToFill.Median), fillTime(s.TimeToFill.P90)
	v.Requests = newBarChart("requests", "Requests from "+from+" to "+to,
		fmt.Sprintf("%s: %d filled, %d unfilled (%s filled); %s found nobody.", plural(s.Requests, "request", "requests"),
			s.Filled, s.Unfilled, v.FillPercent, plural(s.Searches, "search", "searches")),
		[]string{"Filled", "Unfilled", "Searches that found nobody"}, []int{s.Filled, s.Unfilled, s.Searches})
	v.Rows = v.Table.Rows()
	var labels, parts []string
	var values []int
	for _, row := range v.Rows {
		labels = append(labels, languageName(row.Language))
		values = append(values, row.Total.Value)
		parts = append(parts, fmt.Sprintf("%s %d", languageName(row.Language), row.Total.Value))
	}
	summary := "No request went unmet."
	if v.Table.Total.Value > 0 {
		summary = fmt.Sprintf("%s unmet: %s.", plural(v.Table.Total.Value, "request went", "requests went"), strings.Join(parts, ", "))
	}
	title := "Unmet need by language, " + from + " to " + to
	if v.Language != "" {
		title = "Unmet need in " + languageName(v.Language) + ", " + from + " to " + to
	}
	v.Need = newBarChart("unmet", title, summary, labels, values)
	for _, code := range v.Table.Reasons {
		v.ReasonNames = append(v.ReasonNames, reasonName(code))
	}
	scopeName := ""
	if v.Register {
		scopeName = "register"
	}
	v.Downloads = []download{
		{"/reports/unmet-need.csv?" + query("from", sp.FromISO, "to", sp.ToISO, "language", v.Language, "scope", scopeName), "Unmet need (CSV)"},
		{"/reports/unmet-need.csv?" + query("from", sp.FromISO, "to", sp.ToISO, "language", v.Language, "shareable", "true", "scope", scopeName),
			"Unmet need to share outside your organisation, small counts hidden (CSV)"},
	}
	if !v.Register { // the export lists one organisation's bookings, never the register's
		v.Downloads = append([]download{{"/reports/bookings.csv?" + query("from", sp.FromISO, "to", sp.ToISO), "Bookings (CSV)"}}, v.Downloads...)
	}
	return p.render(r, "reports", "Reports", v)
}

// fillTime says a time to fill in words (words.go's duration), or "none".
func fillTime(d time.Duration) string {
	if d <= 0 {
		return "none"
	}
	return duration(time.Time{}, time.Time{}.Add(d))
}

// unmetNeedCSV downloads unmet need as CSV, shareable on asking.
func (p *Pages) unmetNeedCSV(r *request) error {
	_, period, err := p.periodOf(r)
	if err != nil {
		return err
	}
	scope, err := app.ParseScope(value(r.c, "scope"))
	if err != nil {
		return err
	}
	t, err := p.app.UnmetNeedReport(r.ctx(), r.user, period, app.NeedFilter{Language: value(r.c, "language"), Shareable: value(r.c, "shareable") == "true", Scope: scope})
	if err != nil {
		return err
	}
	return sendCSV(r, "unmet-need-"+period.FirstDay+"-to-"+period.LastDay+".csv", reports.NeedCSVHeader, t.CSVRows())
}

// bookingsCSV downloads the bookings export.
func (p *Pages) bookingsCSV(r *request) error {
	_, period, err := p.periodOf(r)
	if err != nil {
		return err
	}
	lines, err := p.app.BookingsExport(r.ctx(), r.user, period)
	if err != nil {
		return err
	}
	rows := make([][]string, len(lines))
	for i, l := range lines {
		rows[i] = l.Fields()
	}
	return sendCSV(r, "bookings-"+period.FirstDay+"-to-"+period.LastDay+".csv", app.BookingsHeader, rows)
}

// sendCSV answers a CSV download, as the API does.
func sendCSV(r *request, filename string, header []string, rows [][]string) error {
	var buf bytes.Buffer
	if err := reports.WriteCSV(&buf, header, rows); err != nil {
		return err
	}
	r.c.Set("Content-Type", "text/csv; charset=utf-8; header=present")
	r.c.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	r.c.Set("Cache-Control", "no-store")
	r.c.Status(http.StatusOK)
	return r.c.Send(buf.Bytes())
}

package api

import (
	"bytes"
	"math"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/reports"
)

// The reports: a summary, unmet need (JSON or CSV, shareable or not) and
// the bookings export (CSV). Each reads the period from the query's from
// and to (app.ParsePeriod) and counts in package reports, as the pages do.

// summaryView is reports.Summary as JSON, durations in minutes.
type summaryView struct {
	Scope         string            `json:"scope"`
	From          string            `json:"from"`
	To            string            `json:"to"`
	Requests      int               `json:"requests"`
	Filled        int               `json:"filled"`
	Unfilled      int               `json:"unfilled"`
	Open          int               `json:"open"`
	Withdrawn     int               `json:"withdrawn"`
	WithdrawnLate int               `json:"withdrawnLate"`
	FillRate      float64           `json:"fillRate"`
	Direct        int               `json:"direct"`
	TimeToFill    timeToFillView    `json:"timeToFill"`
	Cancellations cancellationsView `json:"cancellations"`
	NotAttended   int               `json:"notAttended"`
	NoShows       noShowsView       `json:"noShows"`
	// CoordinationErrors and Incidents: see reports.Summary.
	CoordinationErrors int          `json:"coordinationErrors"`
	Incidents          int          `json:"incidents"`
	UnmetSearches      int          `json:"unmetSearches"`
	Workload           workloadView `json:"workload"`
}

type timeToFillView struct {
	Count         int     `json:"count"`
	MedianMinutes float64 `json:"medianMinutes"`
	P90Minutes    float64 `json:"p90Minutes"`
}

type cancellationsView struct {
	Total           int       `json:"total"`
	Late            int       `json:"late"`
	ByRequester     partyView `json:"byRequester"`
	ByInterpreter   partyView `json:"byInterpreter"`
	WithdrawnByRule int       `json:"withdrawnByRule"`
	Unrecorded      int       `json:"unrecorded"`
}

type partyView struct {
	Total int `json:"total"`
	Late  int `json:"late"`
}

type noShowsView struct {
	Child       int `json:"child"`
	Interpreter int `json:"interpreter"`
}

type workloadView struct {
	Interpreters int `json:"interpreters"`
	Bookings     int `json:"bookings"`
	Min          int `json:"min"`
	Median       int `json:"median"`
	Max          int `json:"max"`
}

// scopeName is a report's scope as its answer names it.
func scopeName(sc app.Scope) string {
	if sc.Register {
		return "register"
	}
	return "organisation"
}

// minutes rounds a number of minutes to the hundredth.
func minutes(m float64) float64 { return math.Round(m*100) / 100 }

// period reads the query's from and to.
func period(c *fiber.Ctx) (app.Period, error) {
	return app.ParsePeriod(c.Query("from"), c.Query("to"))
}

// reportSummary answers the summary of the caller's organisation's period.
func (s *Server) reportSummary(c *fiber.Ctx) error {
	p, err := period(c)
	if err != nil {
		return err
	}
	sc, err := app.ParseScope(c.Query("scope"))
	if err != nil {
		return err
	}
	actor, _ := caller(c)
	sum, err := s.app.ReportSummary(c.UserContext(), actor, p, sc)
	if err != nil {
		return err
	}
	return writeJSON(c, summaryView{
		Scope: scopeName(sc), From: p.FirstDay, To: p.LastDay, Requests: sum.Requests, Filled: sum.Filled, Unfilled: sum.Unfilled, Open: sum.Open, Withdrawn: sum.Withdrawn,
		WithdrawnLate: sum.WithdrawnLate,
		FillRate:      sum.FillRate, Direct: sum.Direct,
		TimeToFill: timeToFillView{Count: sum.TimeToFill.Count, MedianMinutes: minutes(sum.TimeToFill.Median.Minutes()),
			P90Minutes: minutes(sum.TimeToFill.P90.Minutes())},
		Cancellations: cancellationsView{Total: sum.Cancellations.Total, Late: sum.Cancellations.Late,
			ByRequester:     partyView(sum.Cancellations.Requester),
			ByInterpreter:   partyView(sum.Cancellations.Interpreter),
			WithdrawnByRule: sum.Cancellations.WithdrawnByRule, Unrecorded: sum.Cancellations.Unrecorded},
		NotAttended: sum.NotAttended, NoShows: noShowsView(sum.NoShows), CoordinationErrors: sum.CoordinationErrors,
		Incidents: sum.Incidents, UnmetSearches: sum.Searches,
		Workload: workloadView{Interpreters: sum.Workload.Interpreters, Bookings: sum.Workload.Bookings,
			Min: sum.Workload.Min, Median: sum.Workload.Median, Max: sum.Workload.Max},
	})
}

// unmetNeedView is a reports.NeedTable as JSON: a count is null where a
// shareable report suppresses it.
type unmetNeedView struct {
	Scope        string          `json:"scope"`
	Language     string          `json:"language,omitempty"`
	From         string          `json:"from"`
	To           string          `json:"to"`
	Shareable    bool            `json:"shareable"`
	Threshold    int             `json:"threshold,omitzero"`
	Reasons      []string        `json:"reasons"`
	Items        []unmetRowView  `json:"items"`
	ReasonTotals map[string]*int `json:"reasonTotals"`
	Total        *int            `json:"total"`
}

type unmetRowView struct {
	Language string          `json:"language"`
	Total    *int            `json:"total"`
	Reasons  map[string]*int `json:"reasons"`
}

// shown is a count as JSON: nil when suppressed.
func shown(c reports.Count) *int {
	if c.Suppressed {
		return nil
	}
	v := c.Value
	return &v
}

// formatOf reads the query's format: one of allowed, the first by default.
func formatOf(c *fiber.Ctx, allowed ...string) (string, error) {
	f := c.Query("format")
	if f == "" {
		return allowed[0], nil
	}
	for _, a := range allowed {
		if f == a {
			return f, nil
		}
	}
	msg := "must be " + allowed[0]
	if len(allowed) > 1 {
		msg = "must be json or csv"
	}
	return "", validationFailed(fieldError{Field: "format", Message: msg})
}

// reportUnmetNeed answers unmet need by language and reason.
func (s *Server) reportUnmetNeed(c *fiber.Ctx) error {
	p, err := period(c)
	if err != nil {
		return err
	}
	format, err := formatOf(c, "json", "csv")
	if err != nil {
		return err
	}
	shareable := false
	switch c.Query("shareable") {
	case "", "false":
	case "true":
		shareable = true
	default:
		return validationFailed(fieldError{Field: "shareable", Message: "must be true or false"})
	}
	sc, err := app.ParseScope(c.Query("scope"))
	if err != nil {
		return err
	}
	actor, _ := caller(c)
	t, err := s.app.UnmetNeedReport(c.UserContext(), actor, p, app.NeedFilter{Language: c.Query("language"), Shareable: shareable, Scope: sc})
	if err != nil {
		return err
	}
	if format == "csv" {
		return writeCSV(c, "unmet-need-"+p.FirstDay+"-to-"+p.LastDay+".csv", reports.NeedCSVHeader, t.CSVRows())
	}
	v := unmetNeedView{Scope: scopeName(sc), Language: c.Query("language"), From: p.FirstDay, To: p.LastDay, Shareable: shareable, Reasons: t.Reasons, Items: []unmetRowView{},
		ReasonTotals: map[string]*int{}, Total: shown(t.Total)}
	if v.Reasons == nil {
		v.Reasons = []string{}
	}
	if shareable {
		v.Threshold = reports.Threshold
	}
	for _, r := range t.Rows() {
		row := unmetRowView{Language: r.Language, Total: shown(r.Total), Reasons: map[string]*int{}}
		for _, cell := range r.Reasons {
			row.Reasons[cell.Reason] = shown(cell.Count)
		}
		v.Items = append(v.Items, row)
	}
	for j, reason := range t.Reasons {
		v.ReasonTotals[reason] = shown(t.ReasonTotals[j])
	}
	return writeJSON(c, v)
}

// reportBookings answers the bookings export as CSV.
func (s *Server) reportBookings(c *fiber.Ctx) error {
	p, err := period(c)
	if err != nil {
		return err
	}
	if _, err := formatOf(c, "csv"); err != nil {
		return err
	}
	if sc := c.Query("scope"); sc != "" && sc != "organisation" {
		// It lists records (case references are the organisation's own):
		// never across the register.
		return validationFailed(fieldError{Field: "scope", Message: "must be organisation: the bookings export lists one organisation's bookings"})
	}
	actor, _ := caller(c)
	lines, err := s.app.BookingsExport(c.UserContext(), actor, p)
	if err != nil {
		return err
	}
	rows := make([][]string, len(lines))
	for i, l := range lines {
		rows[i] = l.Fields()
	}
	return writeCSV(c, "bookings-"+p.FirstDay+"-to-"+p.LastDay+".csv", app.BookingsHeader, rows)
}

// writeCSV answers a CSV download named filename (made of dates and
// fixed words: nothing to escape).
func writeCSV(c *fiber.Ctx, filename string, header []string, rows [][]string) error {
	var buf bytes.Buffer
	if err := reports.WriteCSV(&buf, header, rows); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8; header=present")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

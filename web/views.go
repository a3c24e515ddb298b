package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// views holds one template set per page: the layout and partials, and the
// page's own file defining "main".
type views map[string]*template.Template

// parseViews parses templates/layout.html and templates/_*.html with each
// other page file.
func parseViews() (views, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html")
	if err != nil {
		return nil, fmt.Errorf("web templates: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	v := views{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("web template %s: %w", name, err)
		}
		v[name] = t
	}
	return v, nil
}

// view is what every page's template gets.
type view struct {
	Title  string
	User   *data.User // nil when signed out
	CSRF   string
	Path   string
	Errors fieldErrors
	Notice string
	// D is the page's own data.
	D any
}

// Coordinator reports whether the user is a coordinator (the navigation
// offers each role its pages).
func (v view) Coordinator() bool { return v.User != nil && v.User.Role == data.RoleCoordinator }

// SocialWorker reports whether the user is a social worker.
func (v view) SocialWorker() bool { return v.User != nil && v.User.Role == data.RoleSocialWorker }

// Admin reports whether the user is an admin.
func (v view) Admin() bool { return v.User != nil && v.User.Role == data.RoleAdmin }

// CaseWorker reports whether the user works on cases and bookings.
func (v view) CaseWorker() bool { return v.Coordinator() || v.SocialWorker() }

// Interpreter reports whether the user is an interpreter signed in for
// themself: their pages are their invitations, bookings, hours and
// credentials.
func (v view) Interpreter() bool {
	return v.User != nil && v.User.Role == data.RoleInterpreter && v.User.InterpreterID != ""
}

// fieldErrors are a form's validation errors, named by the API's field
// paths (reference, child.languages[0].tag, start).
type fieldErrors []data.FieldError

// For returns the message for field, or "".
func (fe fieldErrors) For(field string) string {
	for _, e := range fe {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// render writes the page name with data d.
func (p *Pages) render(r *request, name, title string, d any) error {
	return p.renderForm(r, name, title, d, nil)
}

// renderForm writes a page with its form's errors (status 400 when there
// are any, unless a status was set already).
func (p *Pages) renderForm(r *request, name, title string, d any, errs fieldErrors) error {
	t, ok := p.views[name]
	if !ok {
		return fmt.Errorf("web: no template %q", name)
	}
	v := view{Title: title, Path: r.c.Path(), Errors: errs, D: d, Notice: notices[r.c.Query("notice")]}
	if r.user.ID != "" {
		u := r.user
		v.User, v.CSRF = &u, csrfToken(r.token)
	}
	if len(errs) > 0 {
		v.Title = "Error: " + title
		if r.c.Response().StatusCode() == fiber.StatusOK {
			r.c.Status(fiber.StatusBadRequest)
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return err
	}
	r.c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return r.c.Send(buf.Bytes())
}

// notices are the confirmations a page shows after a change, by the
// notice query parameter of the redirect that follows the change.
var notices = map[string]string{
	"case-created":         "Case created. Find an interpreter below.",
	"case-saved":           "Case saved.",
	"case-closed":          "Case closed. It takes no new search, offer or booking until it is reopened.",
	"case-reopened":        "Case reopened.",
	"booked":               "Interpreter booked. The calendar invitation is below.",
	"rescheduled":          "Booking moved. The updated invitation is below.",
	"cancelled":            "Booking cancelled.",
	"outcome":              "Outcome recorded.",
	"distressing":          "Thank you for telling us. A coordinator will offer you a debrief.",
	"subscription-revoked": "Subscription revoked. Calendars using it will stop updating.",
	"interpreter-created":  "Interpreter record created. It is pending until vetting approves it.",
	"interpreter-saved":    "Interpreter record saved.",
	"vetting":              "Vetting decision recorded.",
	"dismissed":            "Done: that withdrawn booking is no longer listed here.",
	"withdrawn":            "The interpreter's remaining bookings are cancelled.",
	"key-revoked":          "Key revoked. The user is signed out everywhere.",
	"signed-out":           "You have signed out.",
	"offer-sent":           "Offer sent. The interpreters are asked as shown below; this page shows their answers as they come.",
	"offer-cancelled":      "Offer cancelled. Nobody can accept it now.",
	"accepted":             "You accepted. The interview is booked; its details are below.",
	"declined":             "You declined. Thank you for answering.",
	"hours-saved":          "Your working hours are saved.",
	"away-added":           "Your dates away are saved.",
	"away-removed":         "The dates away are removed.",
	"link-sent":            "If that email belongs to an interpreter, a link is on its way. It works once, for " + linkLife + ".",
	"retried":              "The message is back in the queue: tolk tries to send it again now.",
	"transfer-accepted":    "Transfer accepted. This is your new case: the child's needs, the interpreters to keep away and those the child was comfortable with came with it.",
	"transfer-declined":    "Transfer declined. The organisation that sent it is told.",
	"transfer-sent":        "Case sent. The other organisation's coordinators are told; the case stays yours until they accept it.",
	"transfer-withdrawn":   "Transfer taken back. The other organisation's coordinators are told; the case stays yours.",
}

// linkLife is how long a sign-in link works, in words.
var linkLife = plural(int(app.SignInLinkLife/time.Minute), "minute", "minutes")

// funcs are the helpers every template may call.
var funcs = template.FuncMap{
	"when":      formatWhen,
	"day":       func(d data.Date) string { return d.String() },
	"local":     formatLocal,
	"fieldID":   fieldID,
	"maxlength": maxLength,
	"label":     label,
	"add":       func(a, b int) int { return a + b },
	"lower":     strings.ToLower,
	"language":  languageName,
	"region":    regionName,
	// languageInput and regionInput show a stored code in a form as the
	// name that reads back as it; the options fill the datalists.
	"linkKind":        linkKind,
	"linkValue":       linkValue,
	"languageInput":   data.LanguageInput,
	"regionInput":     data.RegionInput,
	"languageOptions": data.LanguageOptions,
	"regionOptions":   data.RegionOptions,
	"ageBand":         ageBand,
	"role":            roleName,
	"longDay":         longDay,
	"longDate":        longDate,
	"clock":           clock,
	"span":            span,
	"duration":        duration,
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	},
	"seq": func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = i
		}
		return s
	},
	"field": func(format string, i int) string { return fmt.Sprintf(format, i) },
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
}

// Pages show and read times in UK time (data.London); the store keeps UTC.

// formatWhen shows an instant in UK time: "Tue 3 Mar 2026, 14:00 GMT".
func formatWhen(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(data.London).Format("Mon 2 Jan 2006, 15:04 MST")
}

// localLayout is how a date and time is written in a form, in UK time:
// day/month/year, then the 24-hour time ("14/3/2027 10:00").
const localLayout = "2/1/2006 15:04"

// localLayouts are the forms parseLocal reads, after tidying: the UK
// form, with a two-digit year too, and the ISO form of datetime-local
// inputs and older links.
var localLayouts = []string{localLayout, "2/1/06 15:04", "2006-01-02T15:04", "2006-01-02 15:04"}

// formatLocal is an instant as a form shows it, in UK time: "14/3/2027 10:00".
func formatLocal(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(data.London).Format(localLayout)
}

// parseLocal reads a date and time as people write it, in UK time:
// "14/3/2027 10:00", "14/03/2027, 10.00", "14-3-27 9:30", or the ISO
// form "2027-03-14T10:00". In the hour the clocks go back, a time is read
// as its first (BST) occurrence; a time in the hour the clocks go forward,
// which no UK clock shows, is refused.
func parseLocal(s string) (time.Time, error) {
	tidy := strings.NewReplacer(",", " ", ".", ":")
	s = strings.Join(strings.Fields(tidy.Replace(s)), " ")
	if d, c, ok := strings.Cut(s, " "); ok && !strings.Contains(d, "T") {
		s = strings.ReplaceAll(d, "-", "/") + " " + c // 14-3-2027 is 14/3/2027
		if strings.Count(d, "-") == 2 && len(d) == 10 && d[4] == '-' {
			s = d + " " + c // 2027-03-14 stays ISO
		}
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, s, data.London); err == nil {
			shown := t.In(data.London).Format(time.DateTime)
			if wall, _ := time.Parse(layout, s); wall.Format(time.DateTime) != shown {
				// Go moves a time in the gap on by an hour.
				return time.Time{}, fmt.Errorf("is not a time in the UK: the clocks go forward an hour at 1:00 that night, so %s is not shown; give a time before 1:00 or from 2:00", wall.Format("15:04"))
			}
			// Go leaves the choice in the repeated hour open (it takes
			// the GMT one): an hour earlier showing the same clock is
			// the first, BST occurrence.
			if e := t.Add(-time.Hour); e.In(data.London).Format(time.DateTime) == shown {
				t = e
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("must be a date and time, like 14/3/2027 10:00")
}

// fieldID turns a field name (child.languages[0].tag) into an element ID
// (f-child-languages-0-tag) that the error summary links to.
func fieldID(name string) string {
	var b strings.Builder
	b.WriteString("f-")
	dash := false
	for _, r := range name {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// labels are the words pages show for the API's codes.
var labels = map[string]string{
	"abe_police": "ABE police interview", "social_work": "Social work interview", "age_assessment": "Age assessment",
	"health": "Health appointment", "legal": "Legal meeting",
	"in_person": "In person", "video": "Video", "phone": "Phone",
	"confirmed": "Confirmed", "cancelled": "Cancelled", "completed": "Completed",
	"pending": "Pending", "approved": "Approved", "rejected": "Rejected", "suspended": "Suspended", "left": "Left",
	"female": "Female", "male": "Male", "nonbinary": "Non-binary",
	"admin": "Admin", "coordinator": "Coordinator", "social_worker": "Social worker",
	"interpreter": "One interpreter's bookings", "mine": "The bookings I make", "organisation": "All my organisation's bookings",
	"freebusy":    "My busy time (no details)",
	"undisclosed": "Prefers not to say", "native": "Native", "fluent": "Fluent", "professional": "Professional",
	"approve": "Approve", "reject": "Reject", "suspend": "Suspend", "leave": "Record that they left the register (final)",
	"basic": "Basic DBS", "standard": "Standard DBS", "enhanced": "Enhanced DBS",
	"enhanced_barred_children": "Enhanced DBS with the children's barred list",
	"attended":                 "The interview took place", "child_did_not_attend": "The child did not attend",
	"interpreter_no_show": "The interpreter did not come", "coordination_error": "A mistake in arranging it",
	"cancelled_by_requester":        "Cancelled by us",
	"cancelled_by_requester_late":   "Cancelled by us, late (close to the start)",
	"cancelled_by_interpreter":      "Cancelled by the interpreter",
	"cancelled_by_interpreter_late": "Cancelled by the interpreter, late (close to the start)",
	"withdrawn_by_rule":             "Withdrawn: the interpreter no longer meets a rule",
	"unfilled":                      "Unfilled",
}

// The training and qualification kinds' words are data's, which emails
// say too.
func init() {
	for _, k := range data.TrainingKinds {
		labels[string(k)] = k.Words()
	}
	for _, k := range data.QualificationKinds {
		labels[string(k)] = k.Words()
	}
}

// label returns the words for a code, or the code itself.
func label(code any) string {
	s := fmt.Sprint(code)
	if l, ok := labels[s]; ok {
		return l
	}
	return s
}

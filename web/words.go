package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/tolk/tolk/data"
)

// Words for people: the names of languages, regions, age bands and roles,
// and times and durations in UK form, for pages that show them instead of
// the API's codes.

// languageName returns a BCP 47 tag's English name (data.LanguageName).
func languageName(tag string) string { return data.LanguageName(tag) }

// regionName returns an ISO 3166-2 code's name (data.RegionName).
func regionName(code string) string { return data.RegionName(code) }

// linkValue is a community link's value in words: a country's or a
// region's name for those kinds, the text as declared otherwise.
func linkValue(l data.CommunityLink) string {
	switch l.Kind {
	case data.LinkCountry:
		return data.CountryName(l.Value)
	case data.LinkRegion:
		return data.RegionName(l.Value)
	}
	return l.Value
}

// ageBand returns the words for an age band ("12 to 15"), or "" when none
// is recorded.
func ageBand(b data.AgeBand) string { return b.Words() }

// roleNames are the words for each role (label's "interpreter" is the
// feed scope's).
var roleNames = map[data.Role]string{
	data.RoleAdmin: "Admin", data.RoleCoordinator: "Coordinator", data.RoleSocialWorker: "Social worker",
	data.RoleInterpreter: "Interpreter",
}

// roleName returns the words for a role.
func roleName(r data.Role) string {
	if w, ok := roleNames[r]; ok {
		return w
	}
	return string(r)
}

// longDay is an instant's day in UK time, in full: "Tuesday 8 December 2026".
func longDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(data.London).Format("Monday 2 January 2006")
}

// clock is an instant's time of day in UK time: "14:00".
func clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(data.London).Format("15:04")
}

// span is an interview's date and times in UK form: "Tuesday 8 December
// 2026, 10:00 to 11:30", with the end's day when it ends on another.
func span(start, end time.Time) string {
	s := longDay(start) + ", " + clock(start) + " to " + clock(end)
	if longDay(end) != longDay(start) {
		s = longDay(start) + ", " + clock(start) + " to " + longDay(end) + ", " + clock(end)
	}
	return s
}

// duration is how long start to end lasts, in words: "1 hour 30 minutes".
func duration(start, end time.Time) string {
	d := end.Sub(start).Round(time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if h > 0 {
		parts = append(parts, plural(h, "hour", "hours"))
	}
	if m > 0 || h == 0 {
		parts = append(parts, plural(m, "minute", "minutes"))
	}
	return strings.Join(parts, " ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// dueBy says when an answer is due, from now, in UK time: "14:00 today",
// "09:30 tomorrow", "14:00 on Tuesday 8 December 2026".
func dueBy(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	day, today := t.In(data.London), now.In(data.London)
	switch {
	case sameDay(day, today):
		return clock(t) + " today"
	case sameDay(day, today.AddDate(0, 0, 1)):
		return clock(t) + " tomorrow"
	}
	return clock(t) + " on " + longDay(t)
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// expiry says how a credential valid until (or expiring on) d stands on
// today: "valid until 2027-03-01", "expires in 20 days (2026-12-12)",
// "expired on 2026-01-31". Soon is 60 days: the renewal report's window
// and then some, so there is time to renew.
func expiry(d, today data.Date) (words string, soon bool) {
	if d.IsZero() {
		return "does not expire", false
	}
	days := daysBetween(today, d)
	switch {
	case days < 0:
		return "expired on " + longDate(d), true
	case days == 0:
		return "expires today", true
	case days <= 60:
		return fmt.Sprintf("expires in %s, on %s", plural(days, "day", "days"), longDate(d)), true
	}
	return "valid until " + longDate(d), false
}

// longDate is a date in full: "8 December 2026".
func longDate(d data.Date) string { return d.Words() }

// daysBetween counts the days from a to b (negative when b is before a).
func daysBetween(a, b data.Date) int {
	ta, err1 := time.Parse(data.DateLayout, a.String())
	tb, err2 := time.Parse(data.DateLayout, b.String())
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(tb.Sub(ta) / (24 * time.Hour))
}

// readLanguage resolves what was typed into a language field (a name or a
// tag, see data.LanguageTag): the tag, or a field error suggesting the
// nearest names. Nothing typed is "" and no error.
func readLanguage(field, typed string) (string, *data.FieldError) {
	if typed == "" {
		return "", nil
	}
	tag, nearest, ok := data.LanguageTag(typed)
	if ok {
		return tag, nil
	}
	return "", &data.FieldError{Field: field, Message: unknownName("a language", typed, nearest)}
}

// readRegion resolves what was typed into a region field (a UK region's
// name or an ISO 3166-2 code, see data.RegionCode): the code, or a field
// error suggesting the nearest names. Nothing typed is "" and no error.
func readRegion(field, typed string) (string, *data.FieldError) {
	if typed == "" {
		return "", nil
	}
	code, nearest, ok := data.RegionCode(typed)
	if ok {
		return code, nil
	}
	return "", &data.FieldError{Field: field, Message: unknownName("a region", typed, nearest)}
}

// unknownName says that typed names no known thing, and which names are
// nearest: `"Arabik" is not a language tolk knows: did you mean Arabic?`.
func unknownName(what, typed string, nearest []string) string {
	msg := fmt.Sprintf("%q is not %s tolk knows", typed, what)
	switch len(nearest) {
	case 0:
		return msg + ": choose one from the list"
	case 1:
		return msg + ": did you mean " + nearest[0] + "?"
	}
	return msg + ": did you mean " + strings.Join(nearest[:len(nearest)-1], ", ") + " or " + nearest[len(nearest)-1] + "?"
}

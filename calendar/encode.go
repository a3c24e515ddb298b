package calendar

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-ical"

	"github.com/tolk/tolk/data"
)

// maxLine is the longest content line RFC 5545 (section 3.1) allows, in
// octets, not counting the CRLF.
const maxLine = 75

// encode writes cal with go-ical and folds the result. A calendar with no
// component gets a VTIMEZONE for UTC: go-ical refuses to encode an empty
// calendar, and RFC 5545's grammar requires at least one component.
func encode(cal *ical.Calendar) ([]byte, error) {
	if len(cal.Children) == 0 {
		cal.Children = append(cal.Children, utcZone())
	}
	var buf bytes.Buffer
	buf.Grow(1024 * len(cal.Children))
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	return fold(buf.Bytes()), nil
}

// utcZone is a VTIMEZONE for UTC, which no event refers to (their times end
// in Z): the component an otherwise empty calendar holds.
func utcZone() *ical.Component {
	std := ical.NewComponent(ical.CompTimezoneStandard)
	std.Props.Set(&ical.Prop{Name: ical.PropDateTimeStart, Params: ical.Params{}, Value: "19700101T000000"})
	std.Props.Set(&ical.Prop{Name: ical.PropTimezoneOffsetFrom, Params: ical.Params{}, Value: "+0000"})
	std.Props.Set(&ical.Prop{Name: ical.PropTimezoneOffsetTo, Params: ical.Params{}, Value: "+0000"})
	std.Props.SetText(ical.PropTimezoneName, "UTC")
	tz := ical.NewComponent(ical.CompTimezone)
	tz.Props.SetText(ical.PropTimezoneID, "UTC")
	tz.Children = []*ical.Component{std}
	return tz
}

// fold folds go-ical's output, CRLF-terminated lines, so that no line is
// longer than maxLine octets: a long line is cut at the last UTF-8 rune
// boundary that fits, and each continuation starts with one space (RFC 5545
// section 3.1). Unfolding (deleting every CRLF followed by a space) gives the
// input back.
func fold(in []byte) []byte {
	out := make([]byte, 0, len(in)+len(in)/(maxLine-1)*3)
	for len(in) > 0 {
		end := bytes.Index(in, []byte("\r\n"))
		if end < 0 { // go-ical ends every line with CRLF; be safe anyway
			end = len(in)
		}
		line := in[:end]
		in = in[min(end+2, len(in)):]
		limit := maxLine
		for len(line) > limit {
			cut := limit
			for cut > 1 && !utf8.RuneStart(line[cut]) {
				cut--
			}
			out = append(out, line[:cut]...)
			out = append(out, "\r\n "...)
			line = line[cut:]
			limit = maxLine - 1 // the leading space counts
		}
		out = append(out, line...)
		out = append(out, "\r\n"...)
	}
	return out
}

// text cleans a string from a booking or a person for a TEXT value: invalid
// UTF-8 becomes U+FFFD, CRLF and CR (and NEL, LS, PS) become LF, tab becomes a
// space, every other control character goes, and so does every hidden
// character (data.Hidden: direction overrides, isolates and marks,
// zero-width characters) but a joiner that spells, whenever the value was
// stored, so that no event shows a name or a place as another. go-ical
// then escapes backslash, semicolon, comma and LF.
func text(s string) string {
	if clean(s) {
		return s
	}
	s = data.StripHidden(strings.ToValidUTF8(s, "\uFFFD"))
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch r {
		case '\n', '\r', '\u0085', '\u2028', '\u2029':
			return '\n'
		case '\t':
			return ' '
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// clean reports whether s is valid UTF-8 free of anything text changes.
func clean(s string) bool {
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == utf8.RuneError || r == '\u2028' || r == '\u2029' ||
			(r >= 0xad && data.Hidden(r)) {
			return false
		}
	}
	return true
}

// oneLine is text with line breaks turned into spaces, for values that are
// one line in every client: summaries, names.
func oneLine(s string) string {
	return strings.ReplaceAll(text(s), "\n", " ")
}

// param cleans a parameter value such as CN so that every client shows the
// same name: one line; a double quote, which cannot appear in a parameter
// value, becomes an apostrophe; a backslash, which ical.js (Thunderbird)
// unescapes there as in TEXT, becomes a slash; a caret, which RFC 6868
// parsers (ical.js, Apple) decode and others (go-ical, Outlook) do not, goes.
// go-ical quotes the value when it holds a colon, semicolon or comma.
func param(s string) string {
	return strings.TrimSpace(paramReplacer.Replace(oneLine(s)))
}

var paramReplacer = strings.NewReplacer(`"`, "'", `\`, "/", "^", "")

// utc is the one way an instant reaches a property: in time.UTC, so that
// go-ical writes it with a Z and no TZID, to the second.
func utc(t time.Time) time.Time {
	return t.UTC().Truncate(time.Second)
}

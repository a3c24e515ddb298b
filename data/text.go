package data

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Caps on text. Every text field of a record has one, and it is checked
// before the value is parsed, compared or quoted in a message, so a huge
// value costs no more than reading it once.
const (
	// MaxLanguageTagLength bounds a BCP 47 tag (CanonicalLanguage).
	MaxLanguageTagLength = 64
	// MaxIDLength bounds a record ID given by a client.
	MaxIDLength = 64
	// MaxNameLength bounds a person's name (an interpreter's, a user's).
	MaxNameLength = 200
	// MaxEmailLength bounds an email address: RFC 5321's limit on a
	// forward path.
	MaxEmailLength = 254
	// MaxPhoneLength bounds a phone number.
	MaxPhoneLength = 50
	// MaxCodeLength bounds an ISO 3166-1 or 3166-2 code (a region).
	MaxCodeLength = 10
	// MaxLinkLength bounds a community link's value.
	MaxLinkLength = 200
	// MaxCertificateLength bounds a clearance certificate's number.
	MaxCertificateLength = 100
	// MaxQualificationRefLength bounds a qualification's reference.
	MaxQualificationRefLength = 200
	// MaxNoteLength bounds a note: a vetting decision's, an outcome's.
	MaxNoteLength = 2000
)

// textKind says which control characters a text field may hold.
type textKind int

const (
	// oneLine is a name, email, code, ID, reference or link: no control
	// character at all (C0, DEL or C1), not even a tab, and no hidden
	// character (see Hidden) but a joiner that spells.
	oneLine textKind = iota
	// prose is free text (notes, reasons, locations): tab, CR and LF
	// allowed, every other control character refused. Hidden characters
	// stay: a note quoting Arabic and English needs its direction marks.
	// What shows prose elsewhere (a calendar, a mail header) strips them.
	prose
)

// textProblem says what is wrong with s as a text field of at most max
// characters of the given kind, or returns "" when nothing is. The length
// is checked first, in bytes and then in characters.
func textProblem(s string, max int, kind textKind) string {
	if len(s) > max*utf8.UTFMax || utf8.RuneCountInString(s) > max {
		return fmt.Sprintf("must be at most %d characters", max)
	}
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return "must be valid UTF-8"
			}
		}
		if unicode.IsControl(r) && (kind == oneLine || (r != '\t' && r != '\n' && r != '\r')) {
			if kind == oneLine {
				return "must not contain control characters"
			}
			return "must not contain control characters other than tab and line breaks"
		}
		if kind == oneLine && Hidden(r) && !spelling(s, i) {
			return "must not contain invisible or direction-changing characters (such as U+202E or U+200B)"
		}
	}
	return ""
}

// Hidden reports whether r shows nothing itself but can change how the
// text around it shows, so that a name can display as another: the
// bidirectional embeddings, overrides and isolates (U+202A–U+202E,
// U+2066–U+2069), the direction marks (U+200E, U+200F, U+061C), the
// zero-width space, non-joiner and joiner (U+200B–U+200D), the word joiner
// and byte order mark (U+2060, U+FEFF), the soft hyphen and every other
// format character (Unicode's category Cf).
func Hidden(r rune) bool { return unicode.Is(unicode.Cf, r) }

// joiningScripts are the scripts in which a zero-width non-joiner or joiner
// changes how letters join or combine, so that it is spelling, not
// decoration: Persian and Kurdish compound names in Arabic script write
// one, as do the Brahmic scripts.
var joiningScripts = []*unicode.RangeTable{
	unicode.Arabic, unicode.Syriac, unicode.Nko, unicode.Mongolian, unicode.Devanagari, unicode.Bengali,
	unicode.Gurmukhi, unicode.Gujarati, unicode.Oriya, unicode.Tamil, unicode.Telugu, unicode.Kannada,
	unicode.Malayalam, unicode.Sinhala, unicode.Myanmar, unicode.Khmer, unicode.Tibetan,
}

// spelling reports whether the character at byte i of s is a zero-width
// non-joiner or joiner (U+200C, U+200D) between a letter or mark and a
// letter, both of a joining script: the one place a hidden character is
// part of how a word is written.
func spelling(s string, i int) bool {
	r, size := utf8.DecodeRuneInString(s[i:])
	if r != '\u200C' && r != '\u200D' {
		return false
	}
	before, _ := utf8.DecodeLastRuneInString(s[:i])
	after, _ := utf8.DecodeRuneInString(s[i+size:])
	return (unicode.IsLetter(before) || unicode.IsMark(before)) && unicode.IsLetter(after) &&
		unicode.In(before, joiningScripts...) && unicode.In(after, joiningScripts...)
}

// StripHidden returns s without its hidden characters (see Hidden), but
// for the joiners that spell: what a calendar or a mail header shows of a
// name, a place or a note, whenever it was stored.
func StripHidden(s string) string {
	clean := true
	for i, r := range s {
		if Hidden(r) && !spelling(s, i) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !Hidden(r) || spelling(s, i) {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// text reports, under field, what textProblem finds in s, and returns
// whether s passed: callers parse or quote only values that did.
func (p *problems) text(field, s string, max int, kind textKind) bool {
	if msg := textProblem(s, max, kind); msg != "" {
		p.add(field, msg)
		return false
	}
	return true
}

// within returns items when there are at most max of them. Otherwise it
// reports the list under field and returns nil, so that the items of an
// over-long list are not checked one by one: 100,000 repeated values cost
// one problem, not 100,000.
func within[T any](p *problems, field string, items []T, max int, noun string) []T {
	if len(items) > max {
		p.add(field, fmt.Sprintf("must list at most %d %s", max, noun))
		return nil
	}
	return items
}

// normalizeLinks trims link values and upper-cases country and region codes.
func normalizeLinks(links []CommunityLink) {
	for i := range links {
		l := &links[i]
		l.Value = strings.TrimSpace(l.Value)
		if l.Kind == LinkCountry || l.Kind == LinkRegion {
			l.Value = strings.ToUpper(l.Value)
		}
	}
}

// validateLinks checks community links (kinds, lengths, control
// characters, then ISO codes) under field.
func validateLinks(p *problems, field string, links []CommunityLink) {
	for i, l := range links {
		f := fmt.Sprintf("%s[%d]", field, i)
		if !oneOf(l.Kind, CommunityLinkKinds) {
			p.add(f+".kind", "must be one of "+list(CommunityLinkKinds))
			continue
		}
		switch {
		case l.Value == "":
			p.add(f+".value", "is required")
		case !p.text(f+".value", l.Value, MaxLinkLength, oneLine):
		case l.Kind == LinkCountry && !IsCountryCode(l.Value):
			p.add(f+".value", fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 country code", clip(l.Value)))
		case l.Kind == LinkRegion && !IsSubdivisionCode(l.Value):
			p.add(f+".value", fmt.Sprintf("%q is not an ISO 3166-2 subdivision code", clip(l.Value)))
		}
	}
}

// clip shortens a value quoted in a message to at most 16 bytes (cut at a
// character boundary), so that a message never echoes much of the input.
func clip(s string) string {
	const max = 16
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// isoCodes checks ISO 3166 codes against the tables validator ships.
var isoCodes = validator.New()

// IsCountryCode reports whether s is an ISO 3166-1 alpha-2 code (upper case).
func IsCountryCode(s string) bool { return isoCodes.Var(s, "iso3166_1_alpha2") == nil }

// IsSubdivisionCode reports whether s is an ISO 3166-2 code (upper case).
func IsSubdivisionCode(s string) bool { return isoCodes.Var(s, "iso3166_2") == nil }

// Fold returns s case- and accent-folded, the form in which free-text
// community link values are compared: "Mekelle", "MEKELLE" and "Mékelle" fold alike.
func Fold(s string) string {
	if isASCII(s) { // nothing to decompose: matching folds every link it meets
		return strings.Join(strings.Fields(strings.ToLower(s)), " ")
	}
	return foldUnicode(s)
}

// foldUnicode is Fold of any string: decomposed, stripped of combining
// marks, recomposed.
func foldUnicode(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD") // the transform stops at invalid bytes
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.Join(strings.Fields(strings.ToLower(out)), " ")
}

// list joins the values of an enumeration for a message.
func list[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// CheckProse returns a *ValidationError naming field when s is not free
// text of at most max characters: valid UTF-8, with no control character
// but tab, CR and LF. Use cases check what a request names with it, so the
// error names the request's field.
func CheckProse(field, s string, max int) error {
	if msg := textProblem(s, max, prose); msg != "" {
		return &ValidationError{Errors: []FieldError{{Field: field, Message: msg}}}
	}
	return nil
}

package data

import (
	"cmp"
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// Names as people type them: a form that asks for a language or a region
// takes its name ("Kurdish (Sorani)", "Leeds") as well as its code, and
// suggests the nearest names when it knows neither.

// KnownLanguages are the tags the forms offer by name (their datalists),
// the languages and varieties most asked for in interviews with children
// trafficked to the UK; any other BCP 47 tag is still accepted as a tag.
var KnownLanguages = []string{
	"am", "ar", "apd", "arz", "bg", "bn", "ckb", "cmn", "cs", "cy", "el", "en", "es", "fa", "fr", "gu",
	"ha", "hi", "hu", "ig", "kmr", "ln", "lt", "my", "ne", "om", "pa", "pl", "prs", "ps", "pt", "ro",
	"rom", "ru", "sdh", "sk", "so", "sq", "aln", "als", "sw", "syl", "ta", "th", "ti", "tl", "tr", "uk",
	"ur", "vi", "yo", "yue", "zh",
}

// MaxRegionInputLength bounds what a form takes for a region: a code, or
// a name (the longest UK region's is 36 characters).
const MaxRegionInputLength = 64

// regionAliases are names people use for a region that are not its
// ISO 3166-2 name: "London" for GB-LND (the City of London), the code the
// service's regions use for London.
var regionAliases = map[string]string{"london": "GB-LND"}

// fold is how names are compared: lower case, spaces collapsed.
func fold(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

// LanguageOptions returns the names of KnownLanguages, sorted: what a
// language field's datalist offers.
func LanguageOptions() []string {
	out := make([]string, 0, len(KnownLanguages))
	for _, t := range KnownLanguages {
		out = append(out, LanguageName(t))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// RegionOptions returns the names of the UK's ISO 3166-2 regions, sorted:
// what a region field's datalist offers.
func RegionOptions() []string {
	out := []string{"London"}
	for _, n := range ukRegionNames {
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// LanguageTag reads what someone typed for a language: the name of a
// known language or variety ("Arabic", "kurdish (sorani)"), or a BCP 47
// tag naming a language ("ckb"). It returns the tag, or ok false with up
// to three names nearest to what was typed.
func LanguageTag(typed string) (tag string, nearest []string, ok bool) {
	s := strings.TrimSpace(typed)
	if s == "" {
		return "", nil, false
	}
	f := fold(s)
	for _, t := range KnownLanguages {
		if fold(LanguageName(t)) == f {
			return t, nil, true
		}
	}
	if t, err := language.Parse(s); err == nil && LanguageName(t.String()) != t.String() {
		return t.String(), nil, true
	}
	return "", nearestNames(f, LanguageOptions()), false
}

// RegionCode reads what someone typed for a region: a UK region's name
// ("Leeds", "London") or an ISO 3166-2 code ("GB-LDS", any country's). It
// returns the code, or ok false with up to three names nearest to what was
// typed.
func RegionCode(typed string) (code string, nearest []string, ok bool) {
	s := strings.TrimSpace(typed)
	if s == "" {
		return "", nil, false
	}
	if c := strings.ToUpper(s); IsSubdivisionCode(c) {
		return c, nil, true
	}
	f := fold(s)
	if c, ok := regionAliases[f]; ok {
		return c, nil, true
	}
	for c, n := range ukRegionNames {
		if fold(n) == f {
			return c, nil, true
		}
	}
	return "", nearestNames(f, RegionOptions()), false
}

// LanguageInput is how a form shows a stored tag: its name when typing
// that name gives the tag back, the tag otherwise.
func LanguageInput(tag string) string {
	if n := LanguageName(tag); n != tag {
		if t, _, ok := LanguageTag(n); ok && t == tag {
			return n
		}
	}
	return tag
}

// RegionInput is how a form shows a stored region code: its name when
// typing that name gives the code back, the code otherwise.
func RegionInput(code string) string {
	if n := RegionName(code); n != code {
		if c, _, ok := RegionCode(n); ok && c == code {
			return n
		}
	}
	return code
}

// nearestNames returns up to three of names nearest to f (folded): those
// it begins or is contained in first, then by edit distance, at most a
// third of f's length.
func nearestNames(f string, names []string) []string {
	type scored struct {
		name  string
		score int
	}
	var found []scored
	for _, n := range names {
		fn := fold(n)
		switch d := distance(f, fn); {
		case strings.HasPrefix(fn, f) || strings.HasPrefix(f, fn):
			found = append(found, scored{n, 0})
		case strings.Contains(fn, f) || strings.Contains(fn, " "+f):
			found = append(found, scored{n, 1})
		case d <= max(1, len(f)/3):
			found = append(found, scored{n, 1 + d})
		default:
			// Compare with the name's first word too: "arabik" is near
			// "Arabic (Sudanese)".
			if w, _, _ := strings.Cut(fn, " "); w != fn {
				if d := distance(f, w); d <= max(1, len(f)/3) {
					found = append(found, scored{n, 2 + d})
				}
			}
		}
	}
	slices.SortStableFunc(found, func(a, b scored) int {
		return cmp.Or(cmp.Compare(a.score, b.score), cmp.Compare(a.name, b.name))
	})
	var out []string
	for _, s := range found[:min(3, len(found))] {
		out = append(out, s.name)
	}
	return out
}

// distance is the Levenshtein distance between a and b, in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

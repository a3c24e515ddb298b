package matching

import (
	"slices"

	"golang.org/x/text/language"

	"github.com/tolk/tolk/data"
)

// How an interpreter's language tag meets one of the child's, weakest first.
//
// A tag is read as a variety: its base language and, when the tag names one,
// its region. The script is ignored (interviews are spoken: sr-Latn and
// sr-Cyrl are one language). A few region tags name the same variety as an
// ISO 639-3 code and are read as that code (see regionVarieties): ar-SD is
// apd. Two varieties are related when data.Macrolanguage gives them the same
// macrolanguage (ckb and kmr are both ku) or they share a base (ti-ER, ti-ET).
//
// Against the child's tag (want) an interpreter's tag (have) is:
//   - matchExact when both name the same variety (ckb~ckb, ar-SD~apd, ku~ku);
//   - matchVariety when want is general and have is a form of it: want has
//     no region and either have is want with a region (ti~ti-ER) or want is
//     a macrolanguage and have one of its members (ar~apd, ku~ckb, fa~prs,
//     sq~aln). The child asked for the language, not a variety, so any of
//     its varieties serves, at fewer points than the exact tag;
//   - matchRelated when they are related otherwise: a specific request is
//     met by neither another variety (ckb~kmr, apd~arz, ar-SD~ar-EG) nor
//     the bare macrolanguage or base (apd~ar, ckb~ku, ti-ER~ti, prs~fa).
//     The interpreter is excluded as language_mismatch;
//   - matchNone when unrelated: the interpreter is not in the pool at all.
type langMatch uint8

const (
	matchNone langMatch = iota
	matchRelated
	matchVariety
	matchExact
)

// variety is a parsed language tag: base language and region ("" when the
// tag has none), and the macrolanguage of the base (the base itself when it
// belongs to none). ok is false for a tag that does not parse.
type variety struct {
	lang, region, macro string
	ok                  bool
}

// regionVarieties maps a macrolanguage with a region to the individual
// language that region's variety is coded as in ISO 639-3, where one variety
// clearly dominates the region. Regions with several major varieties (Arabic
// in Saudi Arabia or Yemen, Kurdish in Iraq, Chinese in Hong Kong) are left
// out on purpose: such a tag stays a region form of the macrolanguage.
var regionVarieties = map[[2]string]string{
	{"ar", "SD"}: "apd", // Sudanese Arabic
	{"ar", "EG"}: "arz", // Egyptian Arabic
	{"ar", "MA"}: "ary", // Moroccan Arabic
	{"ar", "DZ"}: "arq", // Algerian Arabic
	{"ar", "TN"}: "aeb", // Tunisian Arabic
	{"ar", "LY"}: "ayl", // Libyan Arabic
	{"ar", "IQ"}: "acm", // Mesopotamian (Iraqi) Arabic
	{"ar", "SY"}: "apc", // Levantine Arabic (ajp was merged into apc)
	{"ar", "LB"}: "apc",
	{"ar", "JO"}: "apc",
	{"ar", "PS"}: "apc",
	{"fa", "AF"}: "prs", // Dari
	{"fa", "IR"}: "pes", // Iranian Persian
}

// parseVariety reads a canonical BCP 47 tag (data.CanonicalLanguage form).
func parseVariety(tag string) variety {
	t, err := language.Parse(tag)
	if err != nil {
		return variety{}
	}
	b, conf := t.Base()
	if conf != language.Exact {
		return variety{}
	}
	v := variety{lang: b.String(), ok: true}
	if r, conf := t.Region(); conf == language.Exact {
		v.region = r.String()
	}
	if eq, found := regionVarieties[[2]string{v.lang, v.region}]; found {
		v.lang, v.region = eq, ""
	}
	v.macro = data.Macrolanguage(v.lang)
	return v
}

// compare says how have meets want; see langMatch.
func compare(want, have variety) langMatch {
	switch {
	case !want.ok || !have.ok:
		return matchNone
	case want.lang == have.lang && want.region == have.region:
		return matchExact
	case want.region == "" && (have.lang == want.lang || (want.macro == want.lang && have.macro == want.lang)):
		return matchVariety
	case want.macro == have.macro:
		return matchRelated
	}
	return matchNone
}

// tagVerdict is how one interpreter tag meets the child's languages: the
// best accepted match (child is the index of the child's language it meets,
// points its language points before proficiency), or only related.
type tagVerdict struct {
	level   langMatch // best level over the child's languages
	child   int
	points  int
	related bool
}

// judgeTag compares one interpreter tag with every child language and keeps
// the accepted match worth most points (the preferred language first on ties).
func judgeTag(child []variety, tag string) tagVerdict {
	have := parseVariety(tag)
	var v tagVerdict
	for i, want := range child {
		switch m := compare(want, have); m {
		case matchRelated:
			v.related = true
		case matchVariety, matchExact:
			if pts := languagePoints(i, m); v.level < matchVariety || pts > v.points {
				v.level, v.child, v.points = m, i, pts
			}
		}
	}
	return v
}

// PoolLanguageKeys returns the language keys (see data.LanguageKeys) under
// which to list interpreters to build Input.Pool for a child who speaks
// langs: the macrolanguage of each, so that related varieties are found and
// can be reported as language_mismatch. Each key appears once, in order.
func PoolLanguageKeys(langs []string) []string {
	var keys []string
	for _, l := range langs {
		v := parseVariety(l)
		if !v.ok {
			continue
		}
		if k := v.macro; !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

package data

import (
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Words for people: the names of languages, regions and age bands, for
// pages and messages that show them instead of the API's codes.

// languageNames are the names x/text's CLDR tables lack, or give too
// loosely for a child's interview: kmr is only "Kurdish" there, which a
// Sorani speaker might take for their own.
var languageNames = map[string]string{
	"ckb": "Central Kurdish (Sorani)",
	"kmr": "Northern Kurdish (Kurmanji)",
	"apd": "Sudanese Arabic",
	"prs": "Dari",
}

// LanguageName returns a BCP 47 tag's English name ("Tigrinya", "Arabic
// (Sudan)"), or the tag itself when it has none.
func LanguageName(tag string) string {
	if n, ok := languageNames[tag]; ok {
		return n
	}
	t, err := language.Raw.Parse(tag)
	if err != nil {
		return tag
	}
	if n := display.English.Tags().Name(t); n != "" {
		return n
	}
	return tag
}

// RegionName returns an ISO 3166-2 code's name for the United Kingdom's
// subdivisions ("Leeds"), or the code itself.
func RegionName(code string) string {
	if n, ok := ukRegionNames[code]; ok {
		return n
	}
	return code
}

// ageBandWords are the words for each age band.
var ageBandWords = map[AgeBand]string{
	AgeUnder6: "under 6", Age6To11: "6 to 11", Age12To15: "12 to 15",
	Age16To17: "16 or 17", AgeDisputed: "age disputed",
}

// Words returns the words for an age band ("12 to 15"), or the band's
// code when it has none.
func (b AgeBand) Words() string {
	if w, ok := ageBandWords[b]; ok {
		return w
	}
	return string(b)
}

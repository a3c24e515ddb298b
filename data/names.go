package data

import (
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Words for people: the names of languages, regions and age bands, for
// pages and messages that show them instead of the API's codes.

// languageNames are the names x/text's CLDR tables lack, or give too
// loosely for a child's interview (kmr is only "Kurdish" there, which a
// Sorani speaker might take for their own), written as practitioners look
// for them: the language, then the variety in brackets.
var languageNames = map[string]string{
	"ckb": "Kurdish (Sorani)",
	"kmr": "Kurdish (Kurmanji)",
	"sdh": "Kurdish (Southern)",
	"apd": "Arabic (Sudanese)",
	"arz": "Arabic (Egyptian)",
	"aln": "Albanian (Gheg)",
	"als": "Albanian (Tosk)",
	"prs": "Dari",
	"fa":  "Persian (Farsi)",
	"cmn": "Chinese (Mandarin)",
	"yue": "Chinese (Cantonese)",
	"syl": "Sylheti",
	"rom": "Romani",
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

// kindWords are the words for the kinds and levels a reason or a page
// names: training, qualifications, clearance levels, modalities.
var kindWords = map[string]string{
	"dpsi": "DPSI", "dpsi_law": "DPSI (English law)", "nrpsi_full": "NRPSI, full status", "nrpsi_interim": "NRPSI, interim status",
	"ciol":                "CIOL membership",
	"child_protection_l1": "child protection, level 1", "child_protection_l2": "child protection, level 2",
	"child_protection_l3": "child protection, level 3", "trafficking_modern_slavery": "trafficking and modern slavery",
	"trauma_informed": "trauma-informed practice", "abe_interviewing": "ABE interviewing",
	"basic": "basic DBS", "standard": "standard DBS", "enhanced": "enhanced DBS",
	"enhanced_barred_children": "enhanced DBS with the children's barred list",
	"in_person":                "in person", "video": "video", "phone": "phone",
}

// Words returns the words for a training or qualification kind, a
// clearance level or a modality, as they read inside a sentence
// ("child protection, level 2", "DPSI (English law)"), or code itself.
func Words[T ~string](code T) string {
	if w, ok := kindWords[string(code)]; ok {
		return w
	}
	return string(code)
}

// CountryName returns an ISO 3166-1 alpha-2 code's English name ("Iraq"),
// or the code itself.
func CountryName(code string) string {
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if n := display.English.Regions().Name(r); n != "" {
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

// DurationWords says a whole number of hours or minutes in words ("12
// hours", "30 minutes", "1 hour 30 minutes"), as error messages give a
// limit; anything finer is said as Go says it.
func DurationWords(d time.Duration) string {
	if d%time.Minute != 0 || d <= 0 {
		return d.String()
	}
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if h > 0 {
		parts = append(parts, countWords(h, "hour"))
	}
	if m > 0 {
		parts = append(parts, countWords(m, "minute"))
	}
	return strings.Join(parts, " ")
}

func countWords(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

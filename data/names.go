package data

import (
	"strconv"
	"strings"
	"time"
	"unicode"

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

// trainingWords and qualificationWords are the words for the training
// and qualification kinds, as pages show them.
var (
	trainingWords = map[TrainingKind]string{
		TrainingChildProtectionL1: "Child protection, level 1", TrainingChildProtectionL2: "Child protection, level 2",
		TrainingChildProtectionL3: "Child protection, level 3", TrainingTrafficking: "Trafficking and modern slavery",
		TrainingTraumaInformed: "Trauma-informed practice", TrainingABEInterviewing: "ABE interviewing",
	}
	qualificationWords = map[QualificationKind]string{
		QualificationDPSI: "DPSI", QualificationDPSILaw: "DPSI (English law)", QualificationNRPSIFull: "NRPSI, full status",
		QualificationNRPSIInterim: "NRPSI, interim status", QualificationCIOL: "CIOL membership", QualificationOther: "Other",
	}
)

// Words returns the words for a training kind ("Child protection, level
// 1"), or its code when it has none.
func (k TrainingKind) Words() string {
	if w, ok := trainingWords[k]; ok {
		return w
	}
	return string(k)
}

// Words returns the words for a qualification kind ("NRPSI, full
// status"), or its code when it has none.
func (k QualificationKind) Words() string {
	if w, ok := qualificationWords[k]; ok {
		return w
	}
	return string(k)
}

// RenewalItemWords names a renewal's item (Renewal.Item) in words, as a
// page's line begins: "Criminal records check (DBS)", "Signed
// confidentiality agreement", "Child protection training" (missing at
// every level), "Training in child protection, level 1", "Qualification
// (DPSI)". An item no rule knows is given as it is.
func RenewalItemWords(item string) string {
	switch {
	case item == "clearance":
		return "Criminal records check (DBS)"
	case item == "agreements.confidentiality":
		return "Signed confidentiality agreement"
	case item == "training.child_protection":
		return "Child protection training"
	case strings.HasPrefix(item, "training."):
		return "Training in " + LowerFirst(TrainingKind(strings.TrimPrefix(item, "training.")).Words())
	case strings.HasPrefix(item, "qualification."):
		return "Qualification (" + QualificationKind(strings.TrimPrefix(item, "qualification.")).Words() + ")"
	default:
		return item
	}
}

// LowerFirst returns words with their first letter in lower case, for the
// middle of a sentence, unless the first word is an abbreviation ("ABE",
// "DPSI"): its second letter is a capital too.
func LowerFirst(words string) string {
	r := []rune(words)
	if len(r) == 0 || (len(r) > 1 && unicode.IsUpper(r[1])) {
		return words
	}
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

// Words returns the date in full, as people in the UK write it: "8
// December 2026"; "" for the zero date.
func (d Date) Words() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format("2 January 2006")
}

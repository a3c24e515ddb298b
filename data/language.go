package data

import (
	"fmt"
	"strings"

	"golang.org/x/text/language"
)

// canon is how tolk canonicalises BCP 47 tags: deprecated and legacy subtags
// replaced (iw → he, zh-cmn → cmn) and redundant scripts removed (ar-Arab → ar).
const canon = language.Default | language.SuppressScript

// CanonicalLanguage parses a BCP 47 tag and returns its canonical form, so that
// "ar-sd", "AR-SD" and "ar-SD" are one tag. Tags that do not name a language
// (und, private use) are rejected, and so, before any parsing, is a tag
// longer than MaxLanguageTagLength. Its errors are messages about the
// field, fit to show a client; they quote at most MaxLanguageTagLength bytes.
func CanonicalLanguage(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > MaxLanguageTagLength {
		return "", fmt.Errorf("must be at most %d characters", MaxLanguageTagLength)
	}
	tag, err := canon.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%q is not a well-formed BCP 47 language tag", s)
	}
	if _, conf := tag.Base(); conf != language.Exact {
		return "", fmt.Errorf("%q does not name a language", s)
	}
	// A tag whose canonical form canonicalises again to something else (a
	// repeated extension, which BCP 47 forbids and x/text accepts) would
	// change each time a record is written back: refuse it.
	c := tag.String()
	if again, err := canon.Parse(c); err != nil || again.String() != c {
		return "", fmt.Errorf("%q is not a well-formed BCP 47 language tag", s)
	}
	return c, nil
}

// macrolanguages maps individual languages to the ISO 639-3 macrolanguage
// they belong to, for the languages tolk's users meet. x/text canonicalises
// tags but has no public macrolanguage table; this is the one place that
// fills the gap. A variety is "related" to another when they share a macrolanguage.
var macrolanguages = map[string]string{
	// Arabic
	"arb": "ar", "apd": "ar", "acm": "ar", "acq": "ar", "acw": "ar", "acx": "ar", "acy": "ar",
	"adf": "ar", "aeb": "ar", "aec": "ar", "afb": "ar", "ajp": "ar", "apc": "ar", "arq": "ar",
	"ars": "ar", "ary": "ar", "arz": "ar", "auz": "ar", "avl": "ar", "ayh": "ar", "ayl": "ar",
	"ayn": "ar", "ayp": "ar", "pga": "ar", "shu": "ar", "ssh": "ar", "abv": "ar", "aao": "ar",
	// Kurdish
	"kmr": "ku", "ckb": "ku", "sdh": "ku",
	// Albanian
	"aln": "sq", "als": "sq", "aae": "sq", "aat": "sq",
	// Persian (Farsi, Dari)
	"pes": "fa", "prs": "fa",
	// Pashto
	"pbu": "ps", "pbt": "ps", "pst": "ps",
	// Chinese
	"cmn": "zh", "yue": "zh", "wuu": "zh", "hak": "zh", "nan": "zh", "gan": "zh", "hsn": "zh",
	"cdo": "zh", "cjy": "zh", "cpx": "zh", "czh": "zh", "czo": "zh", "mnp": "zh",
	// Oromo, Somali-region and East African languages
	"gaz": "om", "hae": "om", "orc": "om",
	"swh": "sw", "swc": "sw",
	// Uzbek, Mongolian, Nepali, Malay, Fula, Dinka, Estonian, Latvian, Azerbaijani
	"uzn": "uz", "uzs": "uz",
	"khk": "mn", "mvf": "mn",
	"npi": "ne", "dty": "ne",
	"zsm": "ms", "min": "ms",
	"fuf": "ff", "fuc": "ff", "fuv": "ff", "ffm": "ff",
	"dip": "din", "dks": "din", "dik": "din", "dib": "din", "diw": "din",
	"ekk": "et", "vro": "et",
	"lvs": "lv", "ltg": "lv",
	"azj": "az", "azb": "az",
}

// LanguageKeys returns the keys under which a canonical tag is found: the
// tag itself, its base language, and the base's macrolanguage. A search for
// "ar" thus finds ar-SD and apd; a search for "ar-SD" finds only ar-SD.
func LanguageKeys(canonical string) []string {
	keys := []string{canonical}
	base, macro := baseAndMacro(canonical)
	for _, k := range []string{base, macro} {
		if !oneOf(k, keys) {
			keys = append(keys, k)
		}
	}
	return keys
}

// Macrolanguage returns the macrolanguage of a canonical tag's base language,
// or the base itself when it belongs to none.
func Macrolanguage(canonical string) string {
	_, macro := baseAndMacro(canonical)
	return macro
}

// baseAndMacro returns a tag's base language and that base's macrolanguage
// (the base itself when it has none). A tag that does not parse is its own base.
func baseAndMacro(canonical string) (base, macro string) {
	tag, err := language.Parse(canonical)
	if err != nil {
		return canonical, canonical
	}
	b, _ := tag.Base()
	base = b.String()
	if m, ok := macrolanguages[base]; ok {
		return base, m
	}
	return base, base
}

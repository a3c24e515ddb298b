package data

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCanonicalLanguage checks that CanonicalLanguage never panics, that
// what it accepts is a fixed point (canonicalising the output gives the
// output), that case does not matter, that neither the output nor an
// error's message grows past the cap, and that LanguageKeys and
// Macrolanguage take every output.
func FuzzCanonicalLanguage(f *testing.F) {
	for _, seed := range []string{
		"", " ", "ckb", "AR-sd", "ar-Arab-SD", "iw", "zh-cmn-Hans-CN", "zh-min-nan", "i-klingon",
		"sgn-BE-FR", "und", "x-private", "qaa", "en-GB-oxendict", "de-DE-u-co-phonebk", "sr-Latn-RS-t-en",
		"en-a-bbb-x-a-ccc", "ar-001", "tlh", "no-bok", "art-lojban", "en-GB-scouse-fonipa",
		" ti ", "ti\x00", "\xff", strings.Repeat("a-", 32), strings.Repeat("x", MaxLanguageTagLength+1),
		"en-" + strings.Repeat("abcdefgh-", 6) + "x", "\u00a0ckb\u2003",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := CanonicalLanguage(s)
		if err != nil {
			// %q of MaxLanguageTagLength bytes is at most 4 characters a byte.
			if n := len(err.Error()); n > 4*MaxLanguageTagLength+64 {
				t.Fatalf("CanonicalLanguage(%q): error of %d bytes", s, n)
			}
			return
		}
		if out == "" || len(out) > MaxLanguageTagLength || !utf8.ValidString(out) {
			t.Fatalf("CanonicalLanguage(%q) = %q: want a non-empty tag of at most %d bytes", s, out, MaxLanguageTagLength)
		}
		again, err := CanonicalLanguage(out)
		if err != nil || again != out {
			t.Fatalf("CanonicalLanguage(%q) = %q, but CanonicalLanguage(%q) = %q, %v", s, out, out, again, err)
		}
		if upper, err := CanonicalLanguage(strings.ToUpper(s)); err != nil || upper != out {
			t.Fatalf("CanonicalLanguage(%q) = %q, but the upper-case form gives %q, %v", s, out, upper, err)
		}
		keys := LanguageKeys(out)
		if len(keys) == 0 || keys[0] != out {
			t.Fatalf("LanguageKeys(%q) = %q: want the tag first", out, keys)
		}
		seen := map[string]bool{}
		for _, k := range keys {
			if k == "" || seen[k] {
				t.Fatalf("LanguageKeys(%q) = %q: want distinct, non-empty keys", out, keys)
			}
			seen[k] = true
		}
		if m := Macrolanguage(out); !seen[m] {
			t.Fatalf("Macrolanguage(%q) = %q, not among LanguageKeys %q", out, m, keys)
		}
	})
}

// FuzzISOCodes checks that IsCountryCode and IsSubdivisionCode never panic
// and accept only short upper-case codes: a country is two letters, and a
// subdivision is a country's code, a hyphen and one to three letters or digits.
func FuzzISOCodes(f *testing.F) {
	for _, seed := range []string{
		"", "GB", "gb", "IQ", "ER", "XK", "ZZ", "G", "GBR", "GB-LND", "gb-lnd", "GB-", "-LND", "IQ-SU",
		"US-CA", "FR-75C", "GB-LND-X", "GB LND", "GB-LN\x00", "ＧＢ", "GB\u0301", strings.Repeat("GB-", 100),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		country, subdivision := IsCountryCode(s), IsSubdivisionCode(s)
		if country && (len(s) != 2 || !upperAlnum(s, false)) {
			t.Fatalf("IsCountryCode(%q) = true for a value that is not two upper-case letters", s)
		}
		if subdivision {
			cc, rest, ok := strings.Cut(s, "-")
			if !ok || !IsCountryCode(cc) || len(rest) < 1 || len(rest) > 3 || !upperAlnum(rest, true) || len(s) > MaxCodeLength {
				t.Fatalf("IsSubdivisionCode(%q) = true for a value that is not CC-XXX", s)
			}
		}
		if country && subdivision {
			t.Fatalf("%q is both a country and a subdivision code", s)
		}
	})
}

// upperAlnum reports whether s is all A-Z (and 0-9, when digits).
func upperAlnum(s string, digits bool) bool {
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || digits && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// FuzzParseDate checks that ParseDate never panics and that a date it
// accepts is a set Date whose String is the text it was read from.
func FuzzParseDate(f *testing.F) {
	for _, seed := range []string{
		"", "2026-11-22", "2026-02-29", "2024-02-29", "2026-02-30", "2026-13-01", "2026-00-10", "2026-1-2",
		"26-01-02", "+2026-01-02", "-001-01-01", "0000-01-01", "9999-12-31", "2026-11-22T00:00:00Z",
		"2026-11-22 ", " 2026-11-22", "２０２６-11-22", "2026/11/22", "2026-11-2\x00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if !d.IsZero() {
				t.Fatalf("ParseDate(%q) = %v with error %v: want the zero Date", s, d, err)
			}
			return
		}
		if d.IsZero() || d.String() != s {
			t.Fatalf("ParseDate(%q) = %q (zero %t): want a set date that prints as its text", s, d.String(), d.IsZero())
		}
		if again, err := ParseDate(d.String()); err != nil || again != d {
			t.Fatalf("ParseDate(%q) = %v, but ParseDate of its String gives %v, %v", s, d, again, err)
		}
		if next := d.AddDays(1); !next.After(d) || !d.Before(next) || next.AddDays(-1) != d {
			t.Fatalf("ParseDate(%q): AddDays does not move the date by a day", s)
		}
	})
}

// FuzzFold checks that Fold never panics, is idempotent (folded text folds
// to itself, so a stored folded value compares with a fresh one), gives
// valid UTF-8 without leading, trailing or doubled spaces, and ignores case.
// Seed invalid-utf8-accent found that Fold once kept accents after invalid
// bytes (its transform stopped there); Fold now makes its input valid first.
// Fold of ASCII takes a shortcut, which must give what the full fold does.
func FuzzFold(f *testing.F) {
	for _, seed := range []string{
		"", " ", "Mekelle", "MÉKELLE", "Mékelle", "Me\u0301kelle", "  Ranya \t town ", "İstanbul", "ß",
		"ΣΊΣΥΦΟΣ", "Ǆ", "ﬃ", "\u212b", "\xff\xfe", "a\x00b", "\u0345", "क्षि", "한국어", "\u00a0x\u2003y",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Fold(s)
		if twice := Fold(once); twice != once {
			t.Fatalf("Fold(%q) = %q, but Fold of that = %q", s, once, twice)
		}
		if !utf8.ValidString(once) {
			t.Fatalf("Fold(%q) = %q: not valid UTF-8", s, once)
		}
		if full := foldUnicode(s); full != once {
			t.Fatalf("Fold(%q) = %q, but the full fold gives %q: the ASCII shortcut differs", s, once, full)
		}
		if once != strings.Join(strings.Fields(once), " ") {
			t.Fatalf("Fold(%q) = %q: spaces not collapsed", s, once)
		}
		if upper := Fold(strings.ToUpper(s)); upper != once && utf8.ValidString(s) && strings.ToLower(strings.ToUpper(s)) == strings.ToLower(s) {
			t.Fatalf("Fold(%q) = %q, but Fold of its upper case = %q", s, once, upper)
		}
	})
}

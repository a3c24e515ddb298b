package matching

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

// TestLanguagePairs is the table of decisions: how an interpreter's tag
// (have) meets a child's tag (want). exact and variety are accepted (variety
// at fewer points); related is language_mismatch; none is not in the pool.
func TestLanguagePairs(t *testing.T) {
	names := map[langMatch]string{matchNone: "none", matchRelated: "related", matchVariety: "variety", matchExact: "exact"}
	tests := []struct {
		want, have string
		m          langMatch
	}{
		// Kurdish: Sorani and Kurmanji are different languages.
		{"ckb", "ckb", matchExact},
		{"ckb", "kmr", matchRelated},
		{"kmr", "ckb", matchRelated},
		{"ckb", "ku", matchRelated}, // generic Kurdish does not promise Sorani
		{"ku", "ku", matchExact},
		{"ku", "ckb", matchVariety},
		{"ku", "kmr", matchVariety},
		{"ku", "sdh", matchVariety},
		{"ckb", "ckb-IQ", matchVariety}, // a regional form of the language asked for
		{"ckb", "ar", matchNone},
		// Arabic: a general request takes any variety; a specific one only itself.
		{"ar", "ar", matchExact},
		{"ar", "arb", matchVariety},
		{"ar", "apd", matchVariety},
		{"ar", "arz", matchVariety},
		{"ar", "ar-SD", matchVariety},
		{"ar", "ar-GB", matchVariety},
		{"apd", "apd", matchExact},
		{"apd", "ar-SD", matchExact}, // the same variety, named by region
		{"ar-SD", "apd", matchExact},
		{"ar-SD", "ar-SD", matchExact},
		{"apd", "ar", matchRelated}, // generic Arabic does not promise Sudanese
		{"ar-SD", "ar", matchRelated},
		{"apd", "arz", matchRelated},
		{"ar-SD", "ar-EG", matchRelated},
		{"ar-SD", "arz", matchRelated},
		{"arz", "ar-EG", matchExact},
		{"apc", "ajp", matchExact}, // ajp is canonicalised into apc
		{"ar-JO", "apc", matchExact},
		{"ar-SA", "ar", matchRelated}, // no single variety for the region: stays specific
		{"ar-SA", "ar-SA", matchExact},
		{"arb", "ar", matchRelated},
		// Albanian and Persian.
		{"sq", "aln", matchVariety},
		{"sq", "als", matchVariety},
		{"aln", "als", matchRelated},
		{"aln", "sq", matchRelated},
		{"fa", "prs", matchVariety},
		{"fa", "pes", matchVariety},
		{"fa", "fa-AF", matchVariety},
		{"prs", "fa-AF", matchExact},
		{"prs", "pes", matchRelated},
		{"prs", "fa", matchRelated},
		{"fa-IR", "pes", matchExact},
		// Region subtags of a language without a macrolanguage.
		{"ti", "ti", matchExact},
		{"ti", "ti-ER", matchVariety},
		{"ti-ER", "ti", matchRelated},
		{"ti-ER", "ti-ET", matchRelated},
		{"ti", "am", matchNone},
		// Pashto, and scripts, which do not matter for speech.
		{"ps", "pbu", matchVariety},
		{"pbu", "pbt", matchRelated},
		{"sr-Latn", "sr", matchExact},
		{"sr", "sr-Cyrl", matchExact},
		{"vi", "vi", matchExact},
		{"ro", "ro-MD", matchVariety},
		// Unreadable tags meet nothing.
		{"ar", "und", matchNone},
		{"ar", "not a tag", matchNone},
	}
	for _, tt := range tests {
		want, _ := data.CanonicalLanguage(tt.want)
		have, err := data.CanonicalLanguage(tt.have)
		if err != nil {
			have = tt.have
		}
		if got := compare(parseVariety(want), parseVariety(have)); got != tt.m {
			t.Errorf("child %s, interpreter %s: %s, want %s", tt.want, tt.have, names[got], names[tt.m])
		}
	}
}

// TestLanguageScoring: an exact match scores more than a variety, the
// preferred language more than another, and a child's second language
// accepts an interpreter the first would exclude.
func TestLanguageScoring(t *testing.T) {
	speaker := func(id, tag string, p data.Proficiency) data.Interpreter {
		i := perfect(id)
		i.Languages = []data.LanguageSkill{{Tag: tag, Proficiency: p}}
		return i
	}
	in := testInput()
	in.Case.Child.Languages = []string{"ku", "ar"}
	in.Pool = []data.Interpreter{
		speaker("1-ckb", "ckb", data.ProficiencyNative),
		speaker("2-ku", "ku", data.ProficiencyNative),
		speaker("3-ar", "ar", data.ProficiencyNative),
		speaker("4-apd", "apd", data.ProficiencyNative),
		speaker("5-ku-prof", "ku", data.ProficiencyProfessional),
		speaker("6-ti", "ti", data.ProficiencyNative),
	}
	r := match(t, in)
	var got []string
	for _, c := range r.Candidates {
		got = append(got, c.Interpreter.ID)
	}
	want := []string{"2-ku", "5-ku-prof", "1-ckb", "3-ar", "4-apd"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ranking (-want +got):\n%s", diff)
	}
	pts := map[string]int{}
	for _, c := range r.Candidates {
		pts[c.Interpreter.ID] = factorPoints(c.Factors)[FactorLanguage]
	}
	if diff := cmp.Diff(map[string]int{"2-ku": 26, "5-ku-prof": 22, "1-ckb": 18, "3-ar": 16, "4-apd": 12}, pts); diff != "" {
		t.Errorf("language points (-want +got):\n%s", diff)
	}
	if len(r.Excluded) != 0 {
		t.Errorf("excluded = %v", r.Excluded)
	}

	in.Case.Child.Languages = []string{"ckb", "ar-SD"}
	in.Pool = []data.Interpreter{speaker("kmr", "kmr", data.ProficiencyNative), speaker("sudanese", "apd", data.ProficiencyFluent)}
	r = match(t, in)
	if len(r.Candidates) != 1 || r.Candidates[0].Interpreter.ID != "sudanese" {
		t.Errorf("candidates = %v, want the Sudanese Arabic speaker", r.Candidates)
	}
	if len(r.Excluded) != 1 || !cmp.Equal(codes(r.Excluded[0].Reasons), []string{CodeLanguageMismatch}) {
		t.Errorf("excluded = %v, want kmr as language_mismatch", r.Excluded)
	}
}

func TestPoolLanguageKeys(t *testing.T) {
	got := PoolLanguageKeys([]string{"ckb", "ar-SD", "apd", "ti-ER", "sq", "not a tag"})
	if diff := cmp.Diff([]string{"ku", "ar", "ti", "sq"}, got); diff != "" {
		t.Errorf("PoolLanguageKeys (-want +got):\n%s", diff)
	}
	// Every related interpreter tag is found under one of those keys.
	for _, tag := range []string{"kmr", "ckb", "ku", "ar", "arz", "ar-EG", "ti-ET", "aln"} {
		found := false
		for _, k := range data.LanguageKeys(tag) {
			found = found || k == "ku" || k == "ar" || k == "ti" || k == "sq"
		}
		if !found {
			t.Errorf("%s is not found under the pool keys", tag)
		}
	}
}

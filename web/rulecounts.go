package web

import (
	"cmp"
	"slices"

	"github.com/tolk/tolk/matching"
)

// ruleCount is how many interpreters a match excluded by one rule, in
// words, with the rule's code for a title.
type ruleCount struct {
	Code, Words string
	N           int
}

// ruleWords say what each hard rule found, after a count ("12 are not
// approved"): the rule, never a value.
var ruleWords = map[string][2]string{
	matching.CodeNotApproved:          {"is not approved on the register", "are not approved on the register"},
	matching.CodeClearanceInvalid:     {"has no valid clearance for this interview", "have no valid clearance for this interview"},
	matching.CodeTrainingMissing:      {"lacks training this interview needs", "lack training this interview needs"},
	matching.CodeQualificationMissing: {"lacks a qualification this interview needs", "lack a qualification this interview needs"},
	matching.CodeLanguageMismatch:     {"speaks only a related variety", "speak only a related variety"},
	matching.CodeExcludedByCase:       {"is excluded from this case", "are excluded from this case"},
	matching.CodeCommunityConflict:    {"has a community conflict with this case", "have a community conflict with this case"},
	matching.CodeAgreementMissing:     {"has not signed the confidentiality agreement", "have not signed the confidentiality agreement"},
	matching.CodeGenderMismatch:       {"is not of the gender the child needs", "are not of the gender the child needs"},
	matching.CodeUnavailable:          {"is booked at that time", "are booked at that time"},
	matching.CodeModalityUnsupported:  {"does not work this way or in this region", "do not work this way or in this region"},
	matching.CodeOffDuty:              {"is not working at that time", "are not working at that time"},
	matching.CodeWorkloadLimit:        {"has as many child interviews that day or week as the policy allows", "have as many child interviews that day or week as the policy allows"},
}

// ruleFallback is what a count says of a rule ruleWords has no words for
// (a rule added to matching later): never its code, which is for machines.
var ruleFallback = [2]string{"fails another rule for this interview", "fail another rule for this interview"}

// ruleCounts orders a match's counts by rule, most first (then by code,
// so the order is stable), in words.
func ruleCounts(counts map[string]int) []ruleCount {
	out := make([]ruleCount, 0, len(counts))
	for code, n := range counts {
		w, ok := ruleWords[code]
		if !ok {
			w = ruleFallback
		}
		words := w[1]
		if n == 1 {
			words = w[0]
		}
		out = append(out, ruleCount{Code: code, Words: words, N: n})
	}
	slices.SortFunc(out, func(a, b ruleCount) int {
		if c := cmp.Compare(b.N, a.N); c != 0 {
			return c
		}
		return cmp.Compare(a.Code, b.Code)
	})
	return out
}

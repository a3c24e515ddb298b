package web

import (
	"testing"

	"github.com/tolk/tolk/matching"
)

// Every hard rule matching can exclude by has words for the results
// page's counts and the reports page's columns: a social worker never
// reads a rule's code there.
func TestRuleWordsCoverEveryHardRule(t *testing.T) {
	for _, code := range matching.HardRuleCodes {
		if _, ok := ruleWords[code]; !ok {
			t.Errorf("no words for the hard rule %s", code)
		}
		if _, ok := reasonWords[code]; !ok {
			t.Errorf("the reports page has no words for the hard rule %s", code)
		}
	}
}

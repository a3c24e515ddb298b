package matching

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tolk/tolk/data"
)

// policyProblem is the form of each problem ParsePolicy reports about a
// file that is well-formed YAML: its line, then the key path it is about
// ("policy" for the file as a whole), then what is wrong. The path is the
// keys as written, so an empty key gives an empty path ("line 1: : unknown
// key").
var policyProblem = regexp.MustCompile(`^line [1-9][0-9]*: (?s:.*?): \S`)

// FuzzParsePolicy checks that ParsePolicy never panics; that a policy it
// accepts has a sound requirement for every interview type and no
// allowance out of range; and that it refuses a file either as a whole
// (not one YAML document: "policy: ...") or with problems that each name a
// line and a key.
func FuzzParsePolicy(f *testing.F) {
	for _, seed := range []string{
		"", "~", "{}", "---\n", "# nothing\n",
		"travelBuffer: 45m\nlapseWarningDays: 14\n",
		"requirements:\n  abe_police:\n    clearance: enhanced_barred_children\n    training:\n      - [child_protection_l2, child_protection_l3]\n      - abe_interviewing\n    qualifications: [dpsi, dpsi_law]\n  health:\n    qualifications: []\n",
		`{"travelBuffer": "1h", "requirements": {"legal": {"training": [["child_protection_l1"]]}}}`,
		"requirements:\n  health:\n    training: [[]]\n",
		"requirements:\n  health:\n    training: [~, {}, [~], [[x]]]\n",
		"requirements:\n  interview_on_mars: {}\n",
		"requirements: [abe_police]\n",
		"travelBuffer: -5m\nlapseWarningDays: 2.5\n",
		"travelBuffer: 30m\ntravelBuffer: 40m\n",
		"? [a, b]\n: 1\n",
		"a: &x [1]\nb: *x\nrequirements: *x\n",
		"base: &b {clearance: basic}\nrequirements:\n  health: *b\n",
		"requirements:\n  \"health\\nlegal\": {}\n",
		"- 1\n- 2\n",
		"a: [\n",
		"{}\n---\n{}\n",
		"lapseWarningDays: 99999999999999999999\ntravelBuffer: 9999999999h\n",
		"requirements: !!map {health: !!null }\n",
		"\xff\xfe",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePolicy(b)
		if err != nil {
			checkPolicyError(t, b, err)
			return
		}
		for _, it := range data.InterviewTypes {
			r, ok := p.Requirements[it]
			if !ok {
				t.Fatalf("ParsePolicy(%q) has no requirement for %s", b, it)
			}
			if msg := checkRequirement(r); msg != "" {
				t.Fatalf("ParsePolicy(%q): the requirement for %s %s", b, it, msg)
			}
		}
		for it := range p.Requirements {
			if !slices.Contains(data.InterviewTypes, it) {
				t.Fatalf("ParsePolicy(%q) has a requirement for %q, not an interview type", b, it)
			}
		}
		if p.TravelBuffer < 0 || p.TravelBuffer > data.MaxBuffer || p.LapseWarningDays < 0 {
			t.Fatalf("ParsePolicy(%q): buffer %s, lapse %d days: want neither negative, the buffer at most %s", b, p.TravelBuffer, p.LapseWarningDays, data.MaxBuffer)
		}
	})
}

// checkPolicyError checks that err refuses the file as a whole or lists
// problems that each name a line and a key path.
func checkPolicyError(t *testing.T, b []byte, err error) {
	t.Helper()
	if strings.HasPrefix(err.Error(), "policy: ") {
		return // not one YAML document; the YAML error names the line
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("ParsePolicy(%q) = %q: want a whole-file error or a list of problems", b, err)
	}
	problems := joined.Unwrap()
	if len(problems) == 0 {
		t.Fatalf("ParsePolicy(%q) = %q: an error listing no problem", b, err)
	}
	for _, e := range problems {
		if !policyProblem.MatchString(e.Error()) {
			t.Fatalf("ParsePolicy(%q): problem %q names no line and key", b, e)
		}
		if errors.Unwrap(e) != nil {
			t.Fatalf("ParsePolicy(%q): problem %q wraps another error", b, e)
		}
	}
}

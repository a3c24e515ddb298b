package matching

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/data"
)

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	if len(p.Requirements) != len(data.InterviewTypes) {
		t.Errorf("%d requirements, want one per interview type", len(p.Requirements))
	}
	for _, it := range data.InterviewTypes {
		r, ok := p.Requirements[it]
		if !ok {
			t.Errorf("no requirement for %s", it)
			continue
		}
		if msg := checkRequirement(r); msg != "" {
			t.Errorf("%s: %s", it, msg)
		}
		if r.Clearance != data.ClearanceEnhanced {
			t.Errorf("%s clearance %s, want enhanced", it, r.Clearance)
		}
	}
	abe := p.Requirements[data.InterviewABEPolice]
	want := Requirement{
		Clearance: data.ClearanceEnhanced,
		Training: [][]data.TrainingKind{
			{data.TrainingChildProtectionL2, data.TrainingChildProtectionL3},
			{data.TrainingABEInterviewing},
		},
		Qualifications: []data.QualificationKind{data.QualificationDPSI, data.QualificationDPSILaw, data.QualificationNRPSIFull},
	}
	if diff := cmp.Diff(want, abe); diff != "" {
		t.Errorf("abe_police (-want +got):\n%s", diff)
	}
	if p.TravelBuffer != 30*time.Minute || p.LapseWarningDays != 30 {
		t.Errorf("buffer %s, lapse %d", p.TravelBuffer, p.LapseWarningDays)
	}
	// Callers may change what they get without changing the next call's.
	p.Requirements[data.InterviewHealth].Training[0][0] = data.TrainingTraumaInformed
	if DefaultPolicy().Requirements[data.InterviewHealth].Training[0][0] != data.TrainingChildProtectionL1 {
		t.Error("DefaultPolicy shares its slices")
	}
}

func TestParsePolicyEmpty(t *testing.T) {
	for _, src := range []string{"", "# nothing\n", "{}", "---\n", "~"} {
		p, err := ParsePolicy([]byte(src))
		if err != nil {
			t.Errorf("ParsePolicy(%q): %v", src, err)
			continue
		}
		if diff := cmp.Diff(DefaultPolicy(), p); diff != "" {
			t.Errorf("ParsePolicy(%q) (-default +got):\n%s", src, diff)
		}
	}
}

func TestParsePolicyOverride(t *testing.T) {
	yamlSrc := `
travelBuffer: 45m
lapseWarningDays: 14
requirements:
  abe_police:
    clearance: enhanced_barred_children
    training:
      - [child_protection_l2, child_protection_l3]
      - abe_interviewing
      - trauma_informed
  health:
    qualifications: [dpsi]
  legal:
    qualifications: []
`
	jsonSrc := `{"travelBuffer": "45m", "lapseWarningDays": 14, "requirements": {
	  "abe_police": {"clearance": "enhanced_barred_children", "training": [["child_protection_l2", "child_protection_l3"], "abe_interviewing", "trauma_informed"]},
	  "health": {"qualifications": ["dpsi"]},
	  "legal": {"qualifications": []}}}`

	want := DefaultPolicy()
	want.TravelBuffer, want.LapseWarningDays = 45*time.Minute, 14
	abe := want.Requirements[data.InterviewABEPolice]
	abe.Clearance = data.ClearanceEnhancedBarredChildren
	abe.Training = append(abe.Training, []data.TrainingKind{data.TrainingTraumaInformed})
	want.Requirements[data.InterviewABEPolice] = abe // qualifications kept
	health := want.Requirements[data.InterviewHealth]
	health.Qualifications = []data.QualificationKind{data.QualificationDPSI}
	want.Requirements[data.InterviewHealth] = health
	legal := want.Requirements[data.InterviewLegal]
	legal.Qualifications = []data.QualificationKind{}
	want.Requirements[data.InterviewLegal] = legal

	for name, src := range map[string]string{"yaml": yamlSrc, "json": jsonSrc} {
		p, err := ParsePolicy([]byte(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(want, p); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
}

func TestParsePolicyErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"requirements:\n  abe_police:\n    clearance: super\n", `requirements.abe_police.clearance: "super" is not a clearance level`},
		{"requirements:\n  abe_police:\n    clearance: super\n", `line 3: requirements.abe_police.clearance`},
		{"requirements:\n  abe_police:\n    clearance: [enhanced]\n", `requirements.abe_police.clearance: "" is not a clearance level`},
		{"requirements:\n  interview_on_mars: {}\n", `requirements.interview_on_mars: is not an interview type`},
		{"requirements:\n  health:\n    training: [child_protection_l9]\n", `requirements.health.training[0]: "child_protection_l9" is not a training kind`},
		{"requirements:\n  health:\n    training: [[child_protection_l1, yoga]]\n", `requirements.health.training[0][1]: "yoga" is not a training kind`},
		{"requirements:\n  health:\n    training: [[]]\n", `requirements.health.training[0]: must list at least one training kind`},
		{"requirements:\n  health:\n    training: child_protection_l1\n", `requirements.health.training: must be a list`},
		{"requirements:\n  legal:\n    qualifications: [dpsi, phd]\n", `requirements.legal.qualifications[1]: "phd" is not a qualification kind`},
		{"requirements:\n  legal:\n    clearence: enhanced\n", `requirements.legal.clearence: unknown key`},
		{"requirements: [abe_police]\n", `requirements: must be a mapping`},
		{"travelBufer: 30m\n", `travelBufer: unknown key`},
		{"travelBuffer: -5m\n", `travelBuffer: must not be negative`},
		{"travelBuffer: soon\n", `travelBuffer: "soon" is not a duration`},
		{"lapseWarningDays: -1\n", `lapseWarningDays: must not be negative`},
		{"lapseWarningDays: 2.5\n", `lapseWarningDays: "2.5" is not a whole number`},
		{"travelBuffer: 30m\ntravelBuffer: 40m\n", `travelBuffer: is given twice`},
		{`{"requirements": {"health": {"clearance": "basic", "clearance": "enhanced"}}}`, `requirements.health.clearance: is given twice`},
		{"- 1\n- 2\n", `policy: must be a mapping`},
		{"a: [\n", `policy: yaml:`},
		{"{}\n---\n{}\n", `one document`},
	}
	for _, tt := range tests {
		_, err := ParsePolicy([]byte(tt.src))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParsePolicy(%q) = %v, want an error containing %q", tt.src, err, tt.want)
		}
	}
	// Every problem is reported, not only the first.
	_, err := ParsePolicy([]byte("travelBuffer: -1m\nrequirements:\n  health:\n    clearance: none\n    qualifications: [x]\n"))
	for _, want := range []string{"travelBuffer", "requirements.health.clearance", "requirements.health.qualifications[0]"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}

// TestParsePolicyBuffer: a travel buffer is refused beyond data.MaxBuffer,
// the most a store's overlap check allows for, so a file that parses can
// be served.
func TestParsePolicyBuffer(t *testing.T) {
	p, err := ParsePolicy([]byte("travelBuffer: " + data.MaxBuffer.String() + "\n"))
	if err != nil || p.TravelBuffer != data.MaxBuffer {
		t.Errorf("travelBuffer %v: got %v, %v; want it accepted", data.MaxBuffer, p.TravelBuffer, err)
	}
	over := data.MaxBuffer + time.Minute
	_, err = ParsePolicy([]byte("travelBuffer: " + over.String() + "\n"))
	if want := "line 1: travelBuffer: must be at most " + data.MaxBuffer.String(); err == nil || err.Error() != want {
		t.Errorf("travelBuffer %v: got %v, want %q", over, err, want)
	}
}

func TestValidate(t *testing.T) {
	fields := func(err error) []string {
		ve, ok := err.(*data.ValidationError)
		if !ok {
			return nil
		}
		var out []string
		for _, fe := range ve.Errors {
			out = append(out, fe.Field)
		}
		return out
	}
	tests := []struct {
		name   string
		fix    func(*Input, *Policy)
		fields []string
	}{
		{"valid", func(*Input, *Policy) {}, nil},
		{"no start", func(in *Input, _ *Policy) { in.Start = time.Time{} }, []string{"start"}},
		{"end before start", func(in *Input, _ *Policy) { in.End = in.Start }, []string{"end"}},
		{"past", func(in *Input, _ *Policy) { in.Now = in.End }, []string{"end"}},
		{"unknown type", func(in *Input, _ *Policy) { in.InterviewType = "tea" }, []string{"interviewType"}},
		{"type missing from policy", func(_ *Input, p *Policy) { delete(p.Requirements, data.InterviewABEPolice) }, []string{"interviewType"}},
		{"bad requirement", func(_ *Input, p *Policy) {
			p.Requirements[data.InterviewABEPolice] = Requirement{Clearance: "top"}
		}, []string{"interviewType"}},
		{"unknown modality", func(in *Input, _ *Policy) { in.Modality = "carrier_pigeon" }, []string{"modality"}},
		{"in person without region", func(in *Input, _ *Policy) { in.Region = "" }, []string{"region"}},
		{"in person bad region", func(in *Input, _ *Policy) { in.Region = "London" }, []string{"region"}},
		{"video without region", func(in *Input, _ *Policy) { in.Region, in.Modality = "", data.ModalityVideo }, nil},
		{"lower-case region", func(in *Input, _ *Policy) { in.Region = "gb-lnd" }, nil},
		{"no language", func(in *Input, _ *Policy) { in.Case.Child.Languages = nil }, []string{"child.languages"}},
		{"bad language", func(in *Input, _ *Policy) { in.Case.Child.Languages = []string{"ckb", "??"} }, []string{"child.languages[1]"}},
		{"negative buffer", func(_ *Input, p *Policy) { p.TravelBuffer = -time.Minute }, []string{"policy.travelBuffer"}},
		{"longest buffer", func(_ *Input, p *Policy) { p.TravelBuffer = data.MaxBuffer }, nil},
		{"buffer too long", func(_ *Input, p *Policy) { p.TravelBuffer = data.MaxBuffer + time.Minute }, []string{"policy.travelBuffer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, p := testInput(), DefaultPolicy()
			tt.fix(&in, &p)
			err := in.Validate(p)
			if diff := cmp.Diff(tt.fields, fields(err)); diff != "" {
				t.Errorf("Validate = %v (-want +got fields):\n%s", err, diff)
			}
			if _, mErr := Match(in, p); (mErr == nil) != (err == nil) {
				t.Errorf("Match error %v, Validate %v", mErr, err)
			}
		})
	}
}

// TestParsePolicyLinkChanges: the limits on changes to a case's community
// links (and the other fields matching screens against interpreters'
// links) and the notice to coordinators are policy, with defaults, read
// from the file like the rest.
func TestParsePolicyLinkChanges(t *testing.T) {
	p := DefaultPolicy()
	if p.CaseLinkChangesPerDay != 5 || p.UserLinkChangesPerDay != 20 || p.LinkChurnNoticeAfter != 3 {
		t.Errorf("defaults %d per case, %d per user, notice after %d", p.CaseLinkChangesPerDay, p.UserLinkChangesPerDay, p.LinkChurnNoticeAfter)
	}
	p, err := ParsePolicy([]byte("caseLinkChangesPerDay: 2\nuserLinkChangesPerDay: 8\nlinkChurnNoticeAfter: 0\n"))
	if err != nil || p.CaseLinkChangesPerDay != 2 || p.UserLinkChangesPerDay != 8 || p.LinkChurnNoticeAfter != 0 {
		t.Errorf("parsed %d, %d, %d, %v", p.CaseLinkChangesPerDay, p.UserLinkChangesPerDay, p.LinkChurnNoticeAfter, err)
	}
	for src, want := range map[string]string{
		"caseLinkChangesPerDay: 0\n":    "line 1: caseLinkChangesPerDay: must be at least 1",
		"userLinkChangesPerDay: many\n": `line 1: userLinkChangesPerDay: "many" is not a whole number of changes`,
		"linkChurnNoticeAfter: -1\n":    "line 1: linkChurnNoticeAfter: must not be negative",
	} {
		if _, err := ParsePolicy([]byte(src)); err == nil || err.Error() != want {
			t.Errorf("ParsePolicy(%q) = %v, want %q", src, err, want)
		}
	}
}

package matching

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tolk/tolk/data"
)

// The fixtures: an abe_police interview on 10 June 2026 (BST), 09:00 to
// 11:00 UTC, in person in London, for a child who speaks Sorani.
var (
	testNow   = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	testStart = time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC)
	testEnd   = testStart.Add(2 * time.Hour)
)

// perfect returns an interpreter who passes every hard rule of testInput
// with room to spare, and earns no bonus beyond language, qualification and
// fair spread, so tests can add exactly what they test.
func perfect(id string) data.Interpreter {
	return data.Interpreter{
		ID:         id,
		Name:       "Interpreter " + id,
		Email:      id + "@example.org",
		Gender:     data.GenderFemale,
		Languages:  []data.LanguageSkill{{Tag: "ckb", Proficiency: data.ProficiencyNative}, {Tag: "en", Proficiency: data.ProficiencyFluent}},
		Modalities: []data.Modality{data.ModalityInPerson, data.ModalityVideo, data.ModalityPhone},
		Regions:    []string{"GB-LND", "GB-KEN"},
		Qualifications: []data.Qualification{
			{Kind: data.QualificationDPSI, Awarded: data.MustDate("2015-07-01")},
		},
		Training: []data.Training{
			{Kind: data.TrainingChildProtectionL2, Completed: data.MustDate("2025-01-10"), Expires: data.MustDate("2028-01-10")},
			{Kind: data.TrainingABEInterviewing, Completed: data.MustDate("2024-03-01")},
		},
		Clearance: data.Clearance{
			Level: data.ClearanceEnhanced, Certificate: "001234567890",
			Issued: data.MustDate("2025-02-01"), ValidUntil: data.MustDate("2028-02-01"),
		},
		Agreements: data.Agreements{ConfidentialitySigned: data.MustDate("2025-02-02")},
		Vetting:    data.Vetting{Status: data.VettingApproved},
	}
}

// testInput returns a request for testStart..testEnd with an empty pool.
func testInput() Input {
	return Input{
		Request: Request{
			Case: data.Case{
				ID:               "case1",
				Reference:        "SW-2026-0042",
				LinkedReferences: []string{"OP-Kestrel-7"},
				Child: data.Child{
					Languages: []string{"ckb"},
					CommunityLinks: []data.CommunityLink{
						{Kind: data.LinkCountry, Value: "IQ"},
						{Kind: data.LinkRegion, Value: "IQ-SU"},
						{Kind: data.LinkTown, Value: "Ranya"},
						{Kind: data.LinkFamily, Value: "Family Qadir"},
						{Kind: data.LinkPlaceOfWorship, Value: "Mosque of the Old Bazaar"},
						{Kind: data.LinkOrganisation, Value: "Lucky Star Car Wash"},
					},
					AgeBand: data.Age12To15,
				},
			},
			Start:         testStart,
			End:           testEnd,
			InterviewType: data.InterviewABEPolice,
			Modality:      data.ModalityInPerson,
			Region:        "GB-LND",
		},
		Now: testNow,
	}
}

// booking returns a confirmed booking of interpreter id from start to end.
func booking(id, interp string, start, end time.Time, mod data.Modality) data.Booking {
	return data.Booking{ID: id, CaseID: "other", InterpreterID: interp, Start: start, End: end,
		InterviewType: data.InterviewHealth, Modality: mod, Status: data.BookingConfirmed}
}

// basePolicy is the default policy without workload caps and
// long_session warnings, so the rules' tests see only what they test (the
// fixture's interview lasts two hours); safety_test.go tests those.
func basePolicy() Policy {
	p := DefaultPolicy()
	p.Workload, p.LongSession, p.VeryLongSession = data.WorkloadCaps{}, 0, 0
	return p
}

// evaluate runs Evaluate with basePolicy and fails on an error.
func evaluate(t testing.TB, in Input, interp data.Interpreter) (Candidate, []data.Reason) {
	t.Helper()
	c, rs, err := Evaluate(in, interp, basePolicy())
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return c, rs
}

// match runs Match with basePolicy and fails on an error.
func match(t testing.TB, in Input) Result {
	t.Helper()
	r, err := Match(in, basePolicy())
	if err != nil {
		t.Fatalf("Match: %v", err)
	}
	return r
}

func codes(rs []data.Reason) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

func factorPoints(fs []data.Factor) map[string]int {
	out := map[string]int{}
	for _, f := range fs {
		out[f.Factor] = f.Points
	}
	return out
}

// rankOf returns the index of interpreter id among the candidates, or -1.
func rankOf(r Result, id string) int {
	return slices.IndexFunc(r.Candidates, func(c Candidate) bool { return c.Interpreter.ID == id })
}

// cmpOpts compares results, dates included.
// A Result's scratch is not part of the answer.
var cmpOpts = cmp.Options{cmp.Comparer(func(a, b data.Date) bool { return a == b }), cmpopts.IgnoreUnexported(Result{})}

// clone deep-copies an interpreter's slices so a test can change them.
func clone(in data.Interpreter) data.Interpreter {
	in.Languages = slices.Clone(in.Languages)
	in.Modalities = slices.Clone(in.Modalities)
	in.Regions = slices.Clone(in.Regions)
	in.Qualifications = slices.Clone(in.Qualifications)
	in.Training = slices.Clone(in.Training)
	in.CommunityLinks = slices.Clone(in.CommunityLinks)
	return in
}

package data

import (
	"fmt"
	"slices"
	"testing"
)

// TestInterpreterExperience: each count of experience is from 0 to its
// limit.
func TestInterpreterExperience(t *testing.T) {
	in := Interpreter{Name: "A", Email: "a@example.org", Gender: GenderFemale,
		Languages: []LanguageSkill{{Tag: "ti", Proficiency: ProficiencyNative}}, Vetting: Vetting{Status: VettingPending},
		Experience: Experience{ChildInterviews: MaxExperienceCount, TraffickingCases: MaxExperienceCount, Years: MaxExperienceYears}}
	if err := in.Validate(); err != nil {
		t.Fatalf("experience at its limits: %v", err)
	}
	in.Experience = Experience{ChildInterviews: MaxExperienceCount + 1, TraffickingCases: -1, Years: MaxExperienceYears + 1}
	ve, ok := in.Validate().(*ValidationError)
	if !ok {
		t.Fatalf("experience over its limits: %v", in.Validate())
	}
	want := []FieldError{
		{Field: "experience.childInterviews", Message: fmt.Sprintf("must be at most %d", MaxExperienceCount)},
		{Field: "experience.traffickingCases", Message: "must not be negative"},
		{Field: "experience.years", Message: fmt.Sprintf("must be at most %d", MaxExperienceYears)},
	}
	if !slices.Equal(ve.Errors, want) {
		t.Errorf("errors %v, want %v", ve.Errors, want)
	}
}

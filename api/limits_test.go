package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// dtos are the request DTOs: every type of the package with a validator tag
// (TestDTOLimits checks the list against the source).
var dtos = []any{
	interpreterInput{}, caseInput{}, createUserRequest{}, createFeedRequest{}, vettingRequest{},
	matchRequest{}, bookingRequest{}, changeBookingRequest{}, cancelRequest{}, cancelBookingRequest{}, outcomeRequest{},
	offerRequest{}, declineRequest{}, availabilityInput{}, wellbeingRequest{}, legalHoldRequest{},
	transferRequest{}, acceptTransferRequest{}, declineTransferRequest{},
}

// TestDTOLimits walks every request DTO's validator tags, aliases expanded,
// and checks that each limit and enumeration is data's (or app's): a tag
// names them through an alias and holds no number or list of its own, so a
// limit changed in data changes the API.
func TestDTOLimits(t *testing.T) {
	wantMax := map[string]int{
		"interpreterInput.id":                          data.MaxIDLength,
		"interpreterInput.name":                        data.MaxNameLength,
		"interpreterInput.email":                       data.MaxEmailLength,
		"interpreterInput.phone":                       data.MaxPhoneLength,
		"interpreterInput.languages":                   data.MaxLanguages,
		"interpreterInput.modalities":                  len(data.Modalities),
		"interpreterInput.regions":                     data.MaxRegions,
		"interpreterInput.qualifications":              data.MaxQualifications,
		"interpreterInput.qualifications[].reference":  data.MaxQualificationRefLength,
		"interpreterInput.training":                    data.MaxTrainings,
		"interpreterInput.clearance.certificate":       data.MaxCertificateLength,
		"interpreterInput.communityLinks":              data.MaxLinks,
		"interpreterInput.communityLinks[].value":      data.MaxLinkLength,
		"interpreterInput.experience.childInterviews":  data.MaxExperienceCount,
		"interpreterInput.experience.traffickingCases": data.MaxExperienceCount,
		"interpreterInput.experience.years":            data.MaxExperienceYears,

		"caseInput.id":                                   data.MaxIDLength,
		"caseInput.reference":                            data.MaxReferenceLength,
		"caseInput.linkedReferences":                     data.MaxCaseList,
		"caseInput.linkedReferences[]":                   data.MaxReferenceLength,
		"caseInput.child.languages":                      data.MaxChildLanguages,
		"caseInput.child.communityLinks":                 data.MaxCaseLinks,
		"caseInput.child.communityLinks[].value":         data.MaxLinkLength,
		"caseInput.excludedInterpreters":                 data.MaxCaseList,
		"caseInput.excludedInterpreters[].interpreterId": data.MaxIDLength,
		"caseInput.excludedInterpreters[].reason":        data.MaxReasonLength,

		"createUserRequest.name":          data.MaxNameLength,
		"createUserRequest.email":         data.MaxEmailLength,
		"createUserRequest.organisation":  data.MaxOrganisationLength,
		"createUserRequest.interpreterId": data.MaxIDLength,

		"offerRequest.caseId":           data.MaxIDLength,
		"offerRequest.region":           data.MaxCodeLength,
		"offerRequest.location":         data.MaxLocationLength,
		"offerRequest.joinDetails":      data.MaxJoinDetailsLength,
		"offerRequest.interpreterIds":   data.MaxInvitations,
		"offerRequest.interpreterIds[]": data.MaxIDLength,
		"availabilityInput.timeZone":    data.MaxTimeZoneLength,
		"availabilityInput.weekly":      data.MaxWeeklyHours,
		"availabilityInput.unavailable": data.MaxUnavailable,

		"createFeedRequest.interpreterId": data.MaxIDLength,
		"vettingRequest.note":             data.MaxNoteLength,

		"matchRequest.region":        data.MaxCodeLength,
		"matchRequest.limit":         app.MaxMatchLimit,
		"matchRequest.excludedLimit": app.MaxMatchLimit,
		"matchRequest.excludedAfter": app.MaxMatchCursorLength,

		"bookingRequest.caseId":         data.MaxIDLength,
		"bookingRequest.interpreterId":  data.MaxIDLength,
		"bookingRequest.region":         data.MaxCodeLength,
		"bookingRequest.location":       data.MaxLocationLength,
		"bookingRequest.joinDetails":    data.MaxJoinDetailsLength,
		"changeBookingRequest.location": data.MaxLocationLength,
		"cancelRequest.reason":          data.MaxCancelReasonLength,
		"cancelBookingRequest.reason":   data.MaxCancelReasonLength,
		"outcomeRequest.note":           data.MaxNoteLength,

		"transferRequest.toOrganisation":  data.MaxOrganisationLength,
		"acceptTransferRequest.reference": data.MaxReferenceLength,
	}
	wantOneOf := map[string][]string{
		"caseInput.child.ageBand":                      strs(data.AgeBands),
		"caseInput.child.interpreterGender.preference": strs(data.GenderPreferences),
		"createUserRequest.role":                       strs(data.Roles),
		"createFeedRequest.scope":                      strs(data.FeedScopes),
		"vettingRequest.decision":                      strs(data.Decisions),
		"matchRequest.interviewType":                   strs(data.InterviewTypes),
		"matchRequest.modality":                        strs(data.Modalities),
		"bookingRequest.interviewType":                 strs(data.InterviewTypes),
		"bookingRequest.modality":                      strs(data.Modalities),
		"offerRequest.interviewType":                   strs(data.InterviewTypes),
		"offerRequest.modality":                        strs(data.Modalities),
		"offerRequest.mode":                            strs(data.OfferModes),
		"declineRequest.reason":                        strs(data.DeclineReasons),
		"transferRequest.legalBasis":                   strs(data.LegalBases),
		"declineTransferRequest.reason":                strs(data.TransferDeclines),
		"availabilityInput.weekly[].day":               data.Weekdays,
	}

	gotMax, gotOneOf, walked := map[string]int{}, map[string][]string{}, []string{}
	var walk func(path string, typ reflect.Type)
	walk = func(path string, typ reflect.Type) {
		if !slices.Contains(walked, typ.Name()) {
			walked = append(walked, typ.Name())
		}
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			p := path + "." + name
			if tag, ok := f.Tag.Lookup("validate"); ok {
				at := p
				for _, rule := range strings.Split(tag, ",") {
					if k, v, ok := strings.Cut(rule, "="); ok && (k == "oneof" ||
						strings.ContainsAny(v, "0123456789") && !slices.Contains([]string{"min=0", "min=1", "datetime=2006-01-02"}, rule)) {
						t.Errorf("%s: tag %q holds %q: name data's limit or enumeration through an alias", p, tag, rule)
					}
					if rule == "dive" {
						at = p + "[]"
						continue
					}
					def, ok := aliases[rule]
					if !ok {
						continue
					}
					for _, r := range strings.Split(def, ",") {
						switch k, v, _ := strings.Cut(r, "="); k {
						case "max":
							n, err := strconv.Atoi(v)
							if err != nil {
								t.Errorf("%s: alias %s: %q", p, rule, r)
							}
							gotMax[at] = n
						case "oneof":
							gotOneOf[at] = strings.Fields(v)
						}
					}
				}
			}
			ft := f.Type
			for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
				ft = ft.Elem()
				if f.Type.Kind() == reflect.Slice {
					p += "[]"
				}
			}
			if ft.Kind() == reflect.Struct && ft.PkgPath() == typ.PkgPath() {
				walk(p, ft)
			}
		}
	}
	for _, d := range dtos {
		typ := reflect.TypeOf(d)
		walk(typ.Name(), typ)
	}
	if diff := cmp.Diff(wantMax, gotMax); diff != "" {
		t.Errorf("DTO limits (-data's +the tags'):\n%s", diff)
	}
	if diff := cmp.Diff(wantOneOf, gotOneOf); diff != "" {
		t.Errorf("DTO enumerations (-data's +the tags'):\n%s", diff)
	}

	// Every type with a validator tag is a DTO listed above or part of one.
	var missed []string
	for _, name := range taggedTypes(t) {
		if !slices.Contains(walked, name) {
			missed = append(missed, name)
		}
	}
	if len(missed) > 0 {
		t.Errorf("types with validator tags missing from dtos: %v", missed)
	}
}

// TestDTOLimitMessages: an alias fails as the rule it stands for, with the
// same message and the JSON path of the field.
func TestDTOLimitMessages(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name string
		dto  any
		want []data.FieldError
	}{
		{"at the limit", &cancelRequest{Reason: long(data.MaxCancelReasonLength)}, nil},
		{"text", &cancelRequest{Reason: long(data.MaxCancelReasonLength + 1)},
			[]data.FieldError{{Field: "reason", Message: "must have at most " + strconv.Itoa(data.MaxCancelReasonLength) + " items or characters"}}},
		{"list item", &caseInput{Reference: "R1", LinkedReferences: []string{long(data.MaxReferenceLength + 1)},
			Child: childInput{Languages: []childLanguageInput{{Tag: "ti"}}}},
			[]data.FieldError{{Field: "linkedReferences[0]", Message: "must have at most " + strconv.Itoa(data.MaxReferenceLength) + " items or characters"}}},
		{"number", &matchRequest{InterviewType: "health", Modality: "video", Limit: app.MaxMatchLimit + 1, Start: time.Now(), End: time.Now()},
			[]data.FieldError{{Field: "limit", Message: "must be at most " + strconv.Itoa(app.MaxMatchLimit)}}},
		{"enumeration", &createFeedRequest{Scope: "everyone"},
			[]data.FieldError{{Field: "scope", Message: "must be one of interpreter, mine, organisation, freebusy"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []data.FieldError
			if err := validateStruct(tt.dto); err != nil {
				ve, ok := err.(*data.ValidationError)
				if !ok {
					t.Fatalf("validateStruct: %v", err)
				}
				got = ve.Errors
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
}

// taggedTypes returns the names of the package's types that have a field
// with a validator tag, sorted.
func taggedTypes(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			for _, fld := range st.Fields.List {
				if fld.Tag != nil && strings.Contains(fld.Tag.Value, `validate:"`) {
					names = append(names, ts.Name.Name)
					break
				}
			}
			return true
		})
	}
	slices.Sort(names)
	return names
}

func strs[T ~string](vs []T) []string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return s
}

package api

import (
	"strconv"
	"strings"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// aliases name the limits and enumerations of data (and app) for the
// request DTOs' validator tags. Struct tags are static, so a tag names a
// limit ("required,namelen") and its definition is formatted here from the
// constant at start-up: no tag holds a number or a list of its own, and a
// limit changed in data changes the API (limits_test.go checks every DTO).
var aliases = map[string]string{
	// Text, in characters.
	"idlen":               maxOf(data.MaxIDLength),
	"namelen":             maxOf(data.MaxNameLength),
	"emaillen":            maxOf(data.MaxEmailLength),
	"phonelen":            maxOf(data.MaxPhoneLength),
	"codelen":             maxOf(data.MaxCodeLength),
	"linklen":             maxOf(data.MaxLinkLength),
	"certificatelen":      maxOf(data.MaxCertificateLength),
	"qualificationreflen": maxOf(data.MaxQualificationRefLength),
	"referencelen":        maxOf(data.MaxReferenceLength),
	"reasonlen":           maxOf(data.MaxReasonLength),
	"locationlen":         maxOf(data.MaxLocationLength),
	"joindetailslen":      maxOf(data.MaxJoinDetailsLength),
	"cancelreasonlen":     maxOf(data.MaxCancelReasonLength),
	"notelen":             maxOf(data.MaxNoteLength),
	"organisationlen":     maxOf(data.MaxOrganisationLength),

	// Lists, in items.
	"languages":      maxOf(data.MaxLanguages),
	"modalities":     maxOf(len(data.Modalities)),
	"regions":        maxOf(data.MaxRegions),
	"qualifications": maxOf(data.MaxQualifications),
	"trainings":      maxOf(data.MaxTrainings),
	"links":          maxOf(data.MaxLinks),
	"caselist":       maxOf(data.MaxCaseList),
	"caselinks":      maxOf(data.MaxCaseLinks),
	"childlanguages": maxOf(data.MaxChildLanguages),

	// Numbers.
	"experiencecount": maxOf(data.MaxExperienceCount),
	"experienceyears": maxOf(data.MaxExperienceYears),
	"matchlimit":      "min=0," + maxOf(app.MaxMatchLimit), // 0: app.DefaultMatchLimit
	"matchcursorlen":  maxOf(app.MaxMatchCursorLength),

	// Enumerations.
	"role":             oneOf(data.Roles),
	"decision":         oneOf(data.Decisions),
	"interviewtype":    oneOf(data.InterviewTypes),
	"modality":         oneOf(data.Modalities),
	"feedscope":        oneOf(data.FeedScopes),
	"offermode":        oneOf(data.OfferModes),
	"declinereason":    oneOf(data.DeclineReasons),
	"weekday":          oneOf(data.Weekdays),
	"invitees":         "min=1," + maxOf(data.MaxInvitations),
	"weeklyspans":      maxOf(data.MaxWeeklyHours),
	"unavailable":      maxOf(data.MaxUnavailable),
	"timezonelen":      maxOf(data.MaxTimeZoneLength),
	"ageband":          oneOf(data.AgeBands),
	"genderpreference": oneOf(data.GenderPreferences),
	"legalbasis":       oneOf(data.LegalBases),
	"transferdecline":  oneOf(data.TransferDeclines),
}

// maxOf is the validator rule for a limit.
func maxOf(n int) string { return "max=" + strconv.Itoa(n) }

// oneOf is the validator rule for an enumeration.
func oneOf[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return "oneof=" + strings.Join(s, " ")
}

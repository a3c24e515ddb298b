package web

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// Forms name their fields as the API's JSON does, repeating rows by index
// (child.languages[0].tag, child.communityLinks[1].kind), so a validation
// error from package data names the field on the page as it would in a
// problem+json answer.

// maxRows bounds the repeating rows a form reads: one more than any list of
// a record may hold, so the record's own validation names the excess.
const maxRows = 1 + max(data.MaxLanguages, data.MaxRegions, data.MaxQualifications, data.MaxTrainings,
	data.MaxLinks, data.MaxChildLanguages, data.MaxCaseList)

// maxLengths are data's limits on the text fields the forms send, by field
// name with row indexes dropped (child.communityLinks[0].value is
// child.communityLinks.value): the maxlength of their inputs.
var maxLengths = map[string]int{
	"name": data.MaxNameLength, "email": data.MaxEmailLength, "phone": data.MaxPhoneLength,
	"organisation": data.MaxOrganisationLength, "toOrganisation": data.MaxOrganisationLength, "interpreterId": max(data.MaxIDLength, data.MaxNameLength, data.MaxEmailLength),
	"languages.tag": data.MaxLanguageTagLength, "language": data.MaxLanguageTagLength,
	"regions": data.MaxRegionInputLength, "region": data.MaxRegionInputLength,
	"qualifications.reference": data.MaxQualificationRefLength, "clearance.certificate": data.MaxCertificateLength,
	"communityLinks.value": data.MaxLinkLength, "note": data.MaxNoteLength,
	"reference": data.MaxReferenceLength, "linkedReferences": data.MaxReferenceLength,
	"child.languages.tag": data.MaxLanguageTagLength, "child.communityLinks.value": data.MaxLinkLength,
	// An exclusion's interpreter is typed as an ID, a name or an email.
	"excludedInterpreters.interpreterId": max(data.MaxIDLength, data.MaxNameLength, data.MaxEmailLength),
	"excludedInterpreters.reason":        data.MaxReasonLength,
	"location":                           data.MaxLocationLength, "joinDetails": data.MaxJoinDetailsLength, "reason": data.MaxCancelReasonLength,
	"apiKey": data.MaxAPIKeyLength, "search": data.MaxEmailLength, "within": len("365"), // within: days, 1 to 365
	"start": maxLocalLength, "end": maxLocalLength, "from": maxLocalLength, "to": maxLocalLength,
}

// maxLocalLength bounds a date and time as typed ("14/03/2027, 10:00",
// with room for spaces): see parseLocal.
const maxLocalLength = 32

// rowIndex is a row's index in a field name: the [0] of regions[0].
var rowIndex = regexp.MustCompile(`\[[0-9]+\]`)

// maxLength returns the maxlength of a form field's input: data's limit on
// the field. A field without one is a mistake in a template.
func maxLength(field string) (int, error) {
	n, ok := maxLengths[rowIndex.ReplaceAllString(field, "")]
	if !ok {
		return 0, fmt.Errorf("web: no length limit for form field %q", field)
	}
	return n, nil
}

// rows reads the values of a repeating field, name formatted with its
// index (child.languages[%d].tag), until an index is missing.
func rows(c *fiber.Ctx, format string) []string {
	var out []string
	for i := range maxRows {
		v, ok := formValue(c, fmt.Sprintf(format, i))
		if !ok {
			break
		}
		out = append(out, v)
	}
	return out
}

// formValue returns a form field's value and whether the form has it.
func formValue(c *fiber.Ctx, name string) (string, bool) {
	args := c.Request().PostArgs()
	if c.Method() == fiber.MethodGet {
		args = c.Request().URI().QueryArgs()
	}
	if !args.Has(name) {
		return "", false
	}
	return string(args.Peek(name)), true
}

// value returns a form field's trimmed value (from the query on a GET).
func value(c *fiber.Ctx, name string) string {
	v, _ := formValue(c, name)
	return strings.TrimSpace(v)
}

// checked reports whether a checkbox was ticked.
func checked(c *fiber.Ctx, name string) bool {
	v := value(c, name)
	return v == "true" || v == "on" || v == "yes"
}

// nonEmpty drops blank rows: a form shows spare rows to fill in.
func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// validationErrors returns the field errors of err, if it is a validation
// failure.
func validationErrors(err error) (fieldErrors, bool) {
	f := app.Classify(err)
	if f.Kind != app.KindInvalid {
		return nil, false
	}
	errs := fieldErrors(f.Fields)
	if f.More > 0 {
		errs = append(errs, data.FieldError{Message: "and " + strconv.Itoa(f.More) + " more problems"})
	}
	return errs, true
}

// padded returns n, grown to show at least spare blank rows beyond the
// filled ones, and at least min rows in all.
func padded(filled, spare, min int) int {
	return max(filled+spare, min)
}

// renamed returns errs with the errors of the record's field from named as
// the form's field to, where the form names it otherwise (a booking's
// cancelReason is the cancel form's reason).
func renamed(errs fieldErrors, from, to string) fieldErrors {
	out := make(fieldErrors, len(errs))
	for i, e := range errs {
		if e.Field == from {
			e.Field = to
		}
		out[i] = e
	}
	return out
}

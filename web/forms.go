package web

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/data"
)

// Forms name their fields as the API's JSON does, repeating rows by index
// (child.languages[0].tag, child.communityLinks[1].kind), so a validation
// error from package data names the field on the page as it would in a
// problem+json answer.

// maxRows bounds the repeating rows a form reads: more than any record may
// hold (data's limits are 50), so the record's own validation names the
// excess.
const maxRows = 60

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
	if ve, ok := errors.AsType[*data.ValidationError](err); ok {
		errs := fieldErrors(ve.Errors)
		if ve.More > 0 {
			errs = append(errs, data.FieldError{Message: "and " + strconv.Itoa(ve.More) + " more problems"})
		}
		return errs, true
	}
	return nil, false
}

// padded returns n, grown to show at least spare blank rows beyond the
// filled ones, and at least min rows in all.
func padded(filled, spare, min int) int {
	return max(filled+spare, min)
}

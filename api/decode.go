package api

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/api/internal/strictjson"
	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// validate checks request DTOs' shape. Field names in its errors are JSON
// names, so clients see "languages[0].tag", never Go's "Languages[0].Tag".
// Tags name data's limits and enumerations through aliases (limits.go).
var validate = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	v.RegisterValidation("bcp47", func(fl validator.FieldLevel) bool {
		_, err := data.CanonicalLanguage(fl.Field().String())
		return err == nil
	})
	for alias, rules := range aliases {
		v.RegisterAlias(alias, rules)
	}
	return v
}()

// decode reads a JSON request body into dst strictly (see decodeJSON), then
// checks its validator tags.
func decode(c *fiber.Ctx, dst any) error {
	if err := decodeJSON(c, dst); err != nil {
		return err
	}
	return validateStruct(dst)
}

// decodeJSON reads a JSON request body into dst strictly: JSON media type
// in UTF-8 only (415; a charset parameter other than utf-8 is refused, not
// read as UTF-8), one JSON object, names exactly as documented (an unknown
// name, a name in the wrong case or a name given twice is a 400, every one
// of them listed), values of the right type, nothing after the object. The
// rules are those of package strictjson (encoding/json/v2 semantics).
func decodeJSON(c *fiber.Ctx, dst any) error {
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || (mt != fiber.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json")) {
		return newError(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return newError(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json in UTF-8 (charset=utf-8 or no charset)")
	}
	err = strictjson.Decode(c.Body(), dst)
	var se *strictjson.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se) && se.Syntax:
		return app.Fail(app.KindInvalid, "malformed_json", "%s", se.Message)
	case errors.As(err, &se):
		invalid := &data.ValidationError{}
		for _, f := range se.Fields {
			var n int
			if _, err := fmt.Sscanf(f.Message, "and %d more", &n); f.Field == "" && err == nil {
				invalid.More += n // strictjson's count of what it did not list
				continue
			}
			invalid.Errors = append(invalid.Errors, data.FieldError{Field: f.Field, Message: f.Message})
		}
		return invalid
	}
	return err // the destination type is broken: a fault of ours, a 500
}

// mergeInvalid joins the field errors of a shape check and an invariant
// check into one validation error, reporting each field once (the shape
// error first) and at most data.MaxFieldErrors of them, counting the rest.
// Errors that are not about fields pass through.
func mergeInvalid(shape, invariants error) error {
	merged := &data.ValidationError{}
	seen := map[string]bool{}
	for _, err := range []error{shape, invariants} {
		if err == nil {
			continue
		}
		f := app.Classify(err)
		if f.Kind != app.KindInvalid {
			return err
		}
		merged.More += f.More
		for _, fe := range f.Fields {
			if !seen[fe.Field] {
				seen[fe.Field] = true
				addField(merged, fe.Field, fe.Message)
			}
		}
	}
	if len(merged.Errors) == 0 && merged.More == 0 {
		return nil
	}
	return merged
}

// validateStruct runs the validator tags and reports each failure by its
// JSON path, at most data.MaxFieldErrors of them.
func validateStruct(v any) error {
	err := validate.Struct(v)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return err
	}
	invalid := &data.ValidationError{}
	for _, fe := range verrs {
		ns := fe.Namespace()
		if _, rest, ok := strings.Cut(ns, "."); ok {
			ns = rest // drop the struct's own name
		}
		addField(invalid, ns, tagMessage(fe))
	}
	return invalid
}

// tagMessage says what a failed rule requires; an alias (limits.go) is
// described by the rule it stands for.
func tagMessage(fe validator.FieldError) string {
	switch fe.ActualTag() {
	case "required":
		return "is required"
	case "email":
		return "must be an email address"
	case "oneof":
		return "must be one of " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "min":
		if fe.Kind() == reflect.String || fe.Kind() == reflect.Slice {
			return "must have at least " + fe.Param() + " items or characters"
		}
		return "must be at least " + fe.Param()
	case "max":
		if fe.Kind() == reflect.String || fe.Kind() == reflect.Slice {
			return "must have at most " + fe.Param() + " items or characters"
		}
		return "must be at most " + fe.Param()
	case "datetime":
		return fmt.Sprintf("must be a real date in the form YYYY-MM-DD, not %q", clip(fmt.Sprint(fe.Value())))
	case "bcp47":
		if _, err := data.CanonicalLanguage(fmt.Sprint(fe.Value())); err != nil {
			return err.Error() // quotes at most data.MaxLanguageTagLength bytes
		}
	case "unique":
		return "must not repeat values"
	}
	return "is invalid (" + fe.Tag() + ")"
}

// queryInt reads an optional integer query parameter within [lo, hi].
func queryInt(c *fiber.Ctx, name string, def, lo, hi int) (int, error) {
	s := c.Query(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, validationFailed(fieldError{Field: name, Message: fmt.Sprintf("must be an integer from %d to %d", lo, hi)})
	}
	return n, nil
}

// clip shortens a value quoted in a message to at most 32 bytes, cut at a
// character boundary, so that an answer never echoes much of its request.
func clip(s string) string {
	const max = 32
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// addField lists a field error in ve, or counts it once
// data.MaxFieldErrors are listed.
func addField(ve *data.ValidationError, field, message string) {
	if len(ve.Errors) >= data.MaxFieldErrors {
		ve.More++
		return
	}
	ve.Errors = append(ve.Errors, data.FieldError{Field: field, Message: message})
}

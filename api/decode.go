package api

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/api/internal/strictjson"
	"github.com/tolk/tolk/data"
)

// validate checks request DTOs' shape. Field names in its errors are JSON
// names, so clients see "languages[0].tag", never Go's "Languages[0].Tag".
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
// only (415), one JSON object, names exactly as documented (an unknown name,
// a name in the wrong case or a name given twice is a 400, every one of them
// listed), values of the right type, nothing after the object. The rules are
// those of package strictjson (encoding/json/v2 semantics).
func decodeJSON(c *fiber.Ctx, dst any) error {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || (mt != fiber.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json")) {
		return newError(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json")
	}
	err = strictjson.Decode(c.Body(), dst)
	var se *strictjson.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se) && se.Syntax:
		return newError(http.StatusBadRequest, "malformed_json", "%s", se.Message)
	case errors.As(err, &se):
		fields := make([]fieldError, len(se.Fields))
		for i, f := range se.Fields {
			fields[i] = fieldError(f)
		}
		return validationFailed(fields...)
	}
	return err // the destination type is broken: a fault of ours, a 500
}

// mergeInvalid joins the field errors of a shape check and an invariant
// check into one 400, reporting each field once (the shape error first).
// Errors that are not about fields pass through.
func mergeInvalid(shape, invariants error) error {
	var fields []fieldError
	seen := map[string]bool{}
	for _, err := range []error{shape, invariants} {
		if err == nil {
			continue
		}
		invalid, ok := asInvalid(err)
		if !ok {
			return err
		}
		for _, f := range invalid.fields {
			if !seen[f.Field] {
				seen[f.Field] = true
				fields = append(fields, f)
			}
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return validationFailed(fields...)
}

// validateStruct runs the validator tags and reports each failure by its JSON path.
func validateStruct(v any) error {
	err := validate.Struct(v)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return err
	}
	fields := make([]fieldError, 0, len(verrs))
	for _, fe := range verrs {
		ns := fe.Namespace()
		if _, rest, ok := strings.Cut(ns, "."); ok {
			ns = rest // drop the struct's own name
		}
		fields = append(fields, fieldError{Field: ns, Message: tagMessage(fe)})
	}
	return validationFailed(fields...)
}

func tagMessage(fe validator.FieldError) string {
	switch fe.Tag() {
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
		return fmt.Sprintf("must be a real date in the form YYYY-MM-DD, not %q", fe.Value())
	case "bcp47":
		return fmt.Sprintf("%q is not a BCP 47 language tag naming a language", fe.Value())
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

package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"

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
// only (415), no unknown fields, no trailing data, right types.
func decodeJSON(c *fiber.Ctx, dst any) error {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || (mt != fiber.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json")) {
		return newError(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json")
	}
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return newError(http.StatusBadRequest, "malformed_json", "the request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return newError(http.StatusBadRequest, "malformed_json", "the body holds data after the JSON value")
	}
	return nil
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

func jsonError(err error) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syntax):
		return newError(http.StatusBadRequest, "malformed_json", "the body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return newError(http.StatusBadRequest, "malformed_json", "the body is not valid JSON (it ends too soon)")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return newError(http.StatusBadRequest, "malformed_json", "the body must be a JSON object")
		}
		return validationFailed(fieldError{Field: field, Message: fmt.Sprintf("must be %s, not %s", jsonKind(typ.Type), typ.Value)})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return validationFailed(fieldError{Field: name, Message: "is not a known field"})
	}
	return newError(http.StatusBadRequest, "malformed_json", "the body could not be read as JSON")
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Slice:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return t.String()
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

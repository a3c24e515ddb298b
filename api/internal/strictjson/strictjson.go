// Package strictjson reads JSON request bodies strictly and writes JSON
// responses, both with the semantics of encoding/json/v2 (through
// github.com/go-json-experiment/json).
//
// Decode refuses a body that is not one valid JSON object in UTF-8, and
// names every member it cannot take, by JSON path ("languages[0].tag"):
// unknown names (matched case-sensitively), duplicated names and values of
// the wrong type, at any depth. It reads the body twice, both times in
// linear time: first a walk over the tokens beside the Go type, which
// finds every unknown or duplicated name and most type errors, then
// json.Unmarshal, which stores the values and has the last word.
package strictjson

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Messages of an Error. Invalid JSON has a message of its own, starting
// "the body is not valid JSON: " and saying what and at which byte.
const (
	// MsgEmpty is for an empty body, or one of only whitespace (Syntax).
	MsgEmpty = "the request body is empty; send a JSON object"
	// MsgNotObject is for JSON other than an object: an array, null... (Syntax).
	MsgNotObject = "the body must be a JSON object"
	// MsgTrailing is for anything but whitespace after the object (Syntax).
	MsgTrailing = "the body holds data after the JSON value"
	// MsgFields is for an Error that lists fields.
	MsgFields = "the body has invalid fields"
)

// FieldError names one field by its JSON path ("languages[0].tag",
// "clearance.level", "name") and what is wrong with it. A member name that
// is not a plain word (letters, digits, "_" and "-") stands quoted in
// brackets, cut to 64 bytes: `["a b"]`, `labels["x.y"]`.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is what Decode returns for a body it refuses: either malformed
// JSON (Syntax true, with a Message saying what and where, and no Fields)
// or a list of field errors (Message is MsgFields).
//
// Fields holds at most 50 field errors. When there are more, one last entry
// with an empty Field counts the rest: "and 99950 more problems".
type Error struct {
	Syntax  bool
	Message string
	Fields  []FieldError
}

// Error returns the message followed by each field error.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	var b strings.Builder
	b.WriteString(e.Message)
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		if f.Field != "" {
			b.WriteString(f.Field + " ")
		}
		b.WriteString(f.Message)
	}
	return b.String()
}

// Decode reads one JSON object from body into dst (a pointer to a struct
// whose fields carry `json:"name"` tags) strictly. It returns nil, an
// *Error for a body it refuses, or another error when dst is not a non-nil
// pointer or its type cannot hold JSON (a bug, not the client's fault).
// After an error, dst may be partly filled.
func Decode(body []byte, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("strictjson: Decode needs a non-nil pointer, not %T", dst)
	}
	s := shapeOf(rv.Type().Elem())
	if blank(body) {
		return &Error{Syntax: true, Message: MsgEmpty}
	}

	w := walker{dec: jsontext.NewDecoder(bytes.NewBuffer(body), jsontext.AllowDuplicateNames(true))}
	if w.dec.PeekKind() != '{' {
		if err := w.dec.SkipValue(); err != nil {
			return syntaxError(body, err)
		}
		return &Error{Syntax: true, Message: MsgNotObject}
	}
	if err := w.value(s); err != nil {
		return syntaxError(body, err)
	}
	if !blank(body[w.dec.InputOffset():]) {
		return &Error{Syntax: true, Message: MsgTrailing}
	}

	if len(w.fields) == 0 {
		err := json.Unmarshal(body, dst, json.RejectUnknownMembers(true))
		if err == nil {
			return nil
		}
		f, ok := fieldError(err, s)
		if !ok {
			return fmt.Errorf("strictjson: %w", err)
		}
		return &Error{Message: MsgFields, Fields: []FieldError{f}}
	}

	// The walk found problems. json.Unmarshal, told to overlook those it
	// has seen, may add one the walk could not see (a date, a custom type).
	err := json.Unmarshal(body, dst, jsontext.AllowDuplicateNames(true))
	if f, ok := fieldError(err, s); ok && len(w.fields) < maxFields &&
		!slices.ContainsFunc(w.fields, func(g FieldError) bool { return g.Field == f.Field }) {
		w.fields = append(w.fields, f)
	}
	if w.more > 0 {
		w.fields = append(w.fields, FieldError{Message: fmt.Sprintf("and %d more %s", w.more, plural(w.more, "problem", "problems"))})
	}
	return &Error{Message: MsgFields, Fields: w.fields}
}

// blank reports whether b holds nothing but JSON whitespace.
func blank(b []byte) bool {
	return len(bytes.TrimLeft(b, " \t\r\n")) == 0
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Marshal encodes v as JSON for responses with json v2 semantics: no HTML
// escaping ("<" stays "<"), map keys sorted, nil slices and maps as [] and
// {}. Invalid UTF-8 in a string becomes U+FFFD rather than failing the
// response, as encoding/json v1 did.
func Marshal(v any) ([]byte, error) {
	return json.Marshal(v, marshalOptions)
}

// MarshalWrite encodes v to w as Marshal does, without an intermediate
// copy of the whole encoding (a match's answer is tens of kilobytes). On
// an error, part of v may have been written.
func MarshalWrite(w io.Writer, v any) error {
	return json.MarshalWrite(w, v, marshalOptions)
}

// marshalOptions are Marshal's.
var marshalOptions = json.JoinOptions(
	json.Deterministic(true),
	jsontext.EscapeForHTML(false),
	jsontext.AllowInvalidUTF8(true),
)

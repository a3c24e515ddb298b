package strictjson

// This file words the answers: field errors of the walk and of
// json.Unmarshal, and syntax errors.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// fieldError turns an error of json.Unmarshal into a FieldError. It
// reports false for errors that are not about a member of the body.
func fieldError(err error, s *shape) (FieldError, bool) {
	if serr, ok := errors.AsType[*jsontext.SyntacticError](err); ok {
		// The walk checked the syntax, so this is json v2 finding two
		// names for one `case:ignore` field.
		if errors.Is(serr.Err, jsontext.ErrDuplicateName) && serr.JSONPointer != "" {
			return FieldError{Field: pathOf(serr.JSONPointer, s), Message: "appears more than once"}, true
		}
		return FieldError{}, false
	}
	serr, ok := errors.AsType[*json.SemanticError](err)
	if !ok || serr.JSONPointer == "" || serr.JSONKind == 0 {
		return FieldError{}, false // about the Go type, not the body
	}
	f := FieldError{Field: pathOf(serr.JSONPointer, s)}
	t := anyShape
	if serr.GoType != nil {
		t = shapeOf(serr.GoType)
	}
	switch {
	case errors.Is(serr.Err, json.ErrUnknownName):
		f.Message = "is not a known field"
	case numeric(t) && serr.JSONKind == '0' && serr.Err == nil:
		f.Message = "must be " + expected(t) + " in a string, not a number" // a `string` field
	case numeric(t) && serr.JSONKind == '"' && serr.Err != nil:
		f.Message = "must be " + expected(t) + " in a string, like \"12\""
	case t.kind == kindFloat && serr.JSONKind == '0':
		f.Message = msgFloatRange
	case numeric(t) && serr.JSONKind == '0':
		f.Message = intMessage(t.typ, t.kind == kindUint, string(serr.JSONValue))
	case t.kind == kindArray && serr.JSONKind == ']':
		f.Message = arrayLenMessage(t.typ)
	case expected(t) == "":
		f.Message = "has an invalid value" // a custom type said no
	case serr.Err == nil:
		f.Message = mismatch(t, serr.JSONKind)
	default:
		f.Message = "must be " + expected(t)
	}
	if f.Message == "" {
		f.Message = "has an invalid value"
	}
	return f, true
}

// numeric reports whether s takes a JSON number.
func numeric(s *shape) bool {
	return s.kind == kindInt || s.kind == kindUint || s.kind == kindFloat
}

// syntaxError describes err, an error of the decoder: the body is not
// JSON. The walk peeks ahead, which makes some errors point a byte early,
// so this reads the body again as one value for the decoder's own words.
func syntaxError(body []byte, err error) *Error {
	dec := jsontext.NewDecoder(bytes.NewBuffer(body), jsontext.AllowDuplicateNames(true))
	if _, err2 := dec.ReadValue(); err2 != nil {
		err = err2
	}
	msg := "the body is not valid JSON"
	if serr, ok := errors.AsType[*jsontext.SyntacticError](err); ok {
		if errors.Is(serr.Err, io.ErrUnexpectedEOF) {
			msg += fmt.Sprintf(": it ends too soon (at byte %d)", serr.ByteOffset)
		} else {
			msg += fmt.Sprintf(": %v (at byte %d)", serr.Err, serr.ByteOffset)
		}
	} else if errors.Is(err, io.ErrUnexpectedEOF) {
		msg += ": it ends too soon"
	}
	return &Error{Syntax: true, Message: msg}
}

// scalarMessage says what is wrong with a JSON null, boolean, number or
// string read for s, or returns "".
func scalarMessage(s *shape, v jsontext.Value) string {
	k := v.Kind()
	if k == 'n' {
		return "" // json v2 reads null into anything, as the zero value
	}
	switch s.kind {
	case kindAny:
		return ""
	case kindBool:
		if k == 't' || k == 'f' {
			return ""
		}
	case kindString:
		if k == '"' {
			return ""
		}
	case kindInt, kindUint:
		if k == '0' {
			return intMessage(s.typ, s.kind == kindUint, string(v))
		}
	case kindFloat:
		if k == '0' {
			return floatMessage(s.typ, string(v))
		}
	}
	return mismatch(s, k)
}

const (
	msgIntRange   = "must be an integer within range"
	msgFloatRange = "must be a number within range"
)

// intMessage says what is wrong with the JSON number lit for an integer
// type t, or returns "". json v2 takes only plain integers that fit.
func intMessage(t reflect.Type, unsigned bool, lit string) string {
	bits := t.Bits()
	if !strings.ContainsAny(lit, ".eE") {
		var err error
		if unsigned {
			if strings.HasPrefix(lit, "-") {
				return msgIntRange
			}
			_, err = strconv.ParseUint(lit, 10, bits)
		} else {
			_, err = strconv.ParseInt(lit, 10, bits)
		}
		if err != nil {
			return msgIntRange
		}
		return ""
	}
	f, err := strconv.ParseFloat(lit, 64)
	lo, hi := -math.Ldexp(1, bits-1), math.Ldexp(1, bits-1)
	if unsigned {
		lo, hi = 0, math.Ldexp(1, bits)
	}
	switch {
	case err != nil || f < lo || f >= hi:
		return msgIntRange
	case f != math.Trunc(f):
		return "must be an integer, not a fraction"
	}
	return "must be an integer written without a fraction or exponent"
}

// floatMessage says what is wrong with the JSON number lit for a float
// type t, or returns "".
func floatMessage(t reflect.Type, lit string) string {
	if _, err := strconv.ParseFloat(lit, t.Bits()); err != nil {
		return msgFloatRange
	}
	return ""
}

// arrayLenMessage is for a fixed-size array of the wrong length.
func arrayLenMessage(t reflect.Type) string {
	return fmt.Sprintf("must be an array of exactly %d items", t.Len())
}

// mismatch says that a JSON value of kind k is not what s takes.
func mismatch(s *shape, k jsontext.Kind) string {
	return "must be " + expected(s) + ", not " + kindName(k)
}

// expected names the JSON that s takes.
func expected(s *shape) string {
	switch s.kind {
	case kindBool:
		return "true or false"
	case kindString:
		return "a string"
	case kindInt, kindUint:
		return "an integer"
	case kindFloat:
		return "a number"
	case kindStruct, kindMap:
		return "an object"
	case kindSlice, kindArray:
		return "an array"
	}
	switch {
	case s.typ == timeType:
		return "a date and time like \"2006-01-02T15:04:05Z\" (RFC 3339)"
	case s.typ != nil && (s.typ.Kind() == reflect.Slice || s.typ.Kind() == reflect.Array) && s.typ.Elem().Kind() == reflect.Uint8:
		return "a base64 string"
	}
	return "" // a type of its own; json.Unmarshal says what is wrong
}

// kindName names a kind of JSON value for a message.
func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "true or false"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "something else"
}

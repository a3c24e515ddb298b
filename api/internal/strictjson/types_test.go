package strictjson

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"
)

// Types for the rules of embedding and recursion.
type (
	Base struct {
		ID   string `json:"id"`
		Kind string `json:"kind"`
	}
	Left  struct{ Same string }
	Right struct{ Same string }
	node  struct {
		Label    string  `json:"label"`
		Children []*node `json:"children"`
	}
	tricky struct {
		*Base                 // pointer embedding: id, kind
		Left                  // Same clashes with Right.Same at one depth:
		Right                 // neither is a member
		Kind   int            `json:"kind"` // shallower: hides Base.Kind
		Tree   node           `json:"tree"`
		Extras map[string]int `json:",embed"` // takes unknown names
	}
	plainEmbed struct {
		Base
		Name string `json:"name"`
	}
	clash struct {
		Left
		Right
	}
)

func TestDecodeTypes(t *testing.T) {
	tests := []struct {
		name, body string
		dst        any
		want       []FieldError // nil: accepted
	}{
		{"pointer embedding", `{"id":"a","kind":3}`, new(tricky), nil},
		{"shallow field wins", `{"kind":"x"}`, new(tricky), fields("kind", "must be an integer, not a string")},
		{"clashing names are out", `{"Same":"x"}`, new(tricky), fields("Same", "must be an integer, not a string")},
		{"clash without fallback", `{"Same":"x"}`, new(clash), fields("Same", "is not a known field")},
		{"fallback takes the rest", `{"other":1,"more":2}`, new(tricky), nil},
		{"fallback values are typed", `{"other":"x"}`, new(tricky), fields("other", "must be an integer, not a string")},
		{"fallback duplicates", `{"other":1,"other":2}`, new(tricky), fields("other", "appears more than once")},
		{"recursive type", `{"tree":{"label":"a","children":[{"label":"b","children":[{"lable":"c"}]}]}}`, new(tricky),
			fields("tree.children[0].children[0].lable", "is not a known field")},
		{"embedded struct", `{"id":"a","kind":"k","name":"n"}`, new(plainEmbed), nil},
		{"embedded struct unknown", `{"Base":{},"ID":"x"}`, new(plainEmbed), fields(
			"Base", "is not a known field",
			"ID", `is not a known field (did you mean "id"?)`,
		)},
		{"map destination", `{"a":1,"b":"x"}`, new(map[string]int), fields("b", "must be an integer, not a string")},
		{"pointer to pointer", `{"name":1}`, new(*plainEmbed), fields("name", "must be a string, not a number")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Decode([]byte(tt.body), tt.dst)
			var got []FieldError
			if err != nil {
				e, ok := errors.AsType[*Error](err)
				if !ok || e.Syntax {
					t.Fatalf("Decode(%s) = %v, want nil or field errors", tt.body, err)
				}
				got = e.Fields
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode(%s) fields (-want +got):\n%s", tt.body, diff)
			}
			v2 := json.Unmarshal([]byte(tt.body), reflect.New(reflect.TypeOf(tt.dst).Elem()).Interface(), json.RejectUnknownMembers(true))
			if (v2 == nil) != (tt.want == nil) {
				t.Errorf("json v2 says %v, Decode says %v", v2, err)
			}
		})
	}
}

// repeat joins n copies of format (given the index) with commas.
func repeat(n int, format string) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, format, i)
	}
	return b.String()
}

// TestDecodeCapsFields reads bodies of about 1 MB with 40,000 to 100,000
// problems: the answer lists 50 and counts the rest. (Each takes tens of
// milliseconds, because the walk is linear.)
func TestDecodeCapsFields(t *testing.T) {
	tests := []struct {
		name, body string
		last       FieldError // the 50th
		summary    string
	}{
		{"unknown names", "{" + repeat(100_000, `"f%05d":1`) + "}",
			FieldError{"f00049", "is not a known field"}, "and 99950 more problems"},
		{"duplicate names", `{"labels":{` + repeat(50_000, `"k%05[1]d":"v","k%05[1]d":"v"`) + "}}",
			FieldError{"labels.k00049", "appears more than once"}, "and 49950 more problems"},
		{"unknown names in an array", `{"languages":[` + repeat(40_000, `{"tag":"ti","x":%d}`) + "]}",
			FieldError{"languages[49].x", "is not a known field"}, "and 39950 more problems"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dst request
			err := Decode([]byte(tt.body), &dst)
			e, ok := errors.AsType[*Error](err)
			if !ok {
				t.Fatalf("Decode = %v, want an *Error", err)
			}
			if len(e.Fields) != maxFields+1 {
				t.Fatalf("Decode listed %d fields, want %d", len(e.Fields), maxFields+1)
			}
			if n := len(e.Error()); n > 2000 {
				t.Errorf("Error() is %d bytes long", n)
			}
			if diff := cmp.Diff(tt.last, e.Fields[maxFields-1]); diff != "" {
				t.Errorf("last listed field (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(FieldError{Message: tt.summary}, e.Fields[maxFields]); diff != "" {
				t.Errorf("summary (-want +got):\n%s", diff)
			}
		})
	}
}

package strictjson

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
)

type language struct {
	Tag         string `json:"tag"`
	Proficiency string `json:"proficiency"`
}

type experience struct {
	Years    int      `json:"years"`
	Settings []string `json:"settings"`
}

type clearance struct {
	Level   string     `json:"level"`
	Expires *time.Time `json:"expires"`
}

// audit is embedded: its members are the request's own.
type audit struct {
	Reason string `json:"reason"`
}

// request is shaped like the service's DTOs, with one field of every kind
// the walk treats differently.
type request struct {
	Name       string            `json:"name"`
	Role       string            `json:"role"`
	Gender     string            `json:"gender"`
	Languages  []language        `json:"languages"`
	Experience *experience       `json:"experience"`
	Clearance  clearance         `json:"clearance"`
	Rating     float32           `json:"rating"`
	Active     *bool             `json:"active"`
	Labels     map[string]string `json:"labels"`
	Raw        jsontext.Value    `json:"raw"`
	Meta       any               `json:"meta"`
	Available  time.Time         `json:"available"`
	Slots      [2]int            `json:"slots"`
	Level      uint8             `json:"level"`
	Count      int64             `json:"count,string"`
	Email      string            `json:"email,case:ignore"`
	Photo      []byte            `json:"photo"`
	Notes      string            `json:"-"`
	Untagged   string
	audit
}

func fields(fs ...string) []FieldError {
	var out []FieldError
	for i := 0; i < len(fs); i += 2 {
		out = append(out, FieldError{Field: fs[i], Message: fs[i+1]})
	}
	return out
}

func TestDecodeSyntax(t *testing.T) {
	tests := []struct {
		name, body string
		want       string
	}{
		{"empty", ``, MsgEmpty},
		{"whitespace", " \r\n\t ", MsgEmpty},
		{"array", `[{"name":"x"}]`, MsgNotObject},
		{"string", `"name"`, MsgNotObject},
		{"null", `null`, MsgNotObject},
		{"number", ` 42 `, MsgNotObject},
		{"broken array", `[1,`, "the body is not valid JSON: it ends too soon (at byte 3)"},
		{"truncated", `{"name":"x"`, "the body is not valid JSON: it ends too soon (at byte 11)"},
		{"trailing comma", `{"name":"x",}`, `the body is not valid JSON: invalid character '}' at start of string (expecting '"') (at byte 12)`},
		{"trailing comma in array", `{"languages":[1,]}`, `the body is not valid JSON: invalid character ']' at start of value (at byte 16)`},
		{"missing colon", `{"name" "x"}`, `the body is not valid JSON: invalid character '"' after object name (expecting ':') (at byte 8)`},
		{"bad literal", `{"active":tru}`, "the body is not valid JSON: invalid character '}' in literal true (expecting 'e') (at byte 13)"},
		{"single quotes", `{'name':'x'}`, `the body is not valid JSON: invalid character '\'' at start of string (expecting '"') (at byte 1)`},
		{"invalid UTF-8", "{\"name\":\"\xff\"}", "the body is not valid JSON: invalid UTF-8 (at byte 9)"},
		{"invalid UTF-8 in name", "{\"\xc3\":1}", "the body is not valid JSON: invalid UTF-8 (at byte 2)"},
		{"bad escape", `{"name":"\x"}`, "the body is not valid JSON: invalid escape sequence `\\x` in string (at byte 9)"},
		{"lone surrogate", `{"name":"\ud800"}`, "the body is not valid JSON: invalid surrogate pair `\\ud800\"}` in string (at byte 9)"},
		{"trailing object", `{"name":"x"} {}`, MsgTrailing},
		{"trailing junk", `{"name":"x"}x`, MsgTrailing},
		{"syntax beats fields", `{"nmae":"x","name":}`, "the body is not valid JSON: invalid character '}' at start of value (at byte 19)"},
		{"syntax beats not an object", `[1,}`, "the body is not valid JSON: invalid character '}' at start of value (at byte 3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dst request
			err := Decode([]byte(tt.body), &dst)
			e, ok := errors.AsType[*Error](err)
			if !ok {
				t.Fatalf("Decode(%q) = %v, want an *Error", tt.body, err)
			}
			if !e.Syntax || len(e.Fields) != 0 {
				t.Errorf("Decode(%q) = %+v, want a syntax error and no fields", tt.body, e)
			}
			if e.Message != tt.want {
				t.Errorf("Decode(%q) message = %q, want %q", tt.body, e.Message, tt.want)
			}
		})
	}
}

func TestDecodeFields(t *testing.T) {
	tests := []struct {
		name, body string
		want       []FieldError
	}{
		{"unknown names at every depth", `{"nmae":"x","languages":[{"tag":"ti","prof":"native"}],"extra":1}`, fields(
			"nmae", "is not a known field",
			"languages[0].prof", "is not a known field",
			"extra", "is not a known field",
		)},
		{"unknown in nested objects", `{"experience":{"yrs":3},"clearance":{"lvl":"x","level":"SC"},"languages":[{"tag":"a"},{"tag":"b","x":{"y":1}}]}`, fields(
			"experience.yrs", "is not a known field",
			"clearance.lvl", "is not a known field",
			"languages[1].x", "is not a known field",
		)},
		{"wrong case", `{"ROLE":"admin","Name":"x","Reason":"r","untagged":"u"}`, fields(
			"ROLE", `is not a known field (did you mean "role"?)`,
			"Name", `is not a known field (did you mean "name"?)`,
			"Reason", `is not a known field (did you mean "reason"?)`,
			"untagged", `is not a known field (did you mean "Untagged"?)`,
		)},
		{"wrong separators", `{"lang-uages":[],"clearance":{"LEVEL":"x"}}`, fields(
			"lang-uages", `is not a known field (did you mean "languages"?)`,
			"clearance.LEVEL", `is not a known field (did you mean "level"?)`,
		)},
		{"ignored field", `{"notes":"x","Notes":"y"}`, fields(
			"notes", "is not a known field",
			"Notes", "is not a known field",
		)},
		{"duplicate", `{"gender":"female","gender":"male"}`, fields("gender", "appears more than once")},
		{"duplicates at every depth", `{"languages":[{"tag":"a","tag":"b"}],"labels":{"k":"1","k":"2"},"meta":{"a":[{"b":1,"b":2}]},"raw":{"x":1,"x":2},"clearance":{"level":"a","level":"b"},"name":"a","name":"b","name":"c"}`, fields(
			"languages[0].tag", "appears more than once",
			"labels.k", "appears more than once",
			"meta.a[0].b", "appears more than once",
			"raw.x", "appears more than once",
			"clearance.level", "appears more than once",
			"name", "appears more than once",
		)},
		{"duplicate by escape", `{"name":"a","n\u0061me":"b"}`, fields("name", "appears more than once")},
		{"duplicate by case:ignore", `{"email":"a","EMAIL":"b"}`, fields("EMAIL", "appears more than once")},
		{"duplicate unknown", `{"x":1,"x":2}`, fields("x", "is not a known field", "x", "appears more than once")},
		{"unknown and duplicate together", `{"nmae":"x","gender":"f","gender":"m","languages":[{"prof":1}]}`, fields(
			"nmae", "is not a known field",
			"gender", "appears more than once",
			"languages[0].prof", "is not a known field",
		)},
		{"integer from string", `{"experience":{"years":"nine"}}`, fields("experience.years", "must be an integer, not a string")},
		{"array from object", `{"languages":{}}`, fields("languages", "must be an array, not an object")},
		{"object from array", `{"clearance":[]}`, fields("clearance", "must be an object, not an array")},
		{"string from number", `{"name":1}`, fields("name", "must be a string, not a number")},
		{"string from bool", `{"name":true}`, fields("name", "must be a string, not true or false")},
		{"bool from string", `{"active":"yes"}`, fields("active", "must be true or false, not a string")},
		{"number from string", `{"rating":"4.5"}`, fields("rating", "must be a number, not a string")},
		{"map from string", `{"labels":"x"}`, fields("labels", "must be an object, not a string")},
		{"element of wrong type", `{"experience":{"settings":["court",3]}}`, fields("experience.settings[1]", "must be a string, not a number")},
		{"integer too big", `{"experience":{"years":1e30}}`, fields("experience.years", "must be an integer within range")},
		{"integer digits too big", `{"experience":{"years":99999999999999999999}}`, fields("experience.years", "must be an integer within range")},
		{"uint8 too big", `{"level":256}`, fields("level", "must be an integer within range")},
		{"uint8 negative", `{"level":-1}`, fields("level", "must be an integer within range")},
		{"integer fraction", `{"experience":{"years":1.5}}`, fields("experience.years", "must be an integer, not a fraction")},
		{"integer exponent", `{"experience":{"years":1e1}}`, fields("experience.years", "must be an integer written without a fraction or exponent")},
		{"float32 too big", `{"rating":1e39}`, fields("rating", "must be a number within range")},
		{"fixed array too long", `{"slots":[1,2,3]}`, fields("slots", "must be an array of exactly 2 items")},
		{"fixed array too short", `{"slots":[1]}`, fields("slots", "must be an array of exactly 2 items")},
		{"many type errors at once", `{"name":1,"experience":{"years":"x","settings":{}},"languages":[{"tag":2}],"active":0}`, fields(
			"name", "must be a string, not a number",
			"experience.years", "must be an integer, not a string",
			"experience.settings", "must be an array, not an object",
			"languages[0].tag", "must be a string, not a number",
			"active", "must be true or false, not a number",
		)},
		{"types and names together", `{"name":1,"nmae":"x"}`, fields(
			"name", "must be a string, not a number",
			"nmae", "is not a known field",
		)},
		// json.Unmarshal finds what the walk leaves to it.
		{"bad time", `{"available":"tomorrow"}`, fields("available", `must be a date and time like "2006-01-02T15:04:05Z" (RFC 3339)`)},
		{"time from number", `{"available":5}`, fields("available", `must be a date and time like "2006-01-02T15:04:05Z" (RFC 3339), not a number`)},
		{"bad time in pointer", `{"clearance":{"expires":"2026-13-01T00:00:00Z"}}`, fields("clearance.expires", `must be a date and time like "2006-01-02T15:04:05Z" (RFC 3339)`)},
		{"bad base64", `{"photo":"!!"}`, fields("photo", "must be a base64 string")},
		{"bad string number", `{"count":"ten"}`, fields("count", `must be an integer in a string, like "12"`)},
		{"plain number for string option", `{"count":10}`, fields("count", "must be an integer in a string, not a number")},
		{"names and a bad time", `{"nmae":1,"available":"x"}`, fields(
			"nmae", "is not a known field",
			"available", `must be a date and time like "2006-01-02T15:04:05Z" (RFC 3339)`,
		)},
		{"odd names are quoted", `{"a b":1,"labels":{"k":1},"x.y":{"0":1}}`, fields(
			`["a b"]`, "is not a known field",
			"labels.k", "must be a string, not a number",
			`["x.y"]`, "is not a known field",
		)},
		{"long names are cut", `{"` + strings.Repeat("é", 40) + `!":1}`, fields(
			`["`+strings.Repeat("é", 32)+`…"]`, "is not a known field",
		)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dst request
			err := Decode([]byte(tt.body), &dst)
			e, ok := errors.AsType[*Error](err)
			if !ok {
				t.Fatalf("Decode(%s) = %v, want an *Error", tt.body, err)
			}
			if e.Syntax || e.Message != MsgFields {
				t.Errorf("Decode(%s) = syntax %v, message %q; want a field error", tt.body, e.Syntax, e.Message)
			}
			if diff := cmp.Diff(tt.want, e.Fields); diff != "" {
				t.Errorf("Decode(%s) fields (-want +got):\n%s", tt.body, diff)
			}
		})
	}
}

func TestDecodeAccepts(t *testing.T) {
	expires := time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)
	active := true
	body := `{
		"name": "Abeba", "role": "interpreter", "gender": null,
		"languages": [{"tag": "ti", "proficiency": "native"}, {"tag": "am", "proficiency": "fluent"}],
		"experience": {"years": 9, "settings": ["court", "health"]},
		"clearance": {"level": "SC", "expires": "2027-01-02T00:00:00Z"},
		"rating": 4.5, "active": true, "labels": {"x.y": "z"},
		"raw": {"anything": [1, {"goes": null}]}, "meta": [1, "two"],
		"available": "2026-01-02T15:04:05Z", "slots": [1, 2], "level": 255,
		"count": "12", "EMAIL": "a@example.org", "photo": "aGk=",
		"Untagged": "u", "reason": "new"
	}`
	var got request
	if err := Decode([]byte(body), &got); err != nil {
		t.Fatalf("Decode = %v", err)
	}
	want := request{
		Name: "Abeba", Role: "interpreter",
		Languages:  []language{{"ti", "native"}, {"am", "fluent"}},
		Experience: &experience{Years: 9, Settings: []string{"court", "health"}},
		Clearance:  clearance{Level: "SC", Expires: &expires},
		Rating:     4.5, Active: &active, Labels: map[string]string{"x.y": "z"},
		Raw:       jsontext.Value(`{"anything": [1, {"goes": null}]}`),
		Meta:      []any{1.0, "two"},
		Available: time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC),
		Slots:     [2]int{1, 2}, Level: 255, Count: 12, Email: "a@example.org", Photo: []byte("hi"),
		Untagged: "u", audit: audit{Reason: "new"},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(request{})); diff != "" {
		t.Errorf("Decode (-want +got):\n%s", diff)
	}
}

// TestDecodeBugs checks that faults of the destination are plain errors,
// for a 500, not an *Error that blames the client.
func TestDecodeBugs(t *testing.T) {
	var dst request
	var noFormat struct {
		Wait time.Duration `json:"wait"`
	}
	for _, d := range []any{dst, (*request)(nil), nil, &noFormat} {
		err := Decode([]byte(`{"wait":"1s"}`), d)
		if _, ok := errors.AsType[*Error](err); err == nil || ok {
			t.Errorf("Decode(%T) = %v, want a plain error", d, err)
		}
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{Message: MsgFields, Fields: fields("name", "is not a known field", "", "and 2 more problems")}
	want := "the body has invalid fields: name is not a known field; and 2 more problems"
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

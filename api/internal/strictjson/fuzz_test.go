package strictjson

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"
)

// FuzzDecode checks that Decode never panics, returns nil or an *Error, and
// agrees with json v2 itself: it takes exactly the objects that
// json.Unmarshal with RejectUnknownMembers takes, and fills dst the same.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		``, ` `, `{}`, `[]`, `null`, `"x"`, `{"name":"x"}`, `{"name":"x"} x`, `{"name":"x"`,
		`{"nmae":"x","languages":[{"tag":"ti","prof":"native"}],"extra":1}`,
		`{"ROLE":"a","Name":"b","email":"c","EMAIL":"d","Email":"e"}`,
		`{"gender":"female","gender":"male"}`, `{"name":"a","n\u0061me":"b"}`,
		`{"experience":{"years":"nine","settings":{}},"languages":{}}`,
		`{"experience":{"years":1e30}}`, `{"experience":{"years":-0}}`, `{"experience":{"years":1.0}}`,
		`{"level":255}`, `{"level":-0}`, `{"rating":1e39}`, `{"rating":-1e-50}`, `{"slots":[1,2,3]}`, `{"slots":[1,2]}`,
		`{"count":"12"}`, `{"count":12}`, `{"photo":"aGk="}`, `{"photo":[1]}`,
		`{"available":"2026-01-02T15:04:05Z","clearance":{"expires":"x"}}`,
		`{"labels":{"a":"b","a":"c"},"meta":{"x":[{"y":1,"y":2}]},"raw":{"z":1,"z":2}}`,
		`{"Untagged":"u","reason":"r","audit":{},"Notes":"n","notes":"n"}`,
		"{\"name\":\"\xff\"}", `{"a b":1,"x.y":{"0":[]}}`, `{"meta":[[[[{}]]]],"active":null}`,
		`{"id":"a","kind":3,"Same":"x","other":1,"tree":{"label":"a","children":[{"label":"b","children":null}]}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		agree[request](t, body)
		agree[tricky](t, body)
	})
}

// agree checks Decode into a T against json v2.
func agree[T any](t *testing.T, body []byte) {
	t.Helper()
	var got, want T
	err := Decode(body, &got)
	v2 := json.Unmarshal(body, &want, json.RejectUnknownMembers(true))
	if err == nil {
		if v2 != nil {
			t.Fatalf("Decode(%q) into %T = nil, but json v2 says %v", body, got, v2)
		}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(request{})); diff != "" {
			t.Fatalf("Decode(%q) into %T differs from json v2 (-v2 +Decode):\n%s", body, got, diff)
		}
		return
	}
	e, isError := errors.AsType[*Error](err)
	if !isError {
		t.Fatalf("Decode(%q) into %T = %v (%T), want nil or an *Error", body, got, err, err)
	}
	if v2 == nil && !(e.Syntax && e.Message == MsgNotObject) {
		t.Fatalf("Decode(%q) into %T = %v, but json v2 takes it", body, got, err)
	}
	if e.Syntax == (len(e.Fields) > 0) || len(e.Fields) > maxFields+1 {
		t.Fatalf("Decode(%q) into %T = %+v: want either Syntax or up to %d fields", body, got, e, maxFields+1)
	}
}

// body2K is a typical request of about 2 KB.
var body2K = func() []byte {
	var b strings.Builder
	b.WriteString(`{"name":"Abeba Tesfaye","role":"interpreter","gender":"female",`)
	b.WriteString(`"experience":{"years":9,"settings":["court","health","police","immigration"]},`)
	b.WriteString(`"clearance":{"level":"SC","expires":"2027-01-02T00:00:00Z"},"rating":4.5,"active":true,`)
	b.WriteString(`"available":"2026-01-02T15:04:05Z","slots":[1,2],"level":3,"reason":"registration",`)
	b.WriteString(`"labels":{"region":"north-west","travel":"car","notes":"prefers mornings"},"languages":[`)
	for i := range 16 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"tag":"ti-%02d","proficiency":"native speaker with community interpreting qualification"}`, i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}()

func BenchmarkDecode(b *testing.B) {
	b.SetBytes(int64(len(body2K)))
	for b.Loop() {
		var r request
		if err := Decode(body2K, &r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnmarshal is json.Unmarshal alone, for comparison.
func BenchmarkUnmarshal(b *testing.B) {
	b.SetBytes(int64(len(body2K)))
	for b.Loop() {
		var r request
		if err := json.Unmarshal(body2K, &r, json.RejectUnknownMembers(true)); err != nil {
			b.Fatal(err)
		}
	}
}

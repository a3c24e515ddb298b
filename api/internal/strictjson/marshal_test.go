package strictjson

import (
	"testing"
	"time"
)

func TestMarshal(t *testing.T) {
	type item struct {
		Text  string         `json:"text"`
		Tags  []string       `json:"tags"`
		Index map[string]int `json:"index"`
		When  time.Time      `json:"when,omitzero"`
		Ptr   *int           `json:"ptr"`
	}
	got, err := Marshal(item{Text: "<b>&\xff", Index: map[string]int{"z": 1, "a": 2, "m": 3}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"text":"<b>&` + "\ufffd" + `","tags":[],"index":{"a":2,"m":3,"z":1},"ptr":null}`
	if string(got) != want {
		t.Errorf("Marshal = %s, want %s", got, want)
	}
}

// TestOmitFindings pins down json v2's omitempty and omitzero, which differ
// from v1's omitempty, for whoever sets DTO tags.
func TestOmitFindings(t *testing.T) {
	type in struct {
		X int `json:"x"`
	}
	type omit struct {
		StrE  string         `json:"strE,omitempty"`  // "" omitted
		StrZ  string         `json:"strZ,omitzero"`   // "" omitted
		IntE  int            `json:"intE,omitempty"`  // 0 KEPT: a number is never empty
		IntZ  int            `json:"intZ,omitzero"`   // 0 omitted
		BoolE bool           `json:"boolE,omitempty"` // false KEPT
		BoolZ bool           `json:"boolZ,omitzero"`  // false omitted
		PtrE  *string        `json:"ptrE,omitempty"`  // pointer to "" omitted too (it encodes as "")
		PtrZ  *string        `json:"ptrZ,omitzero"`   // pointer to "" kept; only nil omitted
		NilE  []int          `json:"nilE,omitempty"`  // nil omitted
		NilZ  []int          `json:"nilZ,omitzero"`   // nil omitted
		EmpE  []int          `json:"empE,omitempty"`  // [] omitted
		EmpZ  []int          `json:"empZ,omitzero"`   // [] KEPT: only nil is zero
		MapE  map[string]int `json:"mapE,omitempty"`  // {} omitted
		MapZ  map[string]int `json:"mapZ,omitzero"`   // {} KEPT
		TimeE time.Time      `json:"timeE,omitempty"` // zero time KEPT as "0001-01-01T00:00:00Z"
		TimeZ time.Time      `json:"timeZ,omitzero"`  // zero time omitted (IsZero)
		StE   in             `json:"stE,omitempty"`   // zero struct KEPT as {"x":0}
		StZ   in             `json:"stZ,omitzero"`    // zero struct omitted
	}
	empty := ""
	got, err := Marshal(omit{PtrE: &empty, PtrZ: &empty, EmpE: []int{}, EmpZ: []int{}, MapE: map[string]int{}, MapZ: map[string]int{}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"intE":0,"boolE":false,"ptrZ":"","empZ":[],"mapZ":{},"timeE":"0001-01-01T00:00:00Z","stE":{"x":0}}`
	if string(got) != want {
		t.Errorf("Marshal = %s\nwant      %s", got, want)
	}
}

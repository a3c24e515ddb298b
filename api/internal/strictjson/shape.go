package strictjson

import (
	"cmp"
	"encoding"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// kind is what JSON a shape expects.
type kind uint8

const (
	kindAny    kind = iota // anything: checks are left to json.Unmarshal
	kindBool               // true or false
	kindString             // a string
	kindInt                // an integer that fits typ
	kindUint               // a non-negative integer that fits typ
	kindFloat              // a number that fits typ
	kindStruct             // an object whose names are fields
	kindMap                // an object with any names
	kindSlice              // an array
	kindArray              // an array of exactly typ.Len() elements
)

// shape is what the walk needs to know of a Go type: the JSON it takes
// and, for containers, the shapes inside. json v2 reads JSON null into any
// type, so null fits every shape.
type shape struct {
	kind kind
	typ  reflect.Type // the Go type (pointers removed); for sizes and messages
	elem *shape       // map values, slice and array elements

	// Structs only.
	fields   map[string]*field   // by exact JSON name
	folded   map[string][]*field // by foldName, in breadth-first order
	fallback *shape              // members an embedded map or jsontext.Value takes; nil if none
	lenient  bool                // some names could not be worked out: accept any
}

// field is one JSON member of a struct.
type field struct {
	name       string
	shape      *shape
	ignoreCase bool // `case:ignore`: matched by foldName as well
}

// anyShape accepts any JSON value.
var anyShape = &shape{kind: kindAny}

// lookup finds the field a member name selects, as json v2 does: the exact
// name first, then a `case:ignore` field whose folded name matches.
// hint is the name of a field that matches but for case, dashes and
// underscores, for an error message.
func (s *shape) lookup(name string) (f *field, hint string) {
	if f := s.fields[name]; f != nil {
		return f, ""
	}
	candidates := s.folded[foldName(name)]
	for _, c := range candidates {
		if c.ignoreCase {
			return c, ""
		}
	}
	if len(candidates) > 0 {
		return nil, candidates[0].name
	}
	return nil, ""
}

// foldName is json v2's folding for case-insensitive names: Unicode simple
// case folding, ignoring dashes and underscores.
func foldName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r == '-' || r == '_' {
			continue
		}
		for {
			r2 := unicode.SimpleFold(r)
			if r2 <= r {
				r = r2
				break
			}
			r = r2
		}
		b.WriteRune(r)
	}
	return b.String()
}

var (
	shapes  sync.Map   // reflect.Type → *shape
	buildMu sync.Mutex // one builder at a time, so recursive types are built once
)

// shapeOf returns the shape of t, building and caching it on first use.
func shapeOf(t reflect.Type) *shape {
	if s, ok := shapes.Load(t); ok {
		return s.(*shape)
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	b := builder{building: map[reflect.Type]*shape{}}
	s := b.shape(t)
	for t, s := range b.building {
		shapes.Store(t, s)
	}
	shapes.Store(t, s) // t itself, when a pointer
	return s
}

var (
	timeType         = reflect.TypeFor[time.Time]()
	durationType     = reflect.TypeFor[time.Duration]()
	valueType        = reflect.TypeFor[jsontext.Value]()
	unmarshalerTypes = []reflect.Type{
		reflect.TypeFor[json.Unmarshaler](),
		reflect.TypeFor[json.UnmarshalerFrom](),
		reflect.TypeFor[encoding.TextUnmarshaler](),
	}
)

// custom reports whether json v2 reads t in a way of its own (methods,
// time.Time, jsontext.Value; time.Duration, which it refuses without a
// `format` option), which the walk leaves to json.Unmarshal.
func custom(t reflect.Type) bool {
	if t == timeType || t == durationType || t == valueType {
		return true
	}
	for _, u := range unmarshalerTypes {
		if t.Implements(u) || reflect.PointerTo(t).Implements(u) {
			return true
		}
	}
	return false
}

// builder makes the shapes of a type and of the types inside it.
type builder struct {
	building map[reflect.Type]*shape
}

// shape returns the shape of t, cached or new.
func (b *builder) shape(t reflect.Type) *shape {
	for range 8 { // json v2 follows pointers; a deeper chain is left to it
		if t.Kind() != reflect.Pointer {
			break
		}
		t = t.Elem()
	}
	if s, ok := shapes.Load(t); ok {
		return s.(*shape)
	}
	if s, ok := b.building[t]; ok {
		return s
	}
	s := &shape{typ: t}
	b.building[t] = s // before recursing, for recursive types
	if custom(t) {
		return s // kindAny
	}
	switch t.Kind() {
	case reflect.Bool:
		s.kind = kindBool
	case reflect.String:
		s.kind = kindString
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s.kind = kindInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		s.kind = kindUint
	case reflect.Float32, reflect.Float64:
		s.kind = kindFloat
	case reflect.Map:
		s.kind, s.elem = kindMap, b.shape(t.Elem())
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			break // bytes are base64 text: kindAny
		}
		s.kind, s.elem = kindSlice, b.shape(t.Elem())
		if t.Kind() == reflect.Array {
			s.kind = kindArray
		}
	case reflect.Struct:
		s.kind = kindStruct
		b.structFields(s, t)
	}
	return s
}

// candidate is a field on the way to the struct's list of JSON members.
type candidate struct {
	field
	seq    int  // place in breadth-first order
	depth  int  // how deep in embedded structs
	tagged bool // named by its tag
}

// structFields lists the JSON members of struct type t the way json v2's
// makeStructFields does: a breadth-first search through embedded structs,
// where the shallowest (or only tagged) field of a name wins and a tie
// leaves the name out.
func (b *builder) structFields(s *shape, root reflect.Type) {
	type entry struct {
		t     reflect.Type
		depth int
		visit bool
	}
	queue := []entry{{root, 0, true}}
	seen := map[reflect.Type]bool{root: true}
	var all, fallbacks []candidate
	for i := 0; i < len(queue); i++ {
		e := queue[i]
		for sf := range e.t.Fields() {
			tag, _ := sf.Tag.Lookup("json")
			if tag == "-" || (!sf.IsExported() && !sf.Anonymous) {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if strings.ContainsAny(name, "\\'\"`") || strings.Contains(opts, "'") ||
				hasOption(opts, "inline") || hasOption(opts, "unknown") {
				// Quoted names, or options of other versions of json v2
				// (encoding/json/v2 in Go 1.25 and 1.26 under
				// GOEXPERIMENT=jsonv2): leave the names to json.Unmarshal.
				s.lenient = true
				continue
			}
			c := candidate{seq: len(all) + len(fallbacks), depth: e.depth, tagged: name != ""}
			c.name = cmp.Or(name, sf.Name)
			if hasOption(opts, "embed") || (sf.Anonymous && name == "") {
				t := sf.Type
				if t.Kind() == reflect.Pointer && t.Name() == "" {
					t = t.Elem()
				}
				switch {
				case t.Kind() == reflect.Struct && !custom(t):
					if e.visit {
						queue = append(queue, entry{t, e.depth + 1, !seen[t]})
					}
					seen[t] = true
				case !sf.IsExported():
				case t == valueType:
					c.shape = anyShape
					fallbacks = append(fallbacks, c)
				case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
					c.shape = b.shape(t.Elem())
					fallbacks = append(fallbacks, c)
				default:
					s.lenient = true // json v2 refuses the type; it will say so
				}
				continue
			}
			if !sf.IsExported() {
				continue
			}
			c.shape = b.shape(sf.Type)
			if hasOption(opts, "string") || strings.Contains(opts, "format:") {
				c.shape = anyShape
			}
			c.ignoreCase = hasOption(opts, "case:ignore")
			all = append(all, c)
		}
	}

	slices.SortStableFunc(all, func(x, y candidate) int {
		return cmp.Or(strings.Compare(x.name, y.name), cmp.Compare(x.depth, y.depth), compareBool(!x.tagged, !y.tagged))
	})
	s.fields = map[string]*field{}
	s.folded = map[string][]*field{}
	var kept []candidate
	for len(all) > 0 {
		n := 1
		for n < len(all) && all[n].name == all[0].name {
			n++
		}
		if n == 1 || all[0].depth != all[1].depth || all[0].tagged != all[1].tagged {
			kept = append(kept, all[0])
		}
		all = all[n:]
	}
	slices.SortFunc(kept, func(x, y candidate) int { return cmp.Compare(x.seq, y.seq) })
	for _, c := range kept {
		f := &c.field
		s.fields[f.name] = f
		s.folded[foldName(f.name)] = append(s.folded[foldName(f.name)], f)
	}
	if len(fallbacks) == 1 || (len(fallbacks) > 1 && fallbacks[0].depth != fallbacks[1].depth) {
		s.fallback = fallbacks[0].shape
	}
}

// hasOption reports whether the comma-separated tag options hold want.
func hasOption(opts, want string) bool {
	for opt := range strings.SplitSeq(opts, ",") {
		if opt == want {
			return true
		}
	}
	return false
}

// compareBool orders false before true.
func compareBool(x, y bool) int {
	switch {
	case x == y:
		return 0
	case !x:
		return -1
	}
	return 1
}

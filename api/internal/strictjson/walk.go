package strictjson

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

const (
	// maxFields is how many field errors an Error lists; the rest are
	// counted in one last entry.
	maxFields = 50
	// maxName is how many bytes of a member name a path shows.
	maxName = 64
)

// walker reads a body token by token alongside the shape of the Go type
// it is for, noting every unknown, duplicated or mistyped member. It never
// stores values: json.Unmarshal does that once the walk finds no problem.
type walker struct {
	dec    *jsontext.Decoder
	path   []byte // JSON path of the value being read
	fields []FieldError
	more   int // problems found beyond maxFields
}

// report notes a problem with the value at the current path.
func (w *walker) report(msg string) {
	if len(w.fields) == maxFields {
		w.more++
		return
	}
	w.fields = append(w.fields, FieldError{Field: string(w.path), Message: msg})
}

// value reads one JSON value that should fit s. Its error is the
// decoder's: the body is not valid JSON.
func (w *walker) value(s *shape) error {
	switch k := w.dec.PeekKind(); k {
	case 0: // the decoder has an error to tell
		_, err := w.dec.ReadToken()
		return cmp.Or(err, io.ErrUnexpectedEOF)
	case '{':
		if s.kind != kindStruct && s.kind != kindMap && s.kind != kindAny {
			w.report(mismatch(s, k))
			s = anyShape // still read it for duplicates and syntax
		}
		return w.object(s)
	case '[':
		if s.kind != kindSlice && s.kind != kindArray && s.kind != kindAny {
			w.report(mismatch(s, k))
			s = anyShape
		}
		return w.array(s)
	default:
		v, err := w.dec.ReadValue()
		if err != nil {
			return err
		}
		if msg := scalarMessage(s, v); msg != "" {
			w.report(msg)
		}
		return nil
	}
}

func (w *walker) object(s *shape) error {
	if _, err := w.dec.ReadToken(); err != nil {
		return err
	}
	mark := len(w.path)
	var seen, dups nameSet // names read; names reported as duplicates
	for w.dec.PeekKind() != '}' {
		raw, err := w.dec.ReadValue()
		if err != nil {
			return err
		}
		// Most names are known fields written plainly: find those without
		// making a string of them.
		var name string
		if f := s.fields[string(plainString(raw))]; f != nil {
			name = f.name
		} else if name, err = unquote(raw); err != nil {
			return err
		}
		w.path = appendName(w.path[:mark], name)
		child, key := anyShape, name
		var unknown string
		switch s.kind {
		case kindStruct:
			f, hint := s.lookup(name)
			switch {
			case f != nil:
				// json v2 counts duplicates by field, so "Name" and
				// "name" both clash for a `case:ignore` field.
				child, key = f.shape, f.name
			case s.lenient:
			case s.fallback != nil:
				child = s.fallback
			case hint != "":
				unknown = fmt.Sprintf("is not a known field (did you mean %q?)", hint)
			default:
				unknown = "is not a known field"
			}
		case kindMap:
			child = s.elem
		}
		switch {
		case !seen.add(key):
			if dups.add(key) {
				w.report("appears more than once")
			}
			child = anyShape
		case unknown != "":
			w.report(unknown)
		}
		if err := w.value(child); err != nil {
			return err
		}
	}
	w.path = w.path[:mark]
	_, err := w.dec.ReadToken()
	return err
}

func (w *walker) array(s *shape) error {
	if _, err := w.dec.ReadToken(); err != nil {
		return err
	}
	elem := anyShape
	if s.elem != nil {
		elem = s.elem
	}
	mark := len(w.path)
	n := 0
	for w.dec.PeekKind() != ']' {
		w.path = appendIndex(w.path[:mark], n)
		if err := w.value(elem); err != nil {
			return err
		}
		n++
	}
	w.path = w.path[:mark]
	if _, err := w.dec.ReadToken(); err != nil {
		return err
	}
	if s.kind == kindArray && n != s.typ.Len() {
		w.report(arrayLenMessage(s.typ))
	}
	return nil
}

// nameSet holds the names seen in one object. It stays a short list for the
// small objects of most bodies and becomes a map for big ones, so a body of
// many members is read in linear time.
type nameSet struct {
	list [16]string
	n    int // names in list
	set  map[string]struct{}
}

// add adds name and reports whether it was new.
func (n *nameSet) add(name string) bool {
	if n.set == nil {
		if slices.Contains(n.list[:n.n], name) {
			return false
		}
		if n.n < len(n.list) {
			n.list[n.n] = name
			n.n++
			return true
		}
		n.set = make(map[string]struct{}, 2*n.n)
		for _, s := range n.list {
			n.set[s] = struct{}{}
		}
	}
	if _, ok := n.set[name]; ok {
		return false
	}
	n.set[name] = struct{}{}
	return true
}

// plainString returns the text of a JSON string without escapes, or nil.
func plainString(raw jsontext.Value) []byte {
	if len(raw) < 2 || slices.Contains(raw, '\\') {
		return nil
	}
	return raw[1 : len(raw)-1]
}

// unquote turns a JSON string, as read, into its text.
func unquote(raw jsontext.Value) (string, error) {
	if b := plainString(raw); b != nil {
		return string(b), nil
	}
	b, err := jsontext.AppendUnquote(nil, raw)
	return string(b), err
}

// plainName reports whether a member name can stand in a path unquoted.
func plainName(name string) bool {
	if name == "" || len(name) > maxName || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-' {
			return false
		}
	}
	return true
}

// appendName appends the member name to a JSON path: after a dot when it
// is a plain word, else quoted in brackets (and cut short when long).
func appendName(path []byte, name string) []byte {
	if plainName(name) {
		if len(path) > 0 {
			path = append(path, '.')
		}
		return append(path, name...)
	}
	if len(name) > maxName {
		i := maxName
		for i > 0 && !utf8.RuneStart(name[i]) {
			i--
		}
		name = name[:i] + "…"
	}
	path = append(path, '[')
	path = strconv.AppendQuote(path, name)
	return append(path, ']')
}

// appendIndex appends an array index to a JSON path.
func appendIndex(path []byte, i int) []byte {
	path = append(path, '[')
	path = strconv.AppendInt(path, int64(i), 10)
	return append(path, ']')
}

// pathOf turns a JSON Pointer into a JSON path. A Pointer does not say
// whether "0" is an index or a name; the shape of the Go type does,
// and where it cannot (in a value of type any) digits are taken for an index.
func pathOf(ptr jsontext.Pointer, s *shape) string {
	var path []byte
	for tok := range ptr.Tokens() {
		n, err := strconv.Atoi(tok)
		isIndex := err == nil && n >= 0 && strconv.Itoa(n) == tok
		switch {
		case isIndex && (s.kind == kindSlice || s.kind == kindArray):
			path, s = appendIndex(path, n), s.elem
		case isIndex && s.kind == kindAny:
			path = appendIndex(path, n)
		default:
			path = appendName(path, tok)
			switch s.kind {
			case kindStruct:
				if f, _ := s.lookup(tok); f != nil {
					s = f.shape
				} else if s.fallback != nil {
					s = s.fallback
				} else {
					s = anyShape
				}
			case kindMap:
				s = s.elem
			default:
				s = anyShape
			}
		}
	}
	return string(path)
}

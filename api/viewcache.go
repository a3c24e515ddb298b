package api

import (
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/tolk/tolk/api/internal/strictjson"
	"github.com/tolk/tolk/app"
)

// reducedViews keeps the encoded reduced view of each interpreter a match
// has shown, by ID, with the version and update time it was encoded
// from. A match answers twenty candidates' records, the same few hundred
// speakers' from one search to the next, and encoding them was a seventh
// of the service's CPU under load; a record's every change moves its
// version (the stores' contract), so a kept encoding is used only for the
// very version it was made from. Only reduced views are kept: never a
// record's full view, which only coordinators see, one at a time.
type reducedViews struct {
	mu      sync.Mutex
	entries map[string]reducedView
}

// reducedView is one kept encoding.
type reducedView struct {
	version int64
	updated time.Time
	json    jsontext.Value
}

// maxReducedViews bounds the kept encodings (about a kilobyte each): a
// register's whole set of interpreters; past it they are dropped and
// refill from what is shown.
const maxReducedViews = 50_000

// encode returns the JSON of in's view, kept when in is a reduced record.
func (r *reducedViews) encode(in app.Interpreter) (jsontext.Value, error) {
	if in.Full {
		return strictjson.Marshal(toInterpreterView(in))
	}
	r.mu.Lock()
	e, ok := r.entries[in.ID]
	r.mu.Unlock()
	if ok && e.version == in.Version && e.updated.Equal(in.UpdatedAt) {
		return e.json, nil
	}
	b, err := strictjson.Marshal(toInterpreterView(in))
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if r.entries == nil || len(r.entries) >= maxReducedViews {
		r.entries = map[string]reducedView{}
	}
	r.entries[in.ID] = reducedView{version: in.Version, updated: in.UpdatedAt, json: b}
	r.mu.Unlock()
	return b, nil
}

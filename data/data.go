// Package data is tolk's data model: the records the service keeps (users,
// audit entries, interpreters), their invariants, the sentinel errors every
// backend returns, and the Store contract that the embedded (bbolt) and
// MongoDB backends both implement.
//
// Types here carry no serialisation tags: JSON shapes live in package api,
// BSON documents in data/mongodb, bolt records in data/bolt.
package data

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Sentinel errors. Backends wrap or return them so callers can test with
// errors.Is; the api package maps each to one HTTP status.
var (
	// ErrNotFound means no record has the requested ID or key.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate means a record with the same ID or unique key already exists.
	ErrDuplicate = errors.New("duplicate")
	// ErrConflict means a write lost to other writers of the same record
	// more often than the store retries (see Update), or an update found
	// the record moved in a way its rule cannot apply to.
	ErrConflict = errors.New("version conflict")
	// ErrInvalid means a record breaks an invariant; the concrete error is a
	// *ValidationError naming the fields.
	ErrInvalid = errors.New("invalid")
	// ErrTransition means a state change is not allowed from the current state.
	ErrTransition = errors.New("transition not allowed")
	// ErrOverlap means a booking would overlap a confirmed booking of the same
	// interpreter; the concrete error is an *OverlapError naming it.
	ErrOverlap = errors.New("booking overlaps another")
	// ErrClosed means the store was closed; no call succeeds after Close.
	ErrClosed = errors.New("store closed")
	// ErrUnavailable means the store's server could not be reached, or went
	// away during the call: a write may or may not have taken effect. The
	// store stays open, and calls succeed again once the server is back.
	ErrUnavailable = errors.New("store unavailable")
)

// FieldError names one field of a record and what is wrong with it. Field is
// a path in the record's vocabulary, e.g. "languages[0].tag".
type FieldError struct {
	Field   string
	Message string
}

// ValidationError lists the fields that break an invariant: at most
// MaxFieldErrors of them, with More counting the rest. It matches ErrInvalid
// under errors.Is.
type ValidationError struct {
	Errors []FieldError
	// More counts the problems found beyond those listed in Errors.
	More int
}

// MaxFieldErrors bounds the field errors one ValidationError lists, so that
// a body of many bad values draws a short answer.
const MaxFieldErrors = 50

// Error joins the field errors into one line.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Errors), len(e.Errors)+1)
	for i, fe := range e.Errors {
		parts[i] = fe.Field + ": " + fe.Message
	}
	if e.More > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", e.More))
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// problems collects field errors while a record is validated, keeping the
// first MaxFieldErrors and counting the rest.
type problems struct {
	list []FieldError
	more int
}

func (p *problems) add(field, message string) {
	if len(p.list) >= MaxFieldErrors {
		p.more++
		return
	}
	p.list = append(p.list, FieldError{field, message})
}

// same adds a problem when an update changed a field that never changes.
func (p *problems) same(field, now, was string) {
	if now != was {
		p.add(field, "may not change")
	}
}

// sameTime is same for an instant, compared as stored (to the millisecond).
func (p *problems) sameTime(field string, now, was time.Time) {
	if !Timestamp(now).Equal(Timestamp(was)) {
		p.add(field, "may not change")
	}
}

func (p problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ValidationError{Errors: p.list, More: p.more}
}

// idEncoding keeps the byte order of IDs in their text form, so IDs sort by
// creation time as strings.
var idEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

// NewID returns a new opaque record ID: 48 bits of milliseconds since the
// epoch followed by 80 random bits, so IDs sort by creation time. Within one
// process IDs are strictly increasing: an ID minted in the same millisecond
// as the last (or while the clock steps back) is the last one plus one, so
// records made in one request keep their order.
func NewID(now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	rand.Read(b[6:])
	lastID.Lock()
	defer lastID.Unlock()
	if bytes.Compare(b[:6], lastID.b[:6]) <= 0 {
		b = lastID.b
		for i := len(b) - 1; i >= 0; i-- { // add one, carrying
			b[i]++
			if b[i] != 0 {
				break
			}
		}
	}
	lastID.b = b
	return idEncoding.EncodeToString(b[:])
}

// IDBound returns the smallest ID NewID mints at t: every ID NewID minted
// at an earlier millisecond sorts before it, so a listing in ID order can
// stop at a time.
func IDBound(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	return idEncoding.EncodeToString(b[:])
}

// DerivedID returns an ID derived from parts (a SHA-256 of them, in the
// form of NewID's IDs): the same parts always give the same ID, so a store's
// uniqueness of IDs makes a repeated request find its first record.
func DerivedID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return idEncoding.EncodeToString(sum[:16])
}

// DerivedIDAt returns an ID derived from parts, like DerivedID, that
// sorts by at like NewID's: 48 bits of at's milliseconds followed by 80
// bits of the SHA-256 of the parts. The same instant and parts always give
// the same ID: what a message of the outbox is about (a record, its
// version, the change's instant) names it, and listings still run newest
// first.
func DerivedIDAt(at time.Time, parts ...string) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(at.UnixMilli())<<16)
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	copy(b[6:], sum[:10])
	return idEncoding.EncodeToString(b[:])
}

var lastID struct {
	sync.Mutex
	b [16]byte
}

// Timestamp returns t as the stores keep it: UTC, truncated to the millisecond.
func Timestamp(t time.Time) time.Time {
	return t.UTC().Truncate(time.Millisecond)
}

// Page is one page of a listing. Next, when not empty, is the cursor that
// fetches the page after this one.
type Page[T any] struct {
	Items []T
	Next  string
}

// Page sizes of listings.
const (
	// MaxPageSize bounds every listing; a query asking for more gets this many.
	MaxPageSize = 200
	// DefaultPageSize is a listing's page size when a query sets none.
	DefaultPageSize = 50
)

// PageSize clamps a requested page size into 1..MaxPageSize, defaulting to
// DefaultPageSize.
func PageSize(limit int) int {
	switch {
	case limit <= 0:
		return DefaultPageSize
	case limit > MaxPageSize:
		return MaxPageSize
	}
	return limit
}

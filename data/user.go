package data

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// Role is what a user may do.
type Role string

// The roles.
const (
	RoleAdmin        Role = "admin"
	RoleCoordinator  Role = "coordinator"
	RoleSocialWorker Role = "social_worker"
	// RoleInterpreter is an interpreter signing in for themself: linked
	// to one interpreter record (User.InterpreterID), they see that record,
	// their own invitations, bookings and availability, in every
	// organisation, and nothing else.
	RoleInterpreter Role = "interpreter"
)

// Roles lists every role, in the order documentation shows them.
var Roles = []Role{RoleAdmin, RoleCoordinator, RoleSocialWorker, RoleInterpreter}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return oneOf(r, Roles) }

// User is someone who calls the API with a key. Each user belongs to exactly
// one organisation. KeyHash is the SHA-256 of the user's API key, hex
// encoded; the key itself is never stored.
type User struct {
	ID    string
	Name  string
	Email string
	Role  Role
	// InterpreterID links a user of RoleInterpreter to their interpreter
	// record; empty for every other role.
	InterpreterID string
	Organisation  string
	KeyHash       string
	// AccessRevoked is set when an admin revoked the user's key: no
	// sign-in of any kind (key or identity provider) until a new key is
	// issued.
	AccessRevoked bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// MinBootstrapKeyLength is the shortest key TOLK_BOOTSTRAP_ADMIN_KEY may hold.
const MinBootstrapKeyLength = 32

// NewAPIKey returns a fresh API key: "tolk_" and 130 random bits.
func NewAPIKey() string { return "tolk_" + rand.Text() }

// HashKey returns the hex SHA-256 of an API key, the form stores keep.
// Keys carry at least 128 random bits, so a fast unsalted hash is enough.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// KeyMatches reports, in constant time, whether key hashes to u.KeyHash.
func (u User) KeyMatches(key string) bool {
	return subtle.ConstantTimeCompare([]byte(u.KeyHash), []byte(HashKey(key))) == 1
}

// MaxOrganisationLength bounds an organisation's name: lower-case letters,
// digits and hyphens, starting with a letter or digit.
const MaxOrganisationLength = 63

var organisationPattern = regexp.MustCompile(fmt.Sprintf(`^[a-z0-9][a-z0-9-]{0,%d}$`, MaxOrganisationLength-1))

// NormalizeEmail trims and lower-cases an address; emails are unique per user
// regardless of case.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Validate checks a user's invariants and returns a *ValidationError naming
// every field that breaks one. Text is checked for length and control
// characters before it is parsed.
func (u User) Validate() error {
	var p problems
	if u.ID == "" {
		p.add("id", "is required")
	}
	if strings.TrimSpace(u.Name) == "" {
		p.add("name", "is required")
	} else {
		p.text("name", u.Name, MaxNameLength, oneLine)
	}
	if p.text("email", u.Email, MaxEmailLength, oneLine) {
		if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email || u.Email != NormalizeEmail(u.Email) {
			p.add("email", "must be a plain, lower-case email address")
		}
	}
	if !u.Role.Valid() {
		p.add("role", "must be one of "+list(Roles))
	}
	switch {
	case u.Role == RoleInterpreter && u.InterpreterID == "":
		p.add("interpreterId", "is required for an interpreter: the record the user is")
	case u.Role != RoleInterpreter && u.InterpreterID != "":
		p.add("interpreterId", "is only for a user with the interpreter role")
	default:
		p.text("interpreterId", u.InterpreterID, MaxIDLength, oneLine)
	}
	if !organisationPattern.MatchString(u.Organisation) {
		p.add("organisation", fmt.Sprintf("must be 1-%d lower-case letters, digits or hyphens, starting with a letter or digit", MaxOrganisationLength))
	}
	if len(u.KeyHash) != sha256.Size*2 {
		p.add("keyHash", "must be a hex SHA-256")
	}
	return p.err()
}

func oneOf[T comparable](v T, set []T) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// UserStore keeps users and finds them by key hash and by email.
type UserStore interface {
	// CreateUser stores a new user with its change. ErrDuplicate when the
	// ID, the email or the key hash is already taken, or another user is
	// linked to the same interpreter record; nothing is written then.
	CreateUser(ctx context.Context, u User, ch Change) error
	// User returns the user with this ID, or ErrNotFound.
	User(ctx context.Context, id string) (User, error)
	// UserByKeyHash returns the user holding the key with this hash, or ErrNotFound.
	UserByKeyHash(ctx context.Context, keyHash string) (User, error)
	// UserByEmail returns the user with this email, compared after
	// NormalizeEmail, or ErrNotFound: how a sign-in through an identity
	// provider finds its user.
	UserByEmail(ctx context.Context, email string) (User, error)
	// ListUsers returns the users matching q in ID order: one
	// organisation's, or one role's (in one organisation or every one).
	// ErrInvalid with neither an organisation nor a role.
	ListUsers(ctx context.Context, q UserQuery) (Page[User], error)
	// UpdateUser changes the user with this ID through fn (see Update):
	// a new key hash stops the old key at once. ErrNotFound for an unknown
	// user; ErrDuplicate when the email or key hash fn returns is another
	// user's; ErrInvalid when fn changes the ID, organisation or creation
	// time. Nothing is written on error.
	UpdateUser(ctx context.Context, id string, fn Update[User]) (User, error)
}

// CheckUpdate refuses, with a *ValidationError, an update that changes
// what a user never changes: its ID, organisation, interpreter record and
// creation time.
func (u User) CheckUpdate(old User) error {
	var p problems
	p.same("id", u.ID, old.ID)
	p.same("organisation", u.Organisation, old.Organisation)
	p.same("interpreterId", u.InterpreterID, old.InterpreterID)
	p.sameTime("createdAt", u.CreatedAt, old.CreatedAt)
	return p.err()
}

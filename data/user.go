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
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
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

// MinBootstrapKeyLength is the shortest key TOLK_BOOTSTRAP_ADMIN_KEY may
// hold, and MaxAPIKeyLength the longest key any user may hold (and a
// sign-in form takes).
const (
	MinBootstrapKeyLength = 32
	MaxAPIKeyLength       = 256
)

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

// NormalizeEmail returns an address in the form it is stored and compared
// in, which is how the providers that deliver it compare addresses, and no
// more loosely: trimmed; the domain, which DNS compares without case, as
// its IDNA A-label ("BÜCHER.example" → "xn--bcher-kva.example"); an ASCII
// local part lower-cased, as every provider treats it; any other local
// part exactly as written. No Unicode case folding applies, so the Kelvin
// sign (U+212A) never stands for K nor ß for ss: two addresses a provider
// would deliver to two mailboxes never name one user. A local part that is
// not NFC, or a domain IDNA refuses, is left for Validate to refuse.
func NormalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return lowerASCII(s)
	}
	local, domain := s[:at], s[at+1:]
	if isASCII(local) {
		local = strings.ToLower(local)
	}
	if isASCII(domain) {
		domain = strings.ToLower(domain)
	} else if a, err := idna.Lookup.ToASCII(domain); err == nil {
		domain = a
	}
	return local + "@" + domain
}

// lowerASCII lower-cases s when it is ASCII, and leaves it as it is
// otherwise.
func lowerASCII(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	return s
}

// isASCII reports whether every byte of s is ASCII.
func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// emailProblem says what is wrong with s as a stored email address, or
// returns "": it must be a plain address (no name, no angle brackets) in
// the form NormalizeEmail gives, and a non-ASCII local part must already
// be NFC (the Kelvin sign is not, and is refused rather than folded). Call
// it on text that passed the oneLine check.
func emailProblem(s string) string {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return "must be a plain email address"
	}
	local, domain := s[:strings.LastIndexByte(s, '@')], s[strings.LastIndexByte(s, '@')+1:]
	switch {
	case !isASCII(local) && !norm.NFC.IsNormalString(local):
		return "must have its local part (before the @) in Unicode normal form C"
	case !isASCII(domain):
		return "must have a domain that is a valid internationalised domain name"
	case s != NormalizeEmail(s):
		return "must have a lower-case domain and, when it is ASCII, a lower-case local part"
	}
	return ""
}

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
		if msg := emailProblem(u.Email); msg != "" {
			p.add("email", msg)
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
	// UserByInterpreter returns the user linked to this interpreter
	// record (at most one is), or ErrNotFound.
	UserByInterpreter(ctx context.Context, interpreterID string) (User, error)
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

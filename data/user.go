package data

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
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
)

// Roles lists every role, in the order documentation shows them.
var Roles = []Role{RoleAdmin, RoleCoordinator, RoleSocialWorker}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return oneOf(r, Roles) }

// User is someone who calls the API with a key. Each user belongs to exactly
// one organisation. KeyHash is the SHA-256 of the user's API key, hex
// encoded; the key itself is never stored.
type User struct {
	ID           string
	Name         string
	Email        string
	Role         Role
	Organisation string
	KeyHash      string
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

var organisationPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

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
		p.text("name", u.Name, maxNameLength, oneLine)
	}
	if p.text("email", u.Email, maxEmailLength, oneLine) {
		if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email || u.Email != NormalizeEmail(u.Email) {
			p.add("email", "must be a plain, lower-case email address")
		}
	}
	if !u.Role.Valid() {
		p.add("role", "must be one of admin, coordinator, social_worker")
	}
	if !organisationPattern.MatchString(u.Organisation) {
		p.add("organisation", "must be 1-63 lower-case letters, digits or hyphens, starting with a letter or digit")
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

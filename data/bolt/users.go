package bolt

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

var (
	bucketUsers      = []byte("users")
	bucketUserEmails = "user_emails" // email → user ID, unique
	bucketUserKeys   = "user_keys"   // key hash → user ID, unique
	// "<organisation>\x00<user id>": an organisation's users in ID order.
	bucketUsersByOrg = "users_by_org"
	// "<role>\x00<user id>" and "<organisation>\x00<role>\x00<user id>":
	// one role's users in every organisation (the daily summary's
	// coordinators), and in one, in ID order.
	bucketUsersByRole    = "users_by_role"
	bucketUsersByOrgRole = "users_by_org_role"
	// interpreter ID → user ID, unique: the one user linked to an
	// interpreter record (data.RoleInterpreter).
	bucketUsersByInterpreter = "users_by_interpreter"
)

var userKind = recordKind{
	bucket:  bucketUsers,
	indexes: []string{bucketUserEmails, bucketUserKeys, bucketUsersByOrg, bucketUsersByInterpreter, bucketUsersByRole, bucketUsersByOrgRole},
	entries: decode(userRecord.toUser, userIndexes),
}

// userIndexes derives every index entry of a user: its email, its key
// hash and the interpreter record it is linked to (if any), each naming
// the user alone, its organisation and its role.
func userIndexes(u data.User) []indexEntry {
	out := []indexEntry{
		{bucket: bucketUserEmails, key: u.Email, value: u.ID, unique: true},
		{bucket: bucketUserKeys, key: u.KeyHash, value: u.ID, unique: true},
		{bucket: bucketUsersByOrg, key: indexKey(u.Organisation, u.ID)},
		{bucket: bucketUsersByRole, key: indexKey(string(u.Role), u.ID)},
		{bucket: bucketUsersByOrgRole, key: indexKey(u.Organisation, string(u.Role), u.ID)},
	}
	if u.InterpreterID != "" {
		out = append(out, indexEntry{bucket: bucketUsersByInterpreter, key: u.InterpreterID, value: u.ID, unique: true})
	}
	return out
}

type userRecord struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Email         string `json:"email"`
	Role          string `json:"role"`
	InterpreterID string `json:"interpreterId,omitempty"`
	Organisation  string `json:"organisation"`
	KeyHash       string `json:"keyHash"`
	Revoked       bool   `json:"accessRevoked,omitempty"`
	CreatedAt     string `json:"createdAt"`
	UpdatedAt     string `json:"updatedAt"`
}

func fromUser(u data.User) userRecord {
	return userRecord{
		ID: u.ID, Name: u.Name, Email: u.Email, Role: string(u.Role), InterpreterID: u.InterpreterID, Organisation: u.Organisation,
		KeyHash: u.KeyHash, Revoked: u.AccessRevoked, CreatedAt: encodeTime(u.CreatedAt), UpdatedAt: encodeTime(u.UpdatedAt),
	}
}

func (r userRecord) toUser() data.User {
	return data.User{
		ID: r.ID, Name: r.Name, Email: r.Email, Role: data.Role(r.Role), InterpreterID: r.InterpreterID, Organisation: r.Organisation,
		KeyHash: r.KeyHash, AccessRevoked: r.Revoked, CreatedAt: decodeTime(r.CreatedAt), UpdatedAt: decodeTime(r.UpdatedAt),
	}
}

// CreateUser stores u, its email, key hash and interpreter record as
// unique keys, its organisation's index entry and its change in one
// transaction.
func (s *Store) CreateUser(ctx context.Context, u data.User, ch data.Change) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		users := tx.Bucket(bucketUsers)
		if users.Get([]byte(u.ID)) != nil {
			return fmt.Errorf("user %s: %w", u.ID, data.ErrDuplicate)
		}
		if err := writeIndexes(tx, nil, userIndexes(u)); err != nil {
			return err
		}
		if err := put(users, u.ID, fromUser(u)); err != nil {
			return err
		}
		return putChange(tx, ch)
	})
}

// User returns the user with this ID.
func (s *Store) User(ctx context.Context, id string) (data.User, error) {
	var u data.User
	err := s.view(ctx, func(tx *bolt.Tx) error {
		rec, err := get[userRecord](tx.Bucket(bucketUsers), id)
		u = rec.toUser()
		return err
	})
	return u, err
}

// UserByInterpreter returns the user linked to the interpreter record,
// off users_by_interpreter.
func (s *Store) UserByInterpreter(ctx context.Context, interpreterID string) (data.User, error) {
	return s.userBy(ctx, bucketUsersByInterpreter, interpreterID)
}

// UserByKeyHash returns the user holding the key with this hash.
func (s *Store) UserByKeyHash(ctx context.Context, keyHash string) (data.User, error) {
	return s.userBy(ctx, bucketUserKeys, keyHash)
}

// UserByEmail returns the user whose email is email once normalised (see
// data.NormalizeEmail), off the user_emails index.
func (s *Store) UserByEmail(ctx context.Context, email string) (data.User, error) {
	return s.userBy(ctx, bucketUserEmails, data.NormalizeEmail(email))
}

// userBy returns the user that a unique index names under key.
func (s *Store) userBy(ctx context.Context, index, key string) (data.User, error) {
	var u data.User
	err := s.view(ctx, func(tx *bolt.Tx) error {
		id := tx.Bucket([]byte(index)).Get([]byte(key))
		if id == nil {
			return fmt.Errorf("user by %s: %w", index, data.ErrNotFound)
		}
		rec, err := get[userRecord](tx.Bucket(bucketUsers), string(id))
		if err != nil {
			return indexFault(string(id), err)
		}
		u = rec.toUser()
		return nil
	})
	return u, err
}

// ListUsers reads the page's IDs, after the cursor, off the entries of
// the organisation (users_by_org), of the role (users_by_role) or of both
// (users_by_org_role), then reads the page's records. Neither an
// organisation nor a role is a *data.ValidationError.
func (s *Store) ListUsers(ctx context.Context, q data.UserQuery) (data.Page[data.User], error) {
	var index string
	var prefix []byte
	switch {
	case q.Organisation != "" && q.Role != "":
		index, prefix = bucketUsersByOrgRole, indexPrefix(q.Organisation, string(q.Role))
	case q.Organisation != "":
		index, prefix = bucketUsersByOrg, indexPrefix(q.Organisation)
	case q.Role != "":
		index, prefix = bucketUsersByRole, indexPrefix(string(q.Role))
	default:
		return data.Page[data.User]{}, invalid("organisation", "is required without a role")
	}
	limit := data.PageSize(q.Limit)
	var page data.Page[data.User]
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		ids := seekIndex(tx.Bucket([]byte(index)), prefix, q.After, false).take(limit+1, nil)
		page, err = pageOf(tx.Bucket(bucketUsers), ids, limit, userRecord.toUser)
		return err
	})
	return page, err
}

// UpdateUser runs fn on the user inside one write transaction (see
// updateRecord) and writes what it returns, the difference between the
// user's old and new index entries (so a new key hash replaces the old one
// in user_keys at once), and fn's change. An email, key hash or
// interpreter record another user holds is data.ErrDuplicate, and nothing
// is written.
func (s *Store) UpdateUser(ctx context.Context, id string, fn data.Update[data.User]) (data.User, error) {
	return updateRecord(ctx, s, id, fn, readUser, writeUser)
}

func readUser(tx *bolt.Tx, id string) (data.User, error) {
	rec, err := get[userRecord](tx.Bucket(bucketUsers), id)
	if err != nil {
		return data.User{}, fmt.Errorf("user %s: %w", id, err)
	}
	return rec.toUser(), nil
}

// writeUser stores next in place of cur, moving its index entries. Users
// carry no version.
func writeUser(tx *bolt.Tx, cur, next data.User) (data.User, error) {
	if err := writeIndexes(tx, userIndexes(cur), userIndexes(next)); err != nil {
		return data.User{}, err
	}
	rec := fromUser(next)
	if err := put(tx.Bucket(bucketUsers), next.ID, rec); err != nil {
		return data.User{}, err
	}
	return rec.toUser(), nil
}

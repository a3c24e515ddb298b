package mongodb

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tolk/tolk/data"
)

// userDocument is a user as stored. Version is the store's own: data.User
// has none, but a change of a user is a versioned write like any other.
// InterpreterID is there only for an interpreter user: the sparse unique
// index on it links at most one user to each interpreter record.
type userDocument struct {
	ID            string    `bson:"_id"`
	Name          string    `bson:"name"`
	Email         string    `bson:"email"`
	Role          string    `bson:"role"`
	InterpreterID string    `bson:"interpreterId,omitempty"`
	Organisation  string    `bson:"organisation"`
	KeyHash       string    `bson:"keyHash"`
	Revoked       bool      `bson:"accessRevoked,omitempty"`
	CreatedAt     time.Time `bson:"createdAt"`
	UpdatedAt     time.Time `bson:"updatedAt"`
	Version       int64     `bson:"version"`
}

func fromUser(u data.User) userDocument {
	return userDocument{
		ID: u.ID, Name: u.Name, Email: u.Email, Role: string(u.Role), InterpreterID: u.InterpreterID, Organisation: u.Organisation,
		KeyHash: u.KeyHash, Revoked: u.AccessRevoked, CreatedAt: data.Timestamp(u.CreatedAt), UpdatedAt: data.Timestamp(u.UpdatedAt),
	}
}

func (d userDocument) toUser() data.User {
	return data.User{
		ID: d.ID, Name: d.Name, Email: d.Email, Role: data.Role(d.Role), InterpreterID: d.InterpreterID, Organisation: d.Organisation,
		KeyHash: d.KeyHash, AccessRevoked: d.Revoked, CreatedAt: utc(d.CreatedAt), UpdatedAt: utc(d.UpdatedAt),
	}
}

// userKind is how update stores users. data.User carries no version: the
// store keeps its own in the document.
var userKind = kind[data.User, userDocument]{
	coll:        usersCollection,
	toDoc:       fromUser,
	toRecord:    userDocument.toUser,
	checkUpdate: data.User.CheckUpdate,
}

// CreateUser commits u at version 1 with its change. The unique indexes on
// email, keyHash and interpreterId refuse duplicates when the lock lands.
func (s *Store) CreateUser(ctx context.Context, u data.User, ch data.Change) error {
	return s.create(ctx, s.users, "user", u.ID, fromUser(u), ch)
}

// User returns the user with this ID.
func (s *Store) User(ctx context.Context, id string) (data.User, error) {
	var d userDocument
	if err := s.read(ctx, s.users, id, &d); err != nil {
		return data.User{}, err
	}
	return d.toUser(), nil
}

// UserByKeyHash returns the user holding the key with this hash, once the
// key changes in flight have landed.
func (s *Store) UserByKeyHash(ctx context.Context, keyHash string) (data.User, error) {
	if err := s.finishPending(ctx, usersCollection); err != nil {
		return data.User{}, err
	}
	var d userDocument
	if err := s.users.FindOne(ctx, bson.D{{Key: "keyHash", Value: keyHash}}).Decode(&d); err != nil {
		return data.User{}, translate(err, "user by key")
	}
	return d.toUser(), nil
}

// UserByEmail returns the user whose email is email once normalised (see
// data.NormalizeEmail), off the unique index on email, once the user
// changes in flight have landed.
func (s *Store) UserByEmail(ctx context.Context, email string) (data.User, error) {
	if err := s.finishPending(ctx, usersCollection); err != nil {
		return data.User{}, err
	}
	var d userDocument
	if err := s.users.FindOne(ctx, bson.D{{Key: "email", Value: data.NormalizeEmail(email)}}).Decode(&d); err != nil {
		return data.User{}, translate(err, "user by email")
	}
	return d.toUser(), nil
}

// UserByInterpreter returns the user linked to the interpreter record,
// off the unique index on interpreterId.
func (s *Store) UserByInterpreter(ctx context.Context, interpreterID string) (data.User, error) {
	if err := s.finishPending(ctx, usersCollection); err != nil {
		return data.User{}, err
	}
	var d userDocument
	if interpreterID == "" {
		return data.User{}, translate(mongo.ErrNoDocuments, "user by interpreter")
	}
	opts := options.FindOne().SetHint("interpreterId_unique")
	if err := s.users.FindOne(ctx, bson.D{{Key: "interpreterId", Value: interpreterID}}, opts).Decode(&d); err != nil {
		return data.User{}, translate(err, "user by interpreter")
	}
	return d.toUser(), nil
}

// ListUsers lands the user changes in flight, then reads one page of the
// users q names off one index: the organisation's off (organisation, _id),
// one role's in one organisation off (organisation, role, _id), one role's
// in every organisation off (role, _id). Neither an organisation nor a
// role is a *data.ValidationError.
func (s *Store) ListUsers(ctx context.Context, q data.UserQuery) (data.Page[data.User], error) {
	if q.Organisation == "" && q.Role == "" {
		return data.Page[data.User]{}, invalid("organisation", "is required, or a role")
	}
	if err := s.finishPending(ctx, usersCollection); err != nil {
		return data.Page[data.User]{}, err
	}
	var filter bson.D
	hint := "organisation_role_id"
	switch {
	case q.Role == "":
		filter, hint = bson.D{{Key: "organisation", Value: q.Organisation}}, "organisation_id"
	case q.Organisation == "":
		filter, hint = bson.D{{Key: "role", Value: string(q.Role)}}, "role_id"
	default:
		filter = bson.D{{Key: "organisation", Value: q.Organisation}, {Key: "role", Value: string(q.Role)}}
	}
	if q.After != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: q.After}}})
	}
	return findPageHinted(ctx, s.users, filter, hint, 1, data.PageSize(q.Limit), userDocument.toUser,
		func(u data.User) string { return u.ID })
}

// UpdateUser changes the user through fn, re-run when another change of
// the user lands first (update). The unique indexes on email and keyHash
// refuse what another user holds (data.ErrDuplicate) when the lock lands:
// they are what guarantees uniqueness, so the store looks nothing up
// before.
func (s *Store) UpdateUser(ctx context.Context, id string, fn data.Update[data.User]) (data.User, error) {
	return update(ctx, s, userKind, id, fn)
}

package mongodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tolk/tolk/data"
)

type userDocument struct {
	ID           string    `bson:"_id"`
	Name         string    `bson:"name"`
	Email        string    `bson:"email"`
	Role         string    `bson:"role"`
	Organisation string    `bson:"organisation"`
	KeyHash      string    `bson:"keyHash"`
	CreatedAt    time.Time `bson:"createdAt"`
	UpdatedAt    time.Time `bson:"updatedAt"`
}

func (d userDocument) toUser() data.User {
	return data.User{
		ID: d.ID, Name: d.Name, Email: d.Email, Role: data.Role(d.Role), Organisation: d.Organisation,
		KeyHash: d.KeyHash, CreatedAt: utc(d.CreatedAt), UpdatedAt: utc(d.UpdatedAt),
	}
}

// CreateUser inserts u; the unique indexes on email and keyHash refuse duplicates.
func (s *Store) CreateUser(ctx context.Context, u data.User) error {
	_, err := s.users.InsertOne(ctx, userDocument{
		ID: u.ID, Name: u.Name, Email: u.Email, Role: string(u.Role), Organisation: u.Organisation,
		KeyHash: u.KeyHash, CreatedAt: data.Timestamp(u.CreatedAt), UpdatedAt: data.Timestamp(u.UpdatedAt),
	})
	return translate(err, "user")
}

// User returns the user with this ID.
func (s *Store) User(ctx context.Context, id string) (data.User, error) {
	return s.findUser(ctx, bson.D{{Key: "_id", Value: id}})
}

// UserByKeyHash returns the user holding the key with this hash.
func (s *Store) UserByKeyHash(ctx context.Context, keyHash string) (data.User, error) {
	return s.findUser(ctx, bson.D{{Key: "keyHash", Value: keyHash}})
}

func (s *Store) findUser(ctx context.Context, filter bson.D) (data.User, error) {
	var d userDocument
	if err := s.users.FindOne(ctx, filter).Decode(&d); err != nil {
		return data.User{}, translate(err, "user")
	}
	return d.toUser(), nil
}

// ReplaceUserKey sets a new key hash in one single-document update; the
// unique index on keyHash refuses a hash another user holds.
//
// The unique index is what guarantees uniqueness; the look-up first gives
// the right error on servers (FerretDB 1.24) that report a unique violation
// in an update as an internal error rather than a duplicate key.
func (s *Store) ReplaceUserKey(ctx context.Context, id, keyHash string) (data.User, error) {
	switch holder, err := s.UserByKeyHash(ctx, keyHash); {
	case err == nil && holder.ID != id:
		return data.User{}, fmt.Errorf("user key: %w", data.ErrDuplicate)
	case err != nil && !errors.Is(err, data.ErrNotFound):
		return data.User{}, err
	}
	res, err := s.users.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "keyHash", Value: keyHash}}}})
	if err != nil {
		return data.User{}, translate(err, "user")
	}
	if res.MatchedCount == 0 {
		return data.User{}, fmt.Errorf("user %s: %w", id, data.ErrNotFound)
	}
	return s.User(ctx, id)
}

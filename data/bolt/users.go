package bolt

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

type userRecord struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	Role         string `json:"role"`
	Organisation string `json:"organisation"`
	KeyHash      string `json:"keyHash"`
	CreatedAt    string `json:"createdAt"`
	UpdatedAt    string `json:"updatedAt"`
}

func fromUser(u data.User) userRecord {
	return userRecord{
		ID: u.ID, Name: u.Name, Email: u.Email, Role: string(u.Role), Organisation: u.Organisation,
		KeyHash: u.KeyHash, CreatedAt: encodeTime(u.CreatedAt), UpdatedAt: encodeTime(u.UpdatedAt),
	}
}

func (r userRecord) toUser() data.User {
	return data.User{
		ID: r.ID, Name: r.Name, Email: r.Email, Role: data.Role(r.Role), Organisation: r.Organisation,
		KeyHash: r.KeyHash, CreatedAt: decodeTime(r.CreatedAt), UpdatedAt: decodeTime(r.UpdatedAt),
	}
}

// CreateUser stores u, with its email and key hash as unique keys.
func (s *Store) CreateUser(ctx context.Context, u data.User) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		users, emails, keys := tx.Bucket(bucketUsers), tx.Bucket(bucketUserEmails), tx.Bucket(bucketUserKeys)
		switch {
		case users.Get([]byte(u.ID)) != nil:
			return fmt.Errorf("user %s: %w", u.ID, data.ErrDuplicate)
		case emails.Get([]byte(u.Email)) != nil:
			return fmt.Errorf("user email: %w", data.ErrDuplicate)
		case keys.Get([]byte(u.KeyHash)) != nil:
			return fmt.Errorf("user key: %w", data.ErrDuplicate)
		}
		if err := emails.Put([]byte(u.Email), []byte(u.ID)); err != nil {
			return err
		}
		if err := keys.Put([]byte(u.KeyHash), []byte(u.ID)); err != nil {
			return err
		}
		return put(users, u.ID, fromUser(u))
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

// UserByKeyHash returns the user holding the key with this hash.
func (s *Store) UserByKeyHash(ctx context.Context, keyHash string) (data.User, error) {
	var u data.User
	err := s.view(ctx, func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketUserKeys).Get([]byte(keyHash))
		if id == nil {
			return data.ErrNotFound
		}
		rec, err := get[userRecord](tx.Bucket(bucketUsers), string(id))
		u = rec.toUser()
		return err
	})
	return u, err
}

// ReplaceUserKey swaps the user's key hash in one transaction.
func (s *Store) ReplaceUserKey(ctx context.Context, id, keyHash string) (data.User, error) {
	var u data.User
	err := s.update(ctx, func(tx *bolt.Tx) error {
		users, keys := tx.Bucket(bucketUsers), tx.Bucket(bucketUserKeys)
		rec, err := get[userRecord](users, id)
		if err != nil {
			return err
		}
		if holder := keys.Get([]byte(keyHash)); holder != nil && string(holder) != id {
			return fmt.Errorf("user key: %w", data.ErrDuplicate)
		}
		if err := keys.Delete([]byte(rec.KeyHash)); err != nil {
			return err
		}
		if err := keys.Put([]byte(keyHash), []byte(id)); err != nil {
			return err
		}
		rec.KeyHash = keyHash
		u = rec.toUser()
		return put(users, id, rec)
	})
	return u, err
}

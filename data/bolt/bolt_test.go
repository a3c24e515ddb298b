package bolt_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
	"github.com/tolk/tolk/data/datatest"
)

func TestConformance(t *testing.T) {
	datatest.Run(t, func(t *testing.T) func() data.Store {
		s, err := bolt.Open(filepath.Join(t.TempDir(), "tolk.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close(t.Context()) })
		// bbolt allows one instance per file: both "instances" are this one.
		return func() data.Store { return s }
	})
}

func TestSecondOpenFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tolk.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(t.Context())
	if _, err := bolt.Open(path); !errors.Is(err, bolt.ErrLocked) {
		t.Fatalf("second Open error = %v, want ErrLocked", err)
	}
}

func TestDataSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tolk.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	u := data.User{ID: "u1", Name: "A", Email: "a@example.org", Role: data.RoleAdmin, Organisation: "default", KeyHash: data.HashKey("k")}
	if err := s.CreateUser(t.Context(), u, data.Audited(data.NewAuditEntry(time.Now(), u, u.Organisation, data.ActionUserCreated, data.EntityUser, u.ID))); err != nil {
		t.Fatal(err)
	}
	s.Close(t.Context())
	s, err = bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(t.Context())
	if _, err := s.UserByKeyHash(t.Context(), u.KeyHash); err != nil {
		t.Fatalf("after reopen: %v", err)
	}
}

package bolt

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

// TestOpenBuildsUserAndSessionIndexes opens a file written before users
// were indexed by organisation and sessions by user: Open builds both from
// the records, so listings find the old records, and an ended session
// stays out of its user's index.
func TestOpenBuildsUserAndSessionIndexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	var north []string
	for i, org := range []string{"north", "north-east", "north", "south", "north"} {
		u := data.User{ID: fmt.Sprintf("u%d", i), Name: "A", Email: fmt.Sprintf("a%d@example.org", i), Role: data.RoleAdmin, Organisation: org, KeyHash: data.HashKey(fmt.Sprint(i))}
		if err := s.CreateUser(ctx, u, data.Audited(data.NewAuditEntry(benchBase, u, org, data.ActionUserCreated, data.EntityUser, u.ID))); err != nil {
			t.Fatal(err)
		}
		if org == "north" {
			north = append(north, u.ID)
		}
	}
	for _, id := range []string{"s1", "s2"} {
		sess := data.Session{ID: id, UserID: "u0", Organisation: "north", Method: "key", CreatedAt: benchBase, LastSeen: benchBase, ExpiresAt: benchBase.Add(time.Hour)}
		if err := s.CreateSession(ctx, sess, sessionChange(id, data.ActionSessionStartedKey)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.EndSession(ctx, "s1", benchBase, sessionChange("s1", data.ActionSessionEnded)); err != nil {
		t.Fatal(err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{bucketUsersByOrg, bucketSessionsByUser} {
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)

	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	users, err := s.ListUsers(ctx, data.UserQuery{Organisation: "north"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range users.Items {
		got = append(got, u.ID)
	}
	if diff := cmp.Diff(north, got); diff != "" {
		t.Errorf("ListUsers(north) after the migration (-want +got):\n%s", diff)
	}
	sessions, err := s.ListSessions(ctx, data.SessionQuery{UserID: "u0"})
	if err != nil || len(sessions.Items) != 1 || sessions.Items[0].ID != "s2" {
		t.Errorf("ListSessions(u0) after the migration = %v, %v; want the live session s2", sessions.Items, err)
	}
}

// sessionChange is the change a test writes session id with, audited
// against its user as the service audits sign-ins and sign-outs.
func sessionChange(id string, action data.Action) data.Change {
	return data.Audited(data.NewAuditEntry(benchBase, data.User{ID: "u0", Organisation: "north"}, "north", action, data.EntityUser, "u0"))
}

package mongodb

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tolk/tolk/data"
)

// A revocation committed by a writer that died shows in every look-up of
// the feed once the lock is LockTimeout old (a token keeps working no
// longer than that), and a live writer's revocation does not show before
// it lands.
func TestDeadFeedWriterLandedByLookups(t *testing.T) {
	open := freshDatabase(t)
	s, other := open().(*Store), open().(*Store)
	other.LockTimeout = 200 * time.Millisecond
	ctx := t.Context()
	now := time.Now()
	f := data.Feed{ID: data.NewID(now), Organisation: "north", Owner: "sw-1", Scope: data.FeedMine,
		TokenHash: data.HashKey("token"), Version: 1, CreatedAt: now, UpdatedAt: now}
	created := data.NewAuditEntry(now, data.User{ID: "sw-1", Organisation: "north"}, "north", data.ActionFeedCreated, data.EntityFeed, f.ID)
	if err := s.CreateFeed(ctx, f, data.Audited(created)); err != nil {
		t.Fatal(err)
	}
	revoked := f
	revoked.RevokedAt, revoked.Version = now, 2
	entry := data.NewAuditEntry(now, data.User{ID: "sw-1", Organisation: "north"}, "north", data.ActionFeedRevoked, data.EntityFeed, f.ID)
	commitOnly(t, s, change{coll: feedsCollection, id: f.ID, version: 2, doc: fromFeed(revoked), ch: data.Audited(entry)}, live)
	if got, err := other.FeedByTokenHash(ctx, f.TokenHash); err != nil || got.Revoked() {
		t.Errorf("FeedByTokenHash while its writer may be at work: %+v, %v; want the working feed", got, err)
	}
	time.Sleep(250 * time.Millisecond)
	// The token look-up comes first: it is the one that must land the lock.
	for _, look := range []struct {
		how string
		get func() (data.Feed, error)
	}{
		{"FeedByTokenHash", func() (data.Feed, error) { return other.FeedByTokenHash(ctx, f.TokenHash) }},
		{"Feed", func() (data.Feed, error) { return other.Feed(ctx, f.ID) }},
		{"ListFeeds", func() (data.Feed, error) {
			page, err := other.ListFeeds(ctx, data.FeedQuery{Owner: "sw-1"})
			if err != nil || len(page.Items) != 1 {
				return data.Feed{}, errors.Join(err, errors.New("not one feed listed"))
			}
			return page.Items[0], nil
		}},
	} {
		if got, err := look.get(); err != nil || !got.Revoked() || got.Version != 2 {
			t.Errorf("%s after the take-over timeout: %+v, %v; want the revoked feed", look.how, got, err)
		}
	}
	if ids := auditIDs(t, other, f.ID); !slices.Equal(ids, []string{created.ID, entry.ID}) {
		t.Errorf("audit = %v, want %s and %s", ids, created.ID, entry.ID)
	}
	wantNoLocks(t, s)
}

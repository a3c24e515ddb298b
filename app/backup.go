package app

import (
	"context"
	"io"

	"github.com/tolk/tolk/data"
)

// Backup returns a consistent copy of the whole store and its size in
// bytes, for `tolk backup`. Only the bootstrap admin may take one: it
// holds every organisation's records. The copy is audited
// (data.ActionStoreBackedUp) before it is taken, so it holds its own
// entry. A store that cannot copy itself while it serves (MongoDB) is
// refused as KindUnprocessable, code backup_unsupported, naming
// mongodump. The caller must Close the reader.
func (a *App) Backup(ctx context.Context, actor data.User) (io.ReadCloser, int64, error) {
	if !isBootstrap(actor) {
		if err := require(actor, data.RoleAdmin); err != nil {
			return nil, 0, err
		}
		return nil, 0, forbidden("only the bootstrap admin may back up the store")
	}
	snap, ok := a.store.(data.Snapshotter)
	if !ok {
		return nil, 0, Fail(KindUnprocessable, "backup_unsupported",
			"this store cannot be copied through the service: back MongoDB up with mongodump (see the README)")
	}
	now := a.stamp()
	if err := a.store.AppendChange(ctx, audited(now, actor, actor.Organisation, data.ActionStoreBackedUp, data.EntityStore, data.StoreEntityID)); err != nil {
		return nil, 0, err
	}
	return snap.Snapshot(ctx)
}

package main

import (
	"context"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
	"github.com/tolk/tolk/data/mongodb"
)

// openStore is the one switch over store backends: MongoDB when a URI is
// configured, the embedded bbolt file otherwise.
func openStore(ctx context.Context, cfg config) (data.Store, error) {
	if cfg.MongoURI != "" {
		return mongodb.Open(ctx, cfg.MongoURI, cfg.MongoDatabase)
	}
	return bolt.Open(cfg.DB)
}

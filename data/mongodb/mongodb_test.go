package mongodb

import (
	"context"
	"crypto/rand"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/FerretDB/FerretDB/ferretdb"

	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/datatest"
)

// serverURI is the MongoDB-compatible server the tests use:
// TOLK_TEST_MONGODB_URI when set, otherwise an in-process FerretDB on SQLite
// in a temporary directory, started once for the package.
var serverURI = sync.OnceValues(func() (string, error) {
	if uri := os.Getenv("TOLK_TEST_MONGODB_URI"); uri != "" {
		return uri, nil
	}
	dir, err := os.MkdirTemp("", "tolk-ferretdb-")
	if err != nil {
		return "", err
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return "", err
	}
	go f.Run(context.Background()) // lives as long as the test binary
	return f.MongoDBURI(), nil     // blocks until the listener is up
})

// freshDatabase returns a NewDatabase for the conformance suite: each test
// gets its own database, and each open is a separate client with its own pool.
func freshDatabase(t *testing.T) func() data.Store {
	uri, err := serverURI()
	if err != nil {
		t.Fatalf("start FerretDB: %v", err)
	}
	name := "tolktest_" + strings.ToLower(rand.Text()[:12])
	return func() data.Store {
		s, err := Open(t.Context(), uri, name)
		if err != nil {
			t.Fatalf("open %s: %v", name, err)
		}
		t.Cleanup(func() { s.Close(context.Background()) })
		return s
	}
}

func TestConformance(t *testing.T) {
	datatest.Run(t, freshDatabase)
}

func TestOpenUnreachable(t *testing.T) {
	ctx := t.Context()
	_, err := Open(ctx, "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200", "tolk")
	if err == nil {
		t.Fatal("Open on a closed port succeeded")
	}
}

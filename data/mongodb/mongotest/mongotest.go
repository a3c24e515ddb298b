// Package mongotest starts MongoDB-compatible servers for tests: an
// in-process FerretDB on SQLite, so tests of the MongoDB store and of the
// service on it run with nothing installed. Only tests import it, so the
// service binary does not carry FerretDB.
package mongotest

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Start runs a FerretDB on SQLite in dir, listening on addr, until the
// returned stop is called or the test ends. Stopping closes the listener
// and every connection; a FerretDB started again on the same addr and dir
// serves the same data. It returns once the server listens.
func Start(t testing.TB, addr, dir string) (stop func()) {
	t.Helper()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("start FerretDB on %s: %v", addr, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Run(ctx)
	}()
	f.MongoDBURI() // blocks until the listener is up
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	t.Cleanup(stop)
	return stop
}

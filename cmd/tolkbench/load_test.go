package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tolk/tolk/api"
	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/data/bolt"
	"github.com/tolk/tolk/edge"
)

// serveSeeded seeds a small store in a temporary directory, serves the API
// on it at 127.0.0.1:0 with the rate limits off, as a load run needs, and
// returns the service's base URL and the seed's output file.
func serveSeeded(t *testing.T) (base, seededPath string) {
	t.Helper()
	db, seededPath := seedFile(t)
	return serveFile(t, db), seededPath
}

// serveFile serves the API on a seeded file at 127.0.0.1:0 with the rate
// limits off, until the test ends, and returns the service's base URL.
func serveFile(t *testing.T, db string) (base string) {
	t.Helper()
	store, err := bolt.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	server := edge.New(edge.Config{Logger: log})
	server.Mount(api.New(api.Config{App: app.New(app.Config{Store: store}), Guard: server, Logger: log}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- server.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 5*time.Second)
		defer cancel()
		if err := server.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		<-served
		store.Close(t.Context())
	})
	return "http://" + ln.Addr().String()
}

// seedFile seeds a small store in a temporary directory, as of seedClock's
// now, and returns its path and the path of the seed's output.
func seedFile(t *testing.T) (db, seededPath string) {
	t.Helper()
	dir := t.TempDir()
	db = filepath.Join(dir, "bench.db")
	s, err := bolt.OpenBulk(db)
	if err != nil {
		t.Fatal(err)
	}
	res, err := seed(t.Context(), s, volume{interpreters: 400, cases: 40, bookings: 2000, seed: 1}, seedClock().UTC())
	if cerr := s.Close(t.Context()); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(res)
	seededPath = filepath.Join(dir, "seeded.json")
	if err := os.WriteFile(seededPath, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return db, seededPath
}

// TestLoad drives every endpoint of a seeded service for a moment, twice
// (the second run's bookings must find a window after the first's), and
// checks that every phase sent requests and got only the statuses it
// expects.
func TestLoad(t *testing.T) {
	base, seededPath := serveSeeded(t)
	for run := range 2 {
		var out bytes.Buffer
		err := runCmd(t, []string{"load", "--url", base, "--seeded", seededPath, "--clients", "4", "--duration", "60ms", "--booking-cases", "2", "--json"}, &out)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		var all []stats
		if err := json.Unmarshal(out.Bytes(), &all); err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, out.String())
		}
		var names []string
		for _, s := range all {
			names = append(names, s.Endpoint)
			if s.Requests == 0 || s.Errors != 0 || s.Throughput <= 0 || s.P50 <= 0 || s.P99 < s.P50 || s.Max < s.P99 {
				t.Errorf("run %d: %+v", run, s)
			}
		}
		if len(names) != len(endpointKeys) || !slices.Contains(names, "POST /v1/bookings") || !slices.Contains(names, "GET /feeds/{token}.ics, current ETag (304)") {
			t.Errorf("run %d drove %q, want every endpoint", run, names)
		}
	}
}

// TestStoreCommands books straight through a seeded store twice (the second
// run's window must follow the first's), every booking succeeding, then
// makes a match's store reads.
func TestStoreCommands(t *testing.T) {
	db, _ := seedFile(t)
	for run := range 2 {
		var out bytes.Buffer
		if err := runCmd(t, []string{"store-bookings", "--db", db, "--clients", "4", "--duration", "150ms", "--json"}, &out); err != nil {
			t.Fatal(err)
		}
		var all []stats
		if err := json.Unmarshal(out.Bytes(), &all); err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, out.String())
		}
		if len(all) != 1 || all[0].Requests == 0 || all[0].Errors != 0 {
			t.Errorf("run %d: %+v", run, all)
		}
	}
	var out bytes.Buffer
	if err := runCmd(t, []string{"store-match", "--db", db, "--clients", "2", "--duration", "100ms"}, &out); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out.Bytes(), []byte("store reads of one match (")) {
		t.Errorf("store-match:\n%s", out.String())
	}
}

// TestLoadBare drives the bare baseline handler, which has no API behind it.
func TestLoadBare(t *testing.T) {
	app := bareApp()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { app.Shutdown() })
	var out bytes.Buffer
	if err := runCmd(t, []string{"load", "--url", "http://" + ln.Addr().String(), "--only", "healthz", "--clients", "2", "--duration", "50ms"}, &out); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out.Bytes(), []byte("GET /healthz")) {
		t.Errorf("report:\n%s", out.String())
	}
}

// runCmd is run with the test's context.
func runCmd(t *testing.T, args []string, out io.Writer) error {
	t.Helper()
	return run(t.Context(), args, out)
}

// TestBookingsBesideStore books through a seeded service and straight
// into a copy of its file in alternating slices, every booking of both
// succeeding, and reports the ratio of their rates.
func TestBookingsBesideStore(t *testing.T) {
	db, seededPath := seedFile(t)
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	storeCopy := filepath.Join(t.TempDir(), "store.db")
	if err := os.WriteFile(storeCopy, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	bareCopy := filepath.Join(t.TempDir(), "bare.db")
	if err := os.WriteFile(bareCopy, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	base := serveFile(t, db)
	bareBase := serveBareStore(t, bareCopy)
	var out bytes.Buffer
	err = runCmd(t, []string{"bookings-beside-store", "--url", base, "--seeded", seededPath, "--db", storeCopy,
		"--bare-store", bareBase, "--clients", "4", "--warmup", "60ms", "--slices", "3", "--slice", "80ms", "--json"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	var rep besideReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if rep.BareStore == nil {
		t.Fatalf("no bare store in the report: %s", out.String())
	}
	for _, st := range []stats{rep.Service, rep.Store, rep.StoreMessage, *rep.BareStore} {
		if st.Requests == 0 || st.Errors != 0 || st.Throughput <= 0 {
			t.Errorf("%+v", st)
		}
	}
	if want := rep.Service.Throughput / rep.BareStore.Throughput; rep.RatioBare < want*0.999 || rep.RatioBare > want*1.001 {
		t.Errorf("ratio to the bare store %v, want %v", rep.RatioBare, want)
	}
	if want := rep.BareStore.Throughput / rep.StoreMessage.Throughput; rep.BareOverMessage < want*0.999 || rep.BareOverMessage > want*1.001 {
		t.Errorf("bare store over the store %v, want %v", rep.BareOverMessage, want)
	}
	if want := rep.Service.Throughput / rep.Store.Throughput; rep.Ratio < want*0.999 || rep.Ratio > want*1.001 || len(rep.PairRatios) != 3 {
		t.Errorf("ratio %v by pair %v, want %v over 3 pairs", rep.Ratio, rep.PairRatios, want)
	}
	if want := rep.Service.Throughput / rep.StoreMessage.Throughput; rep.RatioMessage < want*0.999 || rep.RatioMessage > want*1.001 || len(rep.PairRatiosMessage) != 3 {
		t.Errorf("ratio with the message %v by pair %v, want %v over 3 pairs", rep.RatioMessage, rep.PairRatiosMessage, want)
	}
	// The store's bookings with their invitations are in its outbox.
	s, err := bolt.Open(storeCopy)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(t.Context())
	var invitations []data.Message
	for q := (data.MessageQuery{Organisation: benchOrganisation, Limit: data.MaxPageSize}); ; {
		page, err := s.ListMessages(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		invitations = append(invitations, page.Items...)
		if q.Before = page.Next; q.Before == "" {
			break
		}
	}
	if len(invitations) == 0 || invitations[0].Kind != data.MessageBookingRequest || len(invitations[0].Calendar) == 0 {
		t.Errorf("the store's invitations: %d", len(invitations))
	}
	// The warm-up booked too, and its bookings are not counted: the
	// outbox holds more invitations than the counted slices made.
	if rep.Warmup != "60ms" || len(invitations) <= rep.StoreMessage.Requests {
		t.Errorf("warm-up %q: %d invitations in the outbox for %d counted bookings with one", rep.Warmup, len(invitations), rep.StoreMessage.Requests)
	}
	if err := runCmd(t, []string{"bookings-beside-store", "--url", base, "--seeded", seededPath}, io.Discard); err == nil || err.Error() != besideUsage {
		t.Errorf("without --db: %v, want the usage", err)
	}
	if err := runCmd(t, []string{"bare-store", "--addr", "127.0.0.1:0"}, io.Discard); err == nil || err.Error() != bareStoreUsage {
		t.Errorf("bare-store without --db: %v, want the usage", err)
	}
}

// serveBareStore serves bare-store's app on a copy of a seeded file at
// 127.0.0.1:0 until the test ends, and returns its base URL; when the
// test ends it checks that every booking the app acknowledged is in the
// copy, with its invitation in the outbox.
func serveBareStore(t *testing.T, db string) (base string) {
	t.Helper()
	s, err := bolt.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	book, err := storeBooker(t.Context(), s, true)
	if err != nil {
		t.Fatal(err)
	}
	var booked atomic.Int64
	app := bareStoreApp(func(k int) (string, bool) {
		problem, sent := book(k)
		if sent && problem == "" {
			booked.Add(1)
		}
		return problem, sent
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	t.Cleanup(func() {
		if err := app.Shutdown(); err != nil {
			t.Error(err)
		}
		<-served
		defer s.Close(context.WithoutCancel(t.Context()))
		page, err := s.ListMessages(context.WithoutCancel(t.Context()), data.MessageQuery{Organisation: benchOrganisation, Limit: data.MaxPageSize})
		if err != nil || booked.Load() == 0 || int64(len(page.Items)) != min(booked.Load(), int64(data.MaxPageSize)) || page.Items[0].Kind != data.MessageBookingRequest {
			t.Errorf("the bare store booked %d; its outbox holds %d, %v", booked.Load(), len(page.Items), err)
		}
	})
	return "http://" + ln.Addr().String()
}

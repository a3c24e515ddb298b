// Command tolkbench measures tolk under load. It seeds a realistic volume
// of fictional records into an embedded (bbolt) store and prints the keys
// and IDs a load run needs:
//
//	tolkbench seed --db bench.db --interpreters 10000 --cases 2000 --bookings 100000 > seeded.json
//
// With --availability every interpreter also declares when they work
// (the same records otherwise), to measure what judging it (off_duty)
// costs a match.
//
// Seeding writes without an fsync per record (bolt.OpenBulk) and syncs
// once at the end. Serve the file with TOLK_RATE_LIMITS=off, then drive
// its HTTP API from many clients, one endpoint after another, and read
// requests, errors, throughput and p50/p99/max latency per endpoint:
//
//	tolkbench load --url http://localhost:8080 --seeded seeded.json --clients 32 --duration 10s
//
// The baselines: a Fiber handler without middleware on the same machine,
// the store reads a match needs, and the store's durable write rate,
// booking straight through the store on a copy of the seeded file:
//
//	tolkbench bare --addr 127.0.0.1:8090 &
//	tolkbench load --url http://127.0.0.1:8090 --only healthz
//	tolkbench store-match --db bench.db --clients 1 --duration 10s
//	tolkbench store-bookings --db copy-of-bench.db --clients 32 --duration 10s
//
// The disk's speed changes from one run to the next, so the bookings are
// best compared with the store's rate in alternating slices of one run:
//
//	tolkbench bookings-beside-store --url http://localhost:8080 --seeded seeded.json --db copy-of-bench.db
//
// With --bare-store it drives a fourth side in the same slices: the
// store's booking with its invitation behind a bare Fiber handler, in a
// process of its own on another copy, which says what HTTP and the client
// cost the store's write on the shared cores:
//
//	tolkbench bare-store --db another-copy.db --addr 127.0.0.1:8091 &
//	tolkbench bookings-beside-store ... --bare-store http://127.0.0.1:8091
//
// README (Performance) has the figures.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tolk/tolk/data/bolt"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "tolkbench:", err)
		os.Exit(1)
	}
}

// volume is how much to seed.
type volume struct {
	interpreters, cases, bookings int
	seed                          uint64
	// availability gives every interpreter declared hours (seedAvailability).
	availability bool
}

const seedUsage = "usage: tolkbench seed --db FILE [--interpreters N] [--cases N] [--bookings N] [--seed N] [--availability]"

// usage lists every subcommand's usage.
var usage = errors.New(seedUsage + "\n" + loadUsage + "\n" + bareUsage + "\n" + storeUsage + "\n" + besideUsage + "\n" + bareStoreUsage)

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return usage
	}
	switch args[0] {
	case "seed":
		return runSeed(ctx, args[1:], out)
	case "load":
		cfg, err := parseLoad(args[1:])
		if err != nil {
			return err
		}
		return load(ctx, cfg, out)
	case "bare":
		return runBare(ctx, args[1:], out)
	case "store-bookings":
		return runStoreBookings(ctx, args[1:], out)
	case "store-match":
		return runStoreMatch(ctx, args[1:], out)
	case "bookings-beside-store":
		return runBookingsBeside(ctx, args[1:], out)
	case "bare-store":
		return runBareStore(ctx, args[1:], out)
	}
	return usage
}

// seedClock is the seed command's clock: the records are as of its now.
// A test sets it to seed two files as of one moment.
var seedClock = time.Now

// runSeed seeds a new file and prints what a load run needs.
func runSeed(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	path := fs.String("db", "bench.db", "the bbolt file to create")
	var v volume
	fs.IntVar(&v.interpreters, "interpreters", 10000, "interpreters to seed")
	fs.IntVar(&v.cases, "cases", 2000, "cases to seed")
	fs.IntVar(&v.bookings, "bookings", 100000, "bookings to seed")
	fs.Uint64Var(&v.seed, "seed", 1, "random seed")
	fs.BoolVar(&v.availability, "availability", false, "give every interpreter declared hours: Europe/London, Mon-Fri 08:00-18:00, a Saturday morning for about one in three, a week away within the next fortnight for about one in ten (the records are otherwise the same as without)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(*path); err == nil {
		return fmt.Errorf("%s exists; seed a new file", *path)
	}
	s, err := bolt.OpenBulk(*path)
	if err != nil {
		return err
	}
	began := time.Now()
	res, err := seed(ctx, s, v, seedClock().UTC())
	if cerr := s.Close(ctx); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	res.Took = time.Since(began).Round(time.Millisecond).String()
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

// seeded is what a load run needs to know about the file.
type seeded struct {
	SocialWorkerKey string `json:"socialWorkerKey"`
	CoordinatorKey  string `json:"coordinatorKey"`
	// SoraniCaseID is a case whose child speaks Sorani (ckb): about 500
	// interpreters speak it or a related variety.
	SoraniCaseID string `json:"soraniCaseId"`
	// MatchBody is a match request for SoraniCaseID, a week from now.
	MatchBody    map[string]any `json:"matchBody"`
	Interpreters int            `json:"interpreters"`
	Cases        int            `json:"cases"`
	Bookings     int            `json:"bookings"`
	Took         string         `json:"took"`
}

// languages are the children's and interpreters' languages, with weights
// in per mille; ckb (Sorani) is 5 %, so a Sorani pool is about 500 of 10,000.
var languages = []struct {
	tag    string
	weight int
}{
	{"ckb", 50}, {"kmr", 30}, {"ar", 120}, {"apd", 40}, {"arz", 40}, {"ti", 90}, {"am", 40},
	{"prs", 60}, {"ps", 60}, {"fa", 50}, {"sq", 60}, {"aln", 20}, {"vi", 80}, {"ro", 70},
	{"so", 40}, {"ur", 50}, {"pa", 40}, {"pl", 30}, {"uk", 30}, {"fr", 30}, {"en", 0},
}

func pickLanguage(r *rand.Rand) string {
	n := r.IntN(1000)
	for _, l := range languages {
		if n < l.weight {
			return l.tag
		}
		n -= l.weight
	}
	return "en"
}

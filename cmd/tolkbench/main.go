// Command tolkbench seeds a realistic volume of fictional records into an
// embedded (bbolt) store for load runs, and prints the keys and IDs a load
// generator needs:
//
//	tolkbench seed --db bench.db --interpreters 10000 --cases 2000 --bookings 100000
//
// Then serve the file with TOLK_RATE_LIMITS=off and drive it (README,
// Performance). Seeding writes without an fsync per record (bolt.OpenBulk)
// and syncs once at the end.
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
	"time"

	"github.com/tolk/tolk/data/bolt"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "tolkbench:", err)
		os.Exit(1)
	}
}

// volume is how much to seed.
type volume struct {
	interpreters, cases, bookings int
	seed                          uint64
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "seed" {
		return errors.New("usage: tolkbench seed --db FILE [--interpreters N] [--cases N] [--bookings N] [--seed N]")
	}
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	path := fs.String("db", "bench.db", "the bbolt file to create")
	var v volume
	fs.IntVar(&v.interpreters, "interpreters", 10000, "interpreters to seed")
	fs.IntVar(&v.cases, "cases", 2000, "cases to seed")
	fs.IntVar(&v.bookings, "bookings", 100000, "bookings to seed")
	fs.Uint64Var(&v.seed, "seed", 1, "random seed")
	if err := fs.Parse(args[1:]); err != nil {
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
	res, err := seed(ctx, s, v, time.Now().UTC())
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

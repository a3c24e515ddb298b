package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"time"
)

const besideUsage = "usage: tolkbench bookings-beside-store --url URL --seeded FILE --db COPY [--clients N] [--slices N] [--slice D] [--json]"

// besideReport is what bookings-beside-store prints: the service's
// bookings and the store's own durable write rate over the same slices,
// and the ratio of their rates.
type besideReport struct {
	Service stats `json:"service"`
	Store   stats `json:"store"`
	// Ratio is the service's rate over the store's, over all the slices.
	Ratio float64 `json:"ratio"`
	// PairRatios are the same ratio for each pair of slices, in order.
	PairRatios []float64 `json:"pairRatios"`
}

// runBookingsBeside measures POST /v1/bookings beside its baseline, the
// store's durable write rate, in alternating slices: the disk's speed
// here changes from one ten-second run to the next by as much as two
// times, so two runs one after the other compare the disk's moments, not
// the service and the store. Each pair of slices takes both, the service
// first in one pair and the store first in the next, so that neither
// always meets the disk just rested; the ratio is of the rates summed
// over every slice. The store books straight into COPY (a copy of the
// file the service serves, which no service holds) from this process, as
// store-bookings does.
func runBookingsBeside(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bookings-beside-store", flag.ContinueOnError)
	base := fs.String("url", "http://localhost:8080", "the running service's base URL (serve it with TOLK_RATE_LIMITS=off)")
	seededPath := fs.String("seeded", "", "the JSON `tolkbench seed` printed")
	db := fs.String("db", "", "a copy of the seeded file for the store's own bookings")
	clients := fs.Int("clients", 32, "concurrent clients of each")
	slices := fs.Int("slices", 10, "pairs of slices")
	slice := fs.Duration("slice", 2*time.Second, "how long each slice drives one of them")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *db == "" || *seededPath == "" || *clients < 1 || *slices < 1 || *slice <= 0 {
		return errors.New(besideUsage)
	}
	cfg, err := parseLoad([]string{"--url", *base, "--seeded", *seededPath, "--clients", strconv.Itoa(*clients), "--only", "bookings"})
	if err != nil {
		return err
	}
	l := newLoader(cfg)
	defer l.client.CloseIdleConnections()
	ep, err := l.prepare(ctx, "bookings")
	if err != nil {
		return fmt.Errorf("preparing the service's bookings: %w", err)
	}
	s, _, err := openStoreRun(ctx, "bookings-beside-store", []string{"--db", *db})
	if err != nil {
		return err
	}
	defer s.Close(ctx)
	book, err := storeBooker(ctx, s)
	if err != nil {
		return err
	}
	service := besideSide{op: func(k int) (string, bool) {
		req := ep.request(k)
		if req == nil {
			return "", false
		}
		return l.send(req, ep.want), true
	}}
	store := besideSide{op: book}
	var rep besideReport
	for i := range *slices {
		first, second := &service, &store
		if i%2 == 1 {
			first, second = second, first
		}
		sn, tn := len(service.samples), len(store.samples)
		st, sd := service.took, store.took
		first.drive(ctx, *clients, *slice)
		second.drive(ctx, *clients, *slice)
		if err := ctx.Err(); err != nil {
			return err
		}
		rep.PairRatios = append(rep.PairRatios, rateRatio(len(service.samples)-sn, service.took-st, len(store.samples)-tn, store.took-sd))
	}
	rep.Service = service.stats(ep.name, *clients)
	rep.Store = store.stats(storeBookingsName, *clients)
	rep.Ratio = rateRatio(len(service.samples), service.took, len(store.samples), store.took)
	if *asJSON {
		return json.NewEncoder(out).Encode(rep)
	}
	if err := writeReport(out, []stats{rep.Service, rep.Store}); err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "service/store: %.2f over %d pairs of %s slices; by pair: %.2f\n", rep.Ratio, *slices, *slice, rep.PairRatios)
	return err
}

// besideSide is one side of bookings-beside-store: its call, the k it
// has reached and what its slices saw.
type besideSide struct {
	op       func(k int) (string, bool)
	next     atomic.Int64
	samples  []sample
	took     time.Duration
	firstErr string
}

// drive runs one slice of this side.
func (b *besideSide) drive(ctx context.Context, clients int, d time.Duration) {
	samples, firstErr, took := driveSlice(ctx, clients, d, &b.next, b.op)
	b.samples, b.took = append(b.samples, samples...), b.took+took
	if b.firstErr == "" {
		b.firstErr = firstErr
	}
}

// stats sums up every slice of this side.
func (b *besideSide) stats(name string, clients int) stats {
	st := summarise(name, clients, b.samples, b.took)
	st.FirstError = b.firstErr
	return st
}

// rateRatio is the rate of n calls in d over the rate of m calls in e;
// zero when the second rate is.
func rateRatio(n int, d time.Duration, m int, e time.Duration) float64 {
	if m == 0 || d <= 0 || e <= 0 {
		return 0
	}
	return (float64(n) / d.Seconds()) / (float64(m) / e.Seconds())
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

const besideUsage = "usage: tolkbench bookings-beside-store --url URL --seeded FILE --db COPY [--bare-store URL] [--clients N] [--warmup D] [--slices N] [--slice D] [--json]"

// besideReport is what bookings-beside-store prints: the service's
// bookings and the store's own durable write rate over the same slices,
// without and with the booking's invitation in its change, and the ratio
// of the service's rate to each.
type besideReport struct {
	Service      stats `json:"service"`
	Store        stats `json:"store"`
	StoreMessage stats `json:"storeWithMessage"`
	// BareStore is the store's booking with its invitation behind a bare
	// handler (tolkbench bare-store), when --bare-store names one.
	BareStore *stats `json:"bareStore,omitempty"`
	// Ratio and RatioMessage are the service's rate over the store's,
	// over all the slices; PairRatios and PairRatiosMessage the same for
	// each pair of slices, in order.
	Ratio             float64   `json:"ratio"`
	RatioMessage      float64   `json:"ratioWithMessage"`
	PairRatios        []float64 `json:"pairRatios"`
	PairRatiosMessage []float64 `json:"pairRatiosWithMessage"`
	// RatioBare is the service's rate over the bare store's, and
	// BareOverMessage the bare store's over the store's with the
	// invitation in process: the ceiling HTTP and the client on the
	// shared cores leave any service.
	RatioBare       float64 `json:"ratioBare,omitempty"`
	BareOverMessage float64 `json:"bareOverStoreWithMessage,omitempty"`
	// Warmup is how long each side was driven before the slices, uncounted.
	Warmup string `json:"warmup"`
}

// runBookingsBeside measures POST /v1/bookings beside its baselines, the
// store's durable write rate of a booking with its audit entry, and with
// the interpreter's invitation too, as the service's change carries it:
// in alternating slices, since the disk's speed here changes from one
// ten-second run to the next by as much as two times, so runs one after
// the other compare the disk's moments, not the service and the store.
// Each pair of slices takes all three (four with --bare-store), in one
// order in one pair and the reverse in the next, so that none always
// meets the disk just rested; the ratios are of the rates summed over
// every slice. Before the first pair each side is driven once for the
// warm-up, uncounted, as load warms each endpoint: a service just started
// grows its heap and fills its caches in its first seconds of bookings,
// which a store called in process barely has, and a register's service
// runs for days. The store books
// straight into COPY (a copy of the file the service serves, which no
// service holds) from this process, as store-bookings does; its two
// baselines share one count of calls, so their slots never collide.
func runBookingsBeside(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bookings-beside-store", flag.ContinueOnError)
	base := fs.String("url", "http://localhost:8080", "the running service's base URL (serve it with TOLK_RATE_LIMITS=off)")
	seededPath := fs.String("seeded", "", "the JSON `tolkbench seed` printed")
	db := fs.String("db", "", "a copy of the seeded file for the store's own bookings")
	bareURL := fs.String("bare-store", "", "the base URL of a `tolkbench bare-store` on another copy, driven in slices too")
	clients := fs.Int("clients", 32, "concurrent clients of each")
	pairs := fs.Int("slices", 10, "pairs of slices")
	slice := fs.Duration("slice", 2*time.Second, "how long each slice drives one of them")
	warmup := fs.Duration("warmup", 2*time.Second, "how long each side is driven, uncounted, before the slices")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *db == "" || *seededPath == "" || *clients < 1 || *pairs < 1 || *slice <= 0 || *warmup < 0 {
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
	book, err := storeBooker(ctx, s, false)
	if err != nil {
		return err
	}
	bookWithMessage, err := storeBooker(ctx, s, true)
	if err != nil {
		return err
	}
	service := &besideSide{next: new(atomic.Int64), op: func(k int) (string, bool) {
		req := ep.request(k)
		if req == nil {
			return "", false
		}
		return l.send(req, ep.want), true
	}}
	storeCalls := new(atomic.Int64)
	store := &besideSide{next: storeCalls, op: book}
	withMessage := &besideSide{next: storeCalls, op: bookWithMessage}
	sides := []*besideSide{service, store, withMessage}
	var bare *besideSide
	if *bareURL != "" {
		target, err := url.Parse(strings.TrimSuffix(*bareURL, "/") + "/v1/bookings")
		if err != nil || target.Host == "" {
			return fmt.Errorf("--bare-store %q: not a base URL", *bareURL)
		}
		// The service's own requests, sent to the bare store instead.
		bare = &besideSide{next: new(atomic.Int64), op: func(int) (string, bool) {
			req := ep.request(0)
			req.URL, req.Host = target, target.Host
			return l.send(req, http.StatusCreated), true
		}}
		sides = append(sides, bare)
	}
	rep := besideReport{Warmup: warmup.String()}
	if *warmup > 0 {
		for _, side := range sides {
			_, firstErr, _ := driveSlice(ctx, *clients, *warmup, side.next, side.op)
			side.firstErr = firstErr
		}
	}
	for i := range *pairs {
		order := slices.Clone(sides)
		if i%2 == 1 {
			slices.Reverse(order)
		}
		before := [3]sideRate{service.mark(), store.mark(), withMessage.mark()}
		for _, side := range order {
			side.drive(ctx, *clients, *slice)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rep.PairRatios = append(rep.PairRatios, service.since(before[0]).over(store.since(before[1])))
		rep.PairRatiosMessage = append(rep.PairRatiosMessage, service.since(before[0]).over(withMessage.since(before[2])))
	}
	rep.Service = service.stats(ep.name, *clients)
	rep.Store = store.stats(storeBookingsName(false), *clients)
	rep.StoreMessage = withMessage.stats(storeBookingsName(true), *clients)
	rep.Ratio, rep.RatioMessage = service.mark().over(store.mark()), service.mark().over(withMessage.mark())
	if bare != nil {
		st := bare.stats("the store's booking with its message behind a bare handler", *clients)
		rep.BareStore = &st
		rep.RatioBare, rep.BareOverMessage = service.mark().over(bare.mark()), bare.mark().over(withMessage.mark())
	}
	if *asJSON {
		return json.NewEncoder(out).Encode(rep)
	}
	all := []stats{rep.Service, rep.Store, rep.StoreMessage}
	if rep.BareStore != nil {
		all = append(all, *rep.BareStore)
	}
	if err := writeReport(out, all); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(out, "service/store: %.2f, by pair %.2f\nservice/store with the message: %.2f, by pair %.2f\n",
		rep.Ratio, rep.PairRatios, rep.RatioMessage, rep.PairRatiosMessage); err != nil {
		return err
	}
	if rep.BareStore != nil {
		if _, err := fmt.Fprintf(out, "service/bare store: %.2f\nbare store/store with the message: %.2f\n", rep.RatioBare, rep.BareOverMessage); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintf(out, "(%d pairs of %s slices, after a %s warm-up of each)\n", *pairs, *slice, *warmup)
	return err
}

// besideSide is one side of bookings-beside-store: its call, the count
// of calls it takes its k from, and what its slices saw.
type besideSide struct {
	op       func(k int) (string, bool)
	next     *atomic.Int64
	samples  []sample
	took     time.Duration
	firstErr string
}

// drive runs one slice of this side.
func (b *besideSide) drive(ctx context.Context, clients int, d time.Duration) {
	samples, firstErr, took := driveSlice(ctx, clients, d, b.next, b.op)
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

// sideRate is how many calls a side made in how long.
type sideRate struct {
	calls int
	took  time.Duration
}

// mark is what this side has made so far.
func (b *besideSide) mark() sideRate { return sideRate{len(b.samples), b.took} }

// since is what this side made after an earlier mark.
func (b *besideSide) since(m sideRate) sideRate {
	return sideRate{len(b.samples) - m.calls, b.took - m.took}
}

// over is rate r over rate o; zero when either has no time or o no calls.
func (r sideRate) over(o sideRate) float64 {
	if o.calls == 0 || r.took <= 0 || o.took <= 0 {
		return 0
	}
	return (float64(r.calls) / r.took.Seconds()) / (float64(o.calls) / o.took.Seconds())
}

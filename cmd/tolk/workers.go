package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/mail"
)

// A worker is background work that run starts once the store is open and
// the server is built, and stops, drained, after the server has stopped
// and before the store closes. Run runs until ctx ends, then finishes or
// puts back what it holds and returns. A worker is not restarted: it
// retries what fails inside, and returns early only on a fault it cannot
// get past (logged).
type worker struct {
	name string
	run  func(ctx context.Context) error
}

// background returns the service's workers over store and application:
// the offer expirer, the outbox's deliverer sending through sender as
// holder, the scheduler of scheduled messages and retention. Tests set
// their own.
var background = func(store data.Store, application *app.App, sender app.Sender, holder string, log *slog.Logger) []worker {
	return []worker{
		expirer(application, log, expireEvery),
		deliverer(application, sender, holder, log, deliverEvery),
		scheduler(application, log, scheduleEvery),
		retainer(application, log, retainEvery),
	}
}

// retainEvery is how often retention runs: daily, as the policy's
// periods are years.
const retainEvery = 24 * time.Hour

// retainer is the worker that applies the retention policy
// (app.ApplyRetention), at start-up and then every interval. Instances
// sharing a store may run it at once: anonymising is idempotent.
func retainer(application *app.App, log *slog.Logger, every time.Duration) worker {
	return worker{name: "retention", run: func(ctx context.Context) error {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			if _, err := application.ApplyRetention(ctx); err != nil && ctx.Err() == nil {
				log.Warn("applying retention", "error", err.Error())
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
		}
	}}
}

// expireEvery is how often the expirer looks for invitations whose time
// ran out. Readers show expiry by the clock meanwhile (data.Offer.AsOf);
// the expirer writes it and asks the next interpreter of a cascade.
const expireEvery = 15 * time.Second

// expireBatch is how many due offers the expirer moves in one store call.
const expireBatch = 100

// expirer is the worker that moves offers on when their invitations' time
// runs out (app.ExpireOffers), every interval, and at once at start-up. A
// failure is logged and tried again at the next interval.
func expirer(application *app.App, log *slog.Logger, every time.Duration) worker {
	return worker{name: "offer-expirer", run: func(ctx context.Context) error {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			for {
				n, err := application.ExpireOffers(ctx, expireBatch)
				if err != nil && ctx.Err() == nil {
					log.Warn("expiring offers", "error", err.Error())
				}
				if err != nil || n < expireBatch {
					break
				}
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
		}
	}}
}

// workers are the running workers.
type workers struct {
	log    *slog.Logger
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// startWorkers starts each of ws in a goroutine of its own. Their context
// keeps ctx's values but not its end: SIGTERM ends ctx at once, and the
// workers must outlive the server's drain; stop ends them.
func startWorkers(ctx context.Context, log *slog.Logger, ws ...worker) *workers {
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w := &workers{log: log, cancel: cancel}
	for _, wk := range ws {
		w.wg.Go(func() {
			err := wk.run(wctx)
			switch {
			case err != nil && !errors.Is(err, context.Canceled):
				log.Error("worker failed", "worker", wk.name, "error", err.Error())
			case wctx.Err() == nil:
				log.Error("worker returned before it was stopped", "worker", wk.name)
			default:
				log.Info("worker stopped", "worker", wk.name)
			}
		})
	}
	return w
}

// stop ends the workers' context and waits until every worker has
// returned, or until ctx ends: then it returns ctx's error, and the
// workers still running are abandoned to the store's close.
func (w *workers) stop(ctx context.Context) error {
	w.cancel()
	done := make(chan struct{})
	go func() {
		w.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// deliverEvery is how often the deliverer looks for due messages when
// its last claim was not full; while its claims come back full (whether
// each message was then sent, failed or no longer applied) it goes on at
// once.
//
// Waiting for a batch to fill keeps the outbox's writes few under load: a
// deliverer that went on after every batch took the one or two messages
// each booking had written meanwhile, two write transactions (the claim
// and the settlement) for every few messages, each waiting for bbolt's
// one writer beside the bookings. A message that falls due while the
// deliverer waits is claimed at its next tick, within this long; one
// that falls due while a batch is being sent waits for that batch too.
const deliverEvery = 2 * time.Second

// deliverBatch is how many messages the deliverer holds at once.
const deliverBatch = 20

// deliverer is the worker that sends the outbox's due messages through
// sender, as holder (each instance's own name: a message is held by one
// deliverer at a time, and a lease that lapses frees it for another).
func deliverer(application *app.App, sender app.Sender, holder string, log *slog.Logger, every time.Duration) worker {
	return worker{name: "deliverer", run: func(ctx context.Context) error {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			for {
				d, err := application.DeliverDue(ctx, sender, holder, deliverBatch)
				if err != nil && ctx.Err() == nil {
					log.Warn("delivering messages", "error", err.Error())
				}
				if err != nil || d.Claimed < deliverBatch {
					break
				}
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
		}
	}}
}

// scheduleEvery is how often scheduled messages (credential lapses, the
// daily summaries) are written; each is written once, whenever it runs.
const scheduleEvery = 5 * time.Minute

// scheduler is the worker that writes scheduled messages into the outbox
// (app.Schedule), at once at start-up and then every interval.
func scheduler(application *app.App, log *slog.Logger, every time.Duration) worker {
	return worker{name: "scheduler", run: func(ctx context.Context) error {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			if _, err := application.Schedule(ctx); err != nil && ctx.Err() == nil {
				log.Warn("scheduling messages", "error", err.Error())
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
		}
	}}
}

// mailSender adapts package mail's sender to app.Sender: a permanent
// refusal (a 5xx to the message) or a message that cannot be composed is
// undeliverable; everything else is retried.
type mailSender struct{ mail.Sender }

// Send sends m, marking what no retry will mend.
func (s mailSender) Send(ctx context.Context, m data.Message) error {
	err := s.Sender.Send(ctx, m)
	if r, ok := errors.AsType[*mail.Refusal](err); ok && !r.Temporary {
		return fmt.Errorf("%w: %v", app.ErrUndeliverable, err)
	}
	if errors.Is(err, data.ErrInvalid) {
		return fmt.Errorf("%w: %v", app.ErrUndeliverable, err)
	}
	return err
}

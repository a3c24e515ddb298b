package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"
	"github.com/tolk/tolk/data/bolt"
)

const bareStoreUsage = "usage: tolkbench bare-store --db COPY [--addr HOST:PORT]"

// runBareStore serves, until ctx ends, the ceiling of POST /v1/bookings
// for any service on this machine: the store's durable write of a booking
// with its invitation (store-bookings --message) behind a bare Fiber
// handler, in a process of its own, as the service is. Its POST
// /v1/bookings books the next slot of the store-bookings window into COPY
// (a copy of the seeded file that nothing else holds) and answers 201; it
// reads no body, checks no key and judges no rule. bookings-beside-store
// --bare-store drives it with the service's own client and requests in
// slices beside the service and the store in process, so the report says
// how much of the gap between them is the client and HTTP on the shared
// cores, and how much is the service's own work.
func runBareStore(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bare-store", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8091", "the address to listen on")
	db := fs.String("db", "", "a copy of the seeded file to book into")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *db == "" {
		return errors.New(bareStoreUsage)
	}
	s, err := bolt.Open(*db)
	if err != nil {
		return err
	}
	defer s.Close(context.WithoutCancel(ctx))
	book, err := storeBooker(ctx, s, true)
	if err != nil {
		return err
	}
	return serveApp(ctx, bareStoreApp(book), *addr, out, "the store's booking behind a bare Fiber handler", "/v1/bookings")
}

// bareStoreApp is bare-store's app: Fiber's defaults, no middleware, one
// handler calling book with a count of its calls.
func bareStoreApp(book func(k int) (problem string, sent bool)) *fiber.App {
	var next atomic.Int64
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Post("/v1/bookings", func(c *fiber.Ctx) error {
		problem, sent := book(int(next.Add(1) - 1))
		switch {
		case !sent:
			return c.Status(fiber.StatusServiceUnavailable).SendString("the window of slots is used up: book into a fresh copy")
		case problem != "":
			return c.Status(fiber.StatusInternalServerError).SendString(problem)
		}
		return c.Status(fiber.StatusCreated).SendString("booked")
	})
	return app
}

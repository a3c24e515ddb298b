package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"

	"github.com/gofiber/fiber/v2"
)

const bareUsage = "usage: tolkbench bare [--addr HOST:PORT]"

// runBare serves the baseline of a load run until ctx ends: a Fiber app
// with Fiber's defaults, no middleware and one handler, GET /healthz
// answering "ok". Driving it with `load --only healthz` measures what the
// machine, the client and Fiber cost before tolk does anything.
func runBare(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bare", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8090", "the address to listen on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return serveApp(ctx, bareApp(), *addr, out, "bare Fiber handler", "/healthz")
}

// serveApp serves app on addr until ctx ends or serving fails, once it
// listens printing what it serves and the URL of path there.
func serveApp(ctx context.Context, app *fiber.App, addr string, out io.Writer, what, path string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s on http://%s%s\n", what, ln.Addr(), path)
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	return app.Shutdown()
}

// bareApp is the baseline app.
func bareApp() *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	return app
}

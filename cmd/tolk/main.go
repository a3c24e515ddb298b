// Command tolk runs the tolk service: it finds, ranks and books vetted
// interpreters for interviews with children, over a JSON HTTP API.
//
//	tolk serve [--demo] [--addr :8080] [--db ./tolk.db]
//	tolk backup --to FILE
//	tolk restore --from FILE [--db ./tolk.db]
//	tolk check [--db ./tolk.db]
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "tolk:", err)
		os.Exit(1)
	}
}

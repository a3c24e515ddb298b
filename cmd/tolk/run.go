package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/tolk/tolk"
	"github.com/tolk/tolk/api"
	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/edge"
	"github.com/tolk/tolk/heapfloor"
	"github.com/tolk/tolk/mail"
	"github.com/tolk/tolk/matching"
	"github.com/tolk/tolk/retention"
	"github.com/tolk/tolk/web"
)

// shutdownGrace is how long in-flight requests may run after a stop
// signal; drainGrace how long the workers then have to finish.
const (
	shutdownGrace = 15 * time.Second
	drainGrace    = 10 * time.Second
)

// run is the whole program: config → logger → store → app → edge + api +
// web → workers → serve → shutdown (stop serving, drain the workers, close
// the store). It returns when ctx ends (SIGINT/SIGTERM) and every in-flight
// request and worker has finished, or on a start-up error. The commands
// on the store's file (backup, restore, check) run instead when named.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "backup":
			return backupCommand(ctx, args[1:], getenv, stdout, stderr)
		case "restore":
			return restoreCommand(ctx, args[1:], getenv, stdout, stderr)
		case "check":
			return checkCommand(ctx, args[1:], getenv, stdout, stderr)
		}
	}
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	// The log's lines are written from a goroutine of their own, gathered
	// (edge.LineWriter): a request does not wait on a write to stderr.
	logOut := edge.NewLineWriter(stderr)
	defer logOut.Close()
	log := slog.New(slog.NewJSONHandler(logOut, &slog.HandlerOptions{Level: cfg.LogLevel}))
	log.Info("starting", "config", cfg)
	// The collector waits for 256 MiB of growth at least (heapfloor):
	// unless the operator set GOGC, which then wins.
	if getenv("GOGC") == "" {
		defer heapfloor.Start(heapfloor.DefaultFloor)()
	}
	policy, err := loadPolicy(cfg.Policy)
	if err != nil {
		return err
	}
	keep, err := loadRetention(cfg.RetentionPolicy)
	if err != nil {
		return err
	}

	store, err := openStore(ctx, cfg)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := store.Close(closeCtx); err != nil {
			log.Error("closing store", "error", err.Error())
		}
	}()

	// Bind before writing anything, so a taken port fails before the demo
	// issues keys nobody can use.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()

	baseURL := cfg.BaseURL
	if baseURL == "" {
		baseURL = listenURL(ln.Addr()) // unset: where the service really listens
	}
	sender, err := mail.New(cfg.Mail)
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	log.Info("mail", "where", sender.Where())
	application := app.New(app.Config{Store: store, Logger: log, Policy: &policy, BaseURL: baseURL, FirstRetry: cfg.MailRetry,
		DirectBookingCoordinatorsOnly: cfg.DirectByCoordinators, Retention: &keep, MatchTurns: cfg.MatchTurns})
	now := time.Now()
	if cfg.BootstrapKey != "" {
		if err := application.EnsureBootstrapAdmin(ctx, cfg.BootstrapKey); err != nil {
			return fmt.Errorf("bootstrap admin: %w", err)
		}
	}
	if cfg.Demo {
		if err := seedDemo(ctx, store, policy, baseURL, now, stdout); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		fmt.Fprintf(stdout, "Mail goes to %s.\n", sender.Where())
	}
	server := edge.New(edge.Config{Logger: log, RateLimits: cfg.RateLimits, TrustedProxies: cfg.TrustedProxies,
		PerKey: cfg.PerKey, PerAddress: cfg.PerAddress, PerFeed: cfg.PerFeed})
	pages, err := web.New(web.Config{App: application, Guard: server, Logger: log, BaseURL: baseURL, OIDC: cfg.OIDC})
	if err != nil {
		return err
	}
	server.Mount(api.New(api.Config{App: application, Guard: server, Logger: log, OpenAPI: tolk.OpenAPI, BaseURL: baseURL}))
	server.Mount(pages) // every path the API does not own

	work := startWorkers(ctx, log, background(store, application, mailSender{sender}, holderName(), log)...)
	defer func() { // before the store closes, after the server has stopped
		drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drainGrace)
		defer cancel()
		if err := work.stop(drainCtx); err != nil {
			log.Error("draining workers", "error", err.Error())
		}
	}()

	log.Info("listening", "addr", ln.Addr().String())
	served := make(chan error, 1)
	go func() { served <- server.Serve(ln) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := server.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	log.Info("stopped serving: draining workers, closing the store")
	return nil
}

// listenURL is the base URL of the address the service really listens on,
// for the lines the demo prints: a wildcard host becomes localhost.
func listenURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// loadPolicy returns the matching policy: the defaults, overridden by the
// file at path when set. A bad file stops the start with a message naming
// the bad key.
func loadPolicy(path string) (matching.Policy, error) {
	if path == "" {
		return matching.DefaultPolicy(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return matching.Policy{}, fmt.Errorf("TOLK_POLICY: %w", err)
	}
	p, err := matching.ParsePolicy(b)
	if err != nil {
		return matching.Policy{}, fmt.Errorf("TOLK_POLICY %s: %w", path, err)
	}
	return p, nil
}

// loadRetention returns the retention policy: the defaults, overridden
// by the file at path when set. A bad file stops the start with a message
// naming the bad key.
func loadRetention(path string) (retention.Policy, error) {
	if path == "" {
		return retention.Default(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return retention.Policy{}, fmt.Errorf("TOLK_RETENTION_POLICY: %w", err)
	}
	p, err := retention.Parse(b)
	if err != nil {
		return retention.Policy{}, fmt.Errorf("TOLK_RETENTION_POLICY %s: %w", path, err)
	}
	return p, nil
}

// holderName names this instance's deliverer: its host and a random
// suffix, so instances sharing one store never take each other's leases
// for their own.
func holderName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "tolk"
	}
	return host + "-" + rand.Text()[:8]
}

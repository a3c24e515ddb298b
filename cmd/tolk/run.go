package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/tolk/tolk"
	"github.com/tolk/tolk/api"
	"github.com/tolk/tolk/data"
)

// shutdownGrace is how long in-flight requests may run after a stop signal.
const shutdownGrace = 15 * time.Second

// run is the whole program: config → logger → store → api → serve → shutdown.
// It returns when ctx ends (SIGINT/SIGTERM) and every in-flight request has
// finished, or on a start-up error.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	log.Info("starting", "config", cfg)
	if cfg.Policy != "" {
		log.Warn("TOLK_POLICY is set but this build has no matching yet; the file is not read")
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

	now := time.Now()
	if cfg.BootstrapKey != "" {
		if err := ensureBootstrapAdmin(ctx, store, cfg.BootstrapKey, now); err != nil {
			return fmt.Errorf("bootstrap admin: %w", err)
		}
	}
	if cfg.Demo {
		if err := seedDemo(ctx, store, cfg.BaseURL, now, stdout); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}

	app := api.New(api.Config{Store: store, Logger: log, RateLimits: cfg.RateLimits, OpenAPI: tolk.OpenAPI})
	log.Info("listening", "addr", ln.Addr().String())
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := app.ShutdownWithContext(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// ensureBootstrapAdmin makes sure an admin in organisation "default" holds
// key. It is idempotent across restarts and safe when several instances
// start at once: the user's ID and email derive from the key's hash, so a
// second create is a duplicate, not a second admin.
func ensureBootstrapAdmin(ctx context.Context, store data.Store, key string, now time.Time) error {
	hash := data.HashKey(key)
	u, err := store.UserByKeyHash(ctx, hash)
	switch {
	case err == nil && u.Role != data.RoleAdmin:
		return fmt.Errorf("the key belongs to user %s, who is not an admin", u.ID)
	case err == nil:
		return nil
	case !errors.Is(err, data.ErrNotFound):
		return err
	}
	u = data.User{
		ID: "bootstrap-" + hash[:20], Name: "Bootstrap admin", Email: "bootstrap-" + hash[:12] + "@tolk.invalid",
		Role: data.RoleAdmin, Organisation: "default", KeyHash: hash,
		CreatedAt: data.Timestamp(now), UpdatedAt: data.Timestamp(now),
	}
	switch err := store.CreateUser(ctx, u); {
	case errors.Is(err, data.ErrDuplicate):
		return nil // another instance created it just now
	case err != nil:
		return err
	}
	return store.AppendAudit(ctx, data.NewAuditEntry(now, data.User{ID: data.ActorSystem, Organisation: "default"}, "user.created", "user", u.ID))
}

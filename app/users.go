package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/tolk/tolk/data"
)

// BootstrapAdminID is the ID of the admin that TOLK_BOOTSTRAP_ADMIN_KEY
// holds. It alone works across organisations: it creates each
// organisation's first admin.
const BootstrapAdminID = "bootstrap-admin"

// BootstrapOrganisation is the bootstrap admin's own organisation.
const BootstrapOrganisation = "default"

// isBootstrap reports whether the actor is the bootstrap admin.
func isBootstrap(actor data.User) bool {
	return actor.ID == BootstrapAdminID && actor.Role == data.RoleAdmin
}

// system is the actor of changes the service makes itself, with no role.
func system(organisation string) data.User { return System(organisation, "") }

// NewUser is what an admin gives to create a user.
type NewUser struct {
	// ID is kept only by an application that keeps IDs (Config.KeepIDs).
	ID   string
	Name string
	// InterpreterID links a user of the interpreter role to their record.
	InterpreterID string
	Email         string
	Role          data.Role
	// Organisation defaults to the admin's own. Only the bootstrap admin may
	// name another.
	Organisation string
}

// Authenticate returns the user holding key, or ErrUnauthenticated.
func (a *App) Authenticate(ctx context.Context, key string) (data.User, error) {
	if key == "" {
		return data.User{}, ErrUnauthenticated
	}
	u, err := a.store.UserByKeyHash(ctx, data.HashKey(key))
	switch {
	case errors.Is(err, data.ErrNotFound) || (err == nil && !u.KeyMatches(key)):
		return data.User{}, ErrUnauthenticated
	case err != nil:
		return data.User{}, err
	}
	return u, nil
}

// CreateUser lets an admin add a user to their own organisation (the
// bootstrap admin: to any), and a coordinator an interpreter's user to
// theirs, and returns the user and their API key, which only its holder
// ever sees again. An interpreter's user is linked to an interpreter
// record (one user per record), and takes the record's email unless
// another is given.
func (a *App) CreateUser(ctx context.Context, actor data.User, in NewUser) (data.User, string, error) {
	if in.Role == data.RoleInterpreter {
		if err := require(actor, data.RoleAdmin, data.RoleCoordinator); err != nil {
			return data.User{}, "", err
		}
	} else if err := require(actor, data.RoleAdmin); err != nil {
		return data.User{}, "", err
	}
	if in.Organisation == "" {
		in.Organisation = actor.Organisation
	}
	if in.Organisation != actor.Organisation && !isBootstrap(actor) {
		return data.User{}, "", forbidden("users are created only in your own organisation, %s", actor.Organisation)
	}
	if in.Role == data.RoleInterpreter && in.InterpreterID != "" {
		rec, err := a.store.Interpreter(ctx, in.InterpreterID)
		switch {
		case errors.Is(err, data.ErrNotFound):
			return data.User{}, "", invalid("interpreterId", "names no interpreter")
		case err != nil:
			return data.User{}, "", err
		case in.Email == "":
			in.Email = rec.Email
		}
		if in.Name == "" {
			in.Name = rec.Name
		}
	}
	now := a.stamp()
	key := data.NewAPIKey()
	u := data.User{
		ID: a.newID(in.ID, now), Name: in.Name, Email: data.NormalizeEmail(in.Email), Role: in.Role,
		InterpreterID: in.InterpreterID, Organisation: in.Organisation, KeyHash: data.HashKey(key), CreatedAt: now, UpdatedAt: now,
	}
	if err := u.Validate(); err != nil {
		return data.User{}, "", err
	}
	ch := audited(now, actor, u.Organisation, data.ActionUserCreated, data.EntityUser, u.ID)
	if err := a.store.CreateUser(ctx, u, ch); err != nil {
		return data.User{}, "", err
	}
	return u, key, nil
}

// managedUser returns the user an admin may manage: one of their own
// organisation (the bootstrap admin: any). Others are ErrNotFound, so an
// admin learns nothing of other organisations' users.
func (a *App) managedUser(ctx context.Context, actor data.User, id string) (data.User, error) {
	if err := require(actor, data.RoleAdmin); err != nil {
		return data.User{}, err
	}
	u, err := a.store.User(ctx, id)
	if err != nil {
		return data.User{}, err
	}
	// The bootstrap admin works across organisations: no admin of its
	// organisation may take its key, only the bootstrap key's holder
	// (and TOLK_BOOTSTRAP_ADMIN_KEY at start-up).
	if (u.Organisation != actor.Organisation || isBootstrap(u)) && !isBootstrap(actor) {
		return data.User{}, fmt.Errorf("user %s: %w", id, data.ErrNotFound)
	}
	return u, nil
}

// IssueKey gives a user of the admin's organisation a new API key; the old
// one stops working at once. It returns the new key, shown only this once.
func (a *App) IssueKey(ctx context.Context, actor data.User, userID string) (string, error) {
	u, err := a.managedUser(ctx, actor, userID)
	if err != nil {
		return "", err
	}
	key := data.NewAPIKey()
	if err := a.replaceKey(ctx, actor, u.ID, data.HashKey(key), false, data.ActionKeyIssued); err != nil {
		return "", err
	}
	// A new key means the old one may be known to someone else: the web
	// sessions opened with it end too.
	if err := a.endSessionsOf(ctx, actor, u); err != nil {
		return "", err
	}
	return key, nil
}

// RevokeKey ends a user's API key at once, their web sessions, every
// calendar feed they own, and sign-in through the identity provider
// (AccessRevoked) until IssueKey gives them a new key: a person whose access ends keeps no feed of the organisation's
// bookings. The user keeps their record and can be given a new key with
// IssueKey. The store keeps the hash of a fresh random key that nobody is
// ever given, so no key matches.
func (a *App) RevokeKey(ctx context.Context, actor data.User, userID string) error {
	u, err := a.managedUser(ctx, actor, userID)
	if err != nil {
		return err
	}
	if err := a.replaceKey(ctx, actor, u.ID, data.HashKey(data.NewAPIKey()), true, data.ActionKeyRevoked); err != nil {
		return err
	}
	if err := a.endSessionsOf(ctx, actor, u); err != nil {
		return err
	}
	return a.revokeFeedsOf(ctx, actor, u)
}

// replaceKey gives the user a new key hash (the old key stops working at
// once) and sets AccessRevoked to revoked, audited as action. A user who
// already holds the hash and the revocation is left as they are.
func (a *App) replaceKey(ctx context.Context, actor data.User, id, keyHash string, revoked bool, action data.Action) error {
	now := a.stamp()
	_, err := a.store.UpdateUser(ctx, id, func(u data.User) (data.User, data.Change, error) {
		if u.KeyHash == keyHash && u.AccessRevoked == revoked {
			return u, data.Change{}, data.ErrNoChange
		}
		u.KeyHash, u.AccessRevoked, u.UpdatedAt = keyHash, revoked, now
		return u, audited(now, actor, u.Organisation, action, data.EntityUser, u.ID), nil
	})
	return err
}

// EnsureBootstrapAdmin makes sure the bootstrap admin exists and holds key,
// and that no earlier bootstrap key works any more. It is idempotent across
// restarts and safe when several instances start at once: the first to
// create the admin wins, and the others give the admin the key (which it
// then already holds).
func (a *App) EnsureBootstrapAdmin(ctx context.Context, key string) error {
	if len(key) < data.MinBootstrapKeyLength || len(key) > data.MaxAPIKeyLength {
		return fmt.Errorf("the bootstrap key must be from %d to %d characters", data.MinBootstrapKeyLength, data.MaxAPIKeyLength)
	}
	hash := data.HashKey(key)
	actor := system(BootstrapOrganisation)
	now := a.stamp()
	u := data.User{
		ID: BootstrapAdminID, Name: "Bootstrap admin", Email: "bootstrap-admin@tolk.invalid",
		Role: data.RoleAdmin, Organisation: BootstrapOrganisation, KeyHash: hash, CreatedAt: now, UpdatedAt: now,
	}
	err := a.store.CreateUser(ctx, u, audited(now, actor, BootstrapOrganisation, data.ActionUserCreated, data.EntityUser, u.ID))
	if !errors.Is(err, data.ErrDuplicate) {
		return err
	}
	// The admin exists (or the key is another user's): give it the key.
	err = a.replaceKey(ctx, actor, BootstrapAdminID, hash, false, data.ActionKeyIssued)
	switch {
	case errors.Is(err, data.ErrDuplicate):
		return errors.New("the bootstrap key is another user's key")
	case errors.Is(err, data.ErrNotFound):
		return errors.New("the bootstrap key is another user's key, and there is no bootstrap admin to give it to")
	}
	return err
}

// ListUsers lists the users of the admin's own organisation (the bootstrap
// admin: of organisation, or their own when it is empty), in ID order.
func (a *App) ListUsers(ctx context.Context, actor data.User, organisation, cursor string, limit int) (data.Page[data.User], error) {
	if err := require(actor, data.RoleAdmin); err != nil {
		return data.Page[data.User]{}, err
	}
	if organisation == "" {
		organisation = actor.Organisation
	}
	if organisation != actor.Organisation && !isBootstrap(actor) {
		return data.Page[data.User]{}, forbidden("an admin may list users only in their own organisation, %s", actor.Organisation)
	}
	return a.store.ListUsers(ctx, data.UserQuery{Organisation: organisation, After: cursor, Limit: limit})
}
